// order-sign (CDS Hooks library 1.0): userId, patientId, encounterId?, draftOrders (Bundle).
// The primary CRD hook: every draft order gets a coverage-information systemAction.
import {
  bundleResources,
  checkBundle,
  firstProblem,
  ORDER_TYPES,
  requireString,
  type HookBehaviour,
} from './hook-behaviour.js';

export const orderSign: HookBehaviour = {
  decides: true,
  checkContext: (c) =>
    firstProblem(
      requireString(c, 'userId'),
      requireString(c, 'patientId'),
      checkBundle(c['draftOrders'], 'draftOrders', ORDER_TYPES),
    ),
  targets: (c) => ({ inline: bundleResources(c['draftOrders']), refs: [] }),
};
