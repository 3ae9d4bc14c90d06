import type { CompiledVersion } from '../../model/compiled-policy.js';
import type { ReasonV1 } from '../../model/determination.js';
import type { NormalizedRequest } from '../../model/normalized-request.js';
import type { PriorAuth } from '../../model/vocabulary.js';
import { evalCondition, unknownFields } from './condition.js';

export interface PriorAuthAnswer {
  priorAuth: PriorAuth;
  reasons: readonly ReasonV1[];
}

/** The first rule that holds decides; one that turns on a field the request lacks makes it conditional. */
export function priorAuthFor(version: CompiledVersion, req: NormalizedRequest): PriorAuthAnswer {
  for (const rule of version.priorAuthRules) {
    const t = evalCondition(rule.when, req);
    if (t === true) return { priorAuth: rule.priorAuth, reasons: rule.reasons };
    if (t === 'unknown') {
      const fields = unknownFields(rule.when, req).join(' and ');
      const text = `Prior authorization depends on ${fields}, which the request does not give: ${rule.priorAuth} when the rule below holds.`;
      const [first, ...rest] = rule.reasons;
      return {
        priorAuth: 'conditional',
        reasons: first ? [{ ...first, text }, ...rest] : [{ text, rule: `prior-auth:${rule.id}` }],
      };
    }
  }
  return { priorAuth: version.priorAuthDefault, reasons: version.priorAuthDefaultReasons };
}
