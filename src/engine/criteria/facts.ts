import type {
  CompiledFactAnswer,
  CompiledFactRule,
  CompiledStatement,
  CompiledVersion,
} from '../../model/compiled-policy.js';
import type { QuestionV1, ReasonV1, WarningV1 } from '../../model/determination.js';
import { NO_FACTS, type RequestFacts } from '../../model/facts.js';
import type { NormalizedRequest } from '../../model/normalized-request.js';
import type { PriorAuthAnswer } from './prior-auth.js';
import { deepFreeze } from '../../model/deep-freeze.js';

// Facts beyond the request (policies/valuesets/facts.yaml) that a conditional product rule turns
// on. Read at the verdict, after scope, needs-info, exclusions and referrals: a fact is only ever
// asked for a request the policy speaks to, with the request information complete.
//
// Everything returned is built once per compiled rule (or per answer and prior-auth answer) and
// shared, frozen, like the engine's other reasons.

/** The facts of a rule not yet given: the entries in `missing`, and the questions that ask them. */
export interface FactsAsked {
  readonly missing: readonly string[];
  readonly questions: readonly QuestionV1[];
  readonly trace: string;
}

/** What the facts of a rule decide: an answer (its effect), or the facts still to ask. */
export type FactStep = CompiledFactAnswer | FactsAsked;

export const isAnswer = (s: FactStep): s is CompiledFactAnswer => 'effect' in s;

/** The value of a fact: a request field for a fact that spells one, else the request's facts. */
function factValue(f: CompiledFactRule, req: NormalizedRequest): boolean | undefined {
  switch (f.requestField) {
    case undefined:
      return (req.facts ?? NO_FACTS)[f.fact];
    case 'providerParticipating':
      return req.providerParticipating;
    case 'medicarePrimary':
      return req.medicarePrimary;
    default:
      return req.groupPolicy;
  }
}

const allAsked = new WeakMap<readonly CompiledFactRule[], FactsAsked>();

/**
 * The facts are tried in the rule's order: the first one given whose answer is `covered` or
 * `not-covered` decides; one answered `policy` lets the next be consulted. When some are not
 * given, they are asked (the answer stays conditional); when every one is given and says
 * `policy`, the first such answer decides, and the statements give the verdict.
 */
export function factStep(facts: readonly CompiledFactRule[], req: NormalizedRequest): FactStep {
  let policy: CompiledFactAnswer | undefined;
  let unasked: CompiledFactRule[] | undefined;
  let notGiven = 0;
  for (const f of facts) {
    const value = factValue(f, req);
    if (value === undefined) {
      notGiven++;
      if (facts.length > 1) (unasked ??= []).push(f);
      continue;
    }
    const answer = value ? f.yes : f.no;
    if (answer.effect.kind !== 'policy') return answer;
    policy ??= answer;
  }
  if (notGiven === 0) return policy!;
  if (notGiven === facts.length) {
    let asked = allAsked.get(facts);
    if (!asked) allAsked.set(facts, (asked = deepFreeze(askedOf(facts))));
    return asked;
  }
  return askedOf(unasked!);
}

// The questions and reasons shared here are compiled parts, deep-frozen with the policy set
// (freezeSharedParts): only the lists made here are frozen here.
function askedOf(facts: readonly CompiledFactRule[]): FactsAsked {
  return Object.freeze({
    missing: Object.freeze(facts.map((f) => f.missing)),
    questions: Object.freeze(facts.map((f) => f.question)),
    trace: `${facts.map((f) => `fact ${f.fact}`).join(', ')} not given → conditional (asked)`,
  });
}

interface Memo {
  readonly statements: readonly CompiledStatement[] | undefined;
  readonly pa: PriorAuthAnswer;
  readonly reasons: readonly ReasonV1[];
}
const answeredReasons = new WeakMap<CompiledFactAnswer, Memo[]>();

/**
 * The reasons of an answer a fact decided: the fact's sentence first (PAS and CRD quote the first
 * cited reason), then, for `policy`, what the statements say, then prior authorization.
 */
export function factReasons(
  answer: CompiledFactAnswer,
  statements: readonly CompiledStatement[],
  verdict: string,
  pa: PriorAuthAnswer,
): readonly ReasonV1[] {
  const decidedBy = answer.effect.kind === 'policy' ? statements : undefined;
  let known = answeredReasons.get(answer);
  if (!known) answeredReasons.set(answer, (known = []));
  for (const k of known) if (k.statements === decidedBy && k.pa === pa) return k.reasons;
  const out: ReasonV1[] = [...answer.reasons];
  if (decidedBy) for (const s of decidedBy) if (s.verdict === verdict) out.push(...s.reasons);
  out.push(...pa.reasons);
  // One entry per statement list and prior-auth answer that meet this answer: few; bounded. Only
  // what is kept is marked shared (deepFreeze), so that the serializer keeps no other's text.
  const keep = known.length < 64;
  const reasons = keep ? deepFreeze(out) : Object.freeze(out);
  if (keep) known.push({ statements: decidedBy, pa, reasons });
  return reasons;
}

const notUsedWarnings = new Map<string, WarningV1>();

/**
 * The request's facts the deciding policy uses (the echo on the determination); each other one is
 * named in a `fact-not-used` warning. A compare request sends the same facts to every payer, so
 * this is a warning, not an error.
 */
export function factsUsed(
  given: RequestFacts,
  version: CompiledVersion | undefined,
  policyId: string | undefined,
  warnings: WarningV1[],
): RequestFacts | undefined {
  let unused: string[] | undefined;
  let used = 0;
  for (const k in given) {
    if (version?.facts.has(k)) used++;
    else (unused ??= []).push(k);
  }
  if (!unused) return given;
  for (const k of unused) warnings.push(notUsedWarning(k, policyId));
  if (used === 0) return undefined;
  const out = Object.create(null) as Record<string, boolean>;
  for (const k in given) if (version!.facts.has(k)) out[k] = given[k]!;
  return Object.freeze(out);
}

function notUsedWarning(fact: string, policyId: string | undefined): WarningV1 {
  const key = `${policyId ?? ''}\0${fact}`;
  let w = notUsedWarnings.get(key);
  if (!w) {
    w = deepFreeze({
      code: 'fact-not-used',
      message: policyId
        ? `${policyId} does not turn on facts.${fact}: it did not change this answer`
        : `no policy decided this request, so facts.${fact} did not change this answer`,
      subject: `facts.${fact}`,
    });
    if (notUsedWarnings.size >= 1024) notUsedWarnings.clear();
    notUsedWarnings.set(key, w);
  }
  return w;
}
