// order-select: userId, patientId, encounterId?, selections (refs into draftOrders), draftOrders.
// A secondary hook: the selected orders are decided (for early feedback and caching); coverage
// information here never asks for documentation (CRD hooks.md hook-19).
import { asArray, refKey, resourceKey } from './fhir.js';
import {
  bundleResources,
  checkBundle,
  checkRefArray,
  firstProblem,
  ORDER_TYPES,
  requireString,
  type HookBehaviour,
} from './hook-behaviour.js';

export const orderSelect: HookBehaviour = {
  decides: true,
  checkContext: (c) =>
    firstProblem(
      requireString(c, 'userId'),
      requireString(c, 'patientId'),
      checkRefArray(c['selections'], 'selections'),
      checkBundle(c['draftOrders'], 'draftOrders', ORDER_TYPES),
    ),
  targets: (c) => {
    const selected = new Set(asArray(c['selections']).map(refKey));
    return {
      inline: bundleResources(c['draftOrders']).filter((r) => selected.has(resourceKey(r))),
      refs: [],
    };
  },
};
