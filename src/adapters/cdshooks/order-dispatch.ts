// order-dispatch: both context shapes are accepted.
//   hook 1.1: patientId, dispatchedOrders (refs), performer, fulfillmentTasks? (Task[])
//   hook 1.0: patientId, order (ref), performer, task? (Task) — what CRD 2.0.1 testers send.
// The dispatched orders are resolved from prefetch or read from the EHR.
import { asArray, isObject, refKey } from './fhir.js';
import {
  checkRefArray,
  firstProblem,
  requireString,
  type HookBehaviour,
} from './hook-behaviour.js';

export const orderDispatch: HookBehaviour = {
  decides: true,
  checkContext: (c) => {
    const orders =
      c['dispatchedOrders'] !== undefined
        ? checkRefArray(c['dispatchedOrders'], 'dispatchedOrders')
        : refKey(c['order'])
          ? undefined
          : 'context needs dispatchedOrders (hook 1.1) or order (hook 1.0)';
    const tasks = [...asArray(c['fulfillmentTasks']), ...asArray(c['task'])];
    const badTask = tasks.findIndex((t) => !isObject(t) || t['resourceType'] !== 'Task');
    return firstProblem(
      requireString(c, 'patientId'),
      orders,
      refKey(c['performer']) ? undefined : 'context.performer must be a reference',
      badTask >= 0 ? 'context.fulfillmentTasks / context.task must hold Task resources' : undefined,
    );
  },
  targets: (c) => ({
    inline: [],
    refs: (c['dispatchedOrders'] !== undefined ? asArray(c['dispatchedOrders']) : [c['order']])
      .map(refKey)
      .filter((k): k is string => k !== undefined),
  }),
};
