import type { CompiledPriorAuthRule, CompiledVersion } from '../../model/compiled-policy.js';
import type { ReasonV1 } from '../../model/determination.js';
import type { NormalizedRequest } from '../../model/normalized-request.js';
import type { PriorAuth } from '../../model/vocabulary.js';
import { evalCondition, unknownFields } from './condition.js';

export interface PriorAuthAnswer {
  readonly priorAuth: PriorAuth;
  readonly reasons: readonly ReasonV1[];
}

// Answers are built once per rule (and per set of missing fields) and shared: the compiled
// policy never changes, so memoizing keeps the function pure while sparing the hot path.
const ruleAnswers = new WeakMap<CompiledPriorAuthRule, PriorAuthAnswer>();
const conditionalAnswers = new WeakMap<CompiledPriorAuthRule, Map<string, PriorAuthAnswer>>();
const defaultAnswers = new WeakMap<CompiledVersion, PriorAuthAnswer>();

/**
 * priorAuthFor with the answers built beforehand: `answers[i]` is the answer of the version's
 * rule i when it holds outright, `fallback` the default's.
 */
export function priorAuthWith(
  version: CompiledVersion,
  answers: readonly PriorAuthAnswer[],
  fallback: PriorAuthAnswer,
  req: NormalizedRequest,
): PriorAuthAnswer {
  const rules = version.priorAuthRules;
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    const t = evalCondition(rule.when, req);
    if (t === true) return answers[i]!;
    if (t === 'unknown')
      return conditionalAnswer(rule, unknownFields(rule.when, req).join(' and '));
  }
  return fallback;
}

/** The first rule that holds decides; one that turns on a field the request lacks makes it conditional. */
export function priorAuthFor(version: CompiledVersion, req: NormalizedRequest): PriorAuthAnswer {
  const rules = version.priorAuthRules;
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    const t = evalCondition(rule.when, req);
    if (t === true) {
      let a = ruleAnswers.get(rule);
      if (!a) ruleAnswers.set(rule, (a = { priorAuth: rule.priorAuth, reasons: rule.reasons }));
      return a;
    }
    if (t === 'unknown')
      return conditionalAnswer(rule, unknownFields(rule.when, req).join(' and '));
  }
  let a = defaultAnswers.get(version);
  if (!a) {
    a = { priorAuth: version.priorAuthDefault, reasons: version.priorAuthDefaultReasons };
    defaultAnswers.set(version, a);
  }
  return a;
}

function conditionalAnswer(rule: CompiledPriorAuthRule, fields: string): PriorAuthAnswer {
  let byFields = conditionalAnswers.get(rule);
  if (!byFields) conditionalAnswers.set(rule, (byFields = new Map()));
  let a = byFields.get(fields);
  if (!a) {
    const text = `Prior authorization depends on ${fields}, which the request does not give: ${rule.priorAuth} when the rule below holds.`;
    const [first, ...rest] = rule.reasons;
    a = {
      priorAuth: 'conditional',
      reasons: first ? [{ ...first, text }, ...rest] : [{ text, rule: `prior-auth:${rule.id}` }],
    };
    byFields.set(fields, a);
  }
  return a;
}
