import type {
  CompiledPolicy,
  CompiledPolicySet,
  CompiledProductRule,
  CompiledStatement,
  CompiledVersion,
  FamilyIndex,
} from '../model/compiled-policy.js';
import type {
  DeterminationV1,
  NoticeV1,
  QuestionV1,
  ReasonV1,
  TraceStepV1,
  WarningV1,
} from '../model/determination.js';
import { dateNumber } from '../model/calendar-date.js';
import { NO_FACTS } from '../model/facts.js';
import type { NormalizedRequest } from '../model/normalized-request.js';
import type { OutOfScopeReason } from '../model/out-of-scope-reason.js';
import type { Basis, Outcome, PriorAuth, Route } from '../model/vocabulary.js';
import { displayIcd10cm } from '../terminology/code-format.js';
import type { Drug } from '../terminology/drugs.js';
import type { Terminology } from '../terminology/terminology.js';
import { codeFactsOf, type Candidate } from './code-facts.js';
import { emptyList, kept } from '../model/empty-list.js';
import { checkCode, coverageWarning } from './criteria/code-warnings.js';
import { evalCondition } from './criteria/condition.js';
import { factReasons, factStep, factsUsed, isAnswer, type FactStep } from './criteria/facts.js';
import { statementCoversDrug } from './criteria/drug-in-scope.js';
import {
  inferDrug,
  inferRoutes,
  NO_ROUTES,
  readProcedure,
  type ProcedureReading,
} from './criteria/infer-drug-and-route.js';
import { deepFreeze } from '../model/deep-freeze.js';
import { priorAuthWith, type PriorAuthAnswer } from './criteria/prior-auth.js';
import {
  planOf,
  versionPlanAt,
  type PolicyPlan,
  type ScopePlan,
  type SilencePlan,
  type VersionPlan,
} from './policy-plan.js';

// The evaluator: a pure function of (request, policy set, terminology). No I/O, no clock.
//
// How a request is decided, for each policy of the payer:
//  1. the version in force on the date of service, or on `asOf` when re-running history (none
//     yet: out-of-scope; text not in the source: out-of-scope with a warning);
//  2. the product rules, first match wins (not named / not applicable: out-of-scope);
//  3. scope: the drug, then the route, then the indication must each be spoken to by a statement
//     of that version; whatever is spoken to but absent from the request is `missing`;
//  4. diagnoses are read in the order given (claim pointer order): the first whose indication
//     family a statement (or an exclusion) of the version speaks to decides; later ones that
//     would be decided differently are named in a warning;
//  5. the statement's verdict gives outcome and basis; a conditional product rule turns it into
//     `conditional`; a referral sends it to another policy;
//  6. a conditional rule that turns on facts beyond the request (criteria/facts.ts): a fact
//     given decides (covered; not covered; or the statements' verdict), one not given is asked
//     (`conditional`, `missing` and `questions` name it);
//  7. prior authorization by the first rule that holds.
// When a payer has several policies, the first that speaks (any outcome but out-of-scope) wins.
//
// Objects on this path keep one shape each (absent fields are undefined, which JSON omits), and
// reasons and notices are shared frozen arrays assembled at first use: this is the hot path of
// every adapter, batch screening included.

export interface DecideOptions {
  trace?: boolean;
  /**
   * Decide under the policy versions in force on this date instead of the date of service
   * (re-running history under another version). Code validity still follows the date of service.
   * A calendar date, YYYY-MM-DD, as the request's own date is: adapters check it (isCalendarDate).
   */
  asOf?: string;
}

interface Facts {
  req: NormalizedRequest;
  terminology: Terminology;
  drug: Drug | undefined;
  routes: readonly Route[];
  candidates: readonly Candidate[];
  unclassified: readonly string[];
  warnings: WarningV1[];
  trace: TraceStepV1[] | undefined;
  /** The date that selects the policy version: the date of service, or the asOf option. */
  versionDate: string;
  /** The same as a YYYYMMDD number (dateNumber), for comparing. */
  versionDay: number;
}

interface PolicyResult {
  outcome: Outcome;
  basis: Basis | undefined;
  outOfScopeReason: OutOfScopeReason | undefined;
  priorAuth: PriorAuth;
  version: CompiledVersion | undefined;
  indication: string | undefined;
  referTo: readonly string[];
  reasons: readonly ReasonV1[];
  missing: readonly string[];
  notices: readonly NoticeV1[];
  questions: readonly QuestionV1[] | undefined;
}

const NO_STRINGS: readonly string[] = deepFreeze([]);
const NO_CANDIDATES: readonly Candidate[] = emptyList();
const NO_NOTICES: readonly NoticeV1[] = deepFreeze([]);
const NO_POLICIES: readonly CompiledPolicy[] = emptyList();
// Plain and of objects (empty-list.ts), as the compiled statement lists are: one array shape
// where statements are read.
const NO_STATEMENTS: readonly CompiledStatement[] = emptyList();

export function decide(
  req: NormalizedRequest,
  policySet: CompiledPolicySet,
  terminology: Terminology,
  options?: DecideOptions,
): DeterminationV1 {
  const warnings: WarningV1[] = [];
  const trace: TraceStepV1[] | undefined = options?.trace ? [] : undefined;
  // Each code is looked up once (code-facts.ts). Warnings keep their order: the codes' validity
  // (diagnoses, then procedure codes), the drug and route inferred, diagnoses left unplaced.
  const cf = codeFactsOf(terminology);
  const date = req.dateOfService;
  const day = dateNumber(date);
  // One candidate (the common case) is its shared list; a second makes a list of the request's.
  let candidates: readonly Candidate[] = NO_CANDIDATES;
  let unclassified: string[] | undefined;
  let ambiguities: WarningV1[] | undefined;
  if (req.indication !== undefined) candidates = cf.indication(req.indication).alone;
  const diagnoses = req.diagnosisCodes;
  if (diagnoses.length > 0)
    coverageWarning(terminology.icd10cm, cf.icd10cmCovered, date, day, warnings);
  for (let i = 0; i < diagnoses.length; i++) {
    const code = diagnoses[i]!;
    const d = cf.diagnosis(code);
    checkCode(terminology.icd10cm, d.validity, date, day, warnings);
    const c = d.candidate;
    if (c)
      candidates =
        candidates.length === 0
          ? c.alone
          : candidates.length === 1
            ? [candidates[0]!, c]
            : [...candidates, c];
    else {
      (unclassified ??= []).push(code);
      if (d.ambiguity) (ambiguities ??= []).push(d.ambiguity);
    }
  }
  const procedures: ProcedureReading = {
    drugCode: undefined,
    drugAmbiguous: false,
    routeCode: undefined,
    implied: NO_ROUTES,
  };
  const codes = req.procedureCodes;
  for (let i = 0; i < codes.length; i++) {
    const pc = codes[i]!;
    const p = pc.system === 'cpt' ? cf.cpt(pc.code) : cf.hcpcs(pc.code);
    checkCode(p.cs, p.validity, date, day, warnings);
    readProcedure(procedures, p);
  }
  const drug = inferDrug(req, procedures, terminology, warnings);
  const routes = inferRoutes(req, procedures, warnings);
  if (ambiguities) for (const w of ambiguities) warnings.push(w);
  if (trace) traceFacts(trace, req, drug, routes, candidates, unclassified ?? NO_STRINGS);
  const facts: Facts = {
    req,
    terminology,
    drug,
    routes,
    candidates,
    unclassified: unclassified ?? NO_STRINGS,
    warnings,
    trace,
    versionDate: options?.asOf ?? date,
    versionDay: options?.asOf === undefined ? day : dateNumber(options.asOf),
  };

  let chosen: PolicyResult | undefined;
  const policies = policySet.byPayer.get(req.payer) ?? NO_POLICIES;
  for (let i = 0; i < policies.length; i++) {
    const r = evaluatePolicy(policies[i]!, facts);
    if (!chosen) chosen = r;
    if (r.outcome !== 'out-of-scope' || r.referTo.length > 0) {
      chosen = r;
      break;
    }
  }
  chosen ??= outOfScope(
    undefined,
    [{ text: `No policy of ${req.payer} is encoded.` }],
    'no-version-in-force',
  );
  // Facts are rare: a request without any allocates nothing here.
  const given = req.facts;
  const echoed =
    given === undefined || given === NO_FACTS
      ? undefined
      : factsUsed(given, chosen.version, chosen.version?.ref.id, warnings);

  // One literal, in the contract's field order.
  return {
    outcome: chosen.outcome,
    basis: chosen.basis,
    outOfScopeReason: chosen.outOfScopeReason,
    priorAuth: chosen.priorAuth,
    payer: req.payer,
    policy: chosen.version?.ref,
    indication: chosen.indication,
    drug: drug?.id,
    route: routes.length === 1 ? routes[0] : undefined,
    referTo: chosen.referTo,
    reasons: chosen.reasons,
    missing: chosen.missing,
    warnings,
    notices: chosen.notices,
    revision: policySet.revision,
    trace,
    questions: chosen.questions,
    facts: echoed,
  };
}

function result(
  outcome: Outcome,
  basis: Basis | undefined,
  outOfScopeReason: OutOfScopeReason | undefined,
  priorAuth: PriorAuth,
  version: CompiledVersion | undefined,
  indication: string | undefined,
  referTo: readonly string[],
  reasons: readonly ReasonV1[],
  missing: readonly string[],
  notices: readonly NoticeV1[],
  questions?: readonly QuestionV1[],
): PolicyResult {
  return {
    outcome,
    basis,
    outOfScopeReason,
    priorAuth,
    version,
    indication,
    referTo,
    reasons,
    missing,
    notices,
    questions,
  };
}

function outOfScope(
  version: CompiledVersion | undefined,
  reasons: readonly ReasonV1[],
  kind: OutOfScopeReason,
  indication?: string,
  referTo: readonly string[] = NO_STRINGS,
): PolicyResult {
  return result(
    'out-of-scope',
    undefined,
    kind,
    'not-applicable',
    version,
    indication,
    referTo,
    reasons,
    NO_STRINGS,
    NO_NOTICES,
  );
}

function evaluatePolicy(policy: CompiledPolicy, f: Facts): PolicyResult {
  const plan = planOf(policy, f.terminology.indications);
  const vp = versionPlanAt(plan, f.versionDay);
  if (!vp) return notYetInForce(policy, f);
  const r = evaluateVersionOf(plan, vp, f);
  return r.version && vp.silences.length > 0 ? withSilences(policy, vp, r, f) : r;
}

/**
 * Questions the text leaves open that this request touches: each is named in a `text-silent`
 * warning, and an answer without a verdict cites the text the reading rests on. A product
 * silence speaks when the product matches and the answer did not stop earlier on drug, route or
 * indication; an indication silence, for a diagnosis no statement of the version speaks to.
 */
function withSilences(
  policy: CompiledPolicy,
  vp: VersionPlan,
  r: PolicyResult,
  f: Facts,
): PolicyResult {
  let extra: ReasonV1[] | undefined;
  let only: SilencePlan | undefined;
  let spoke = 0;
  // Only where the answer got as far as the diagnosis: not for a drug, route or product the
  // policy does not reach.
  const reachedDiagnosis =
    r.outcome !== 'out-of-scope' ||
    r.outOfScopeReason === 'excluded-use' ||
    r.reasons[0]?.rule === 'scope:indication';
  const productSpeaks =
    r.outcome !== 'out-of-scope' || r.outOfScopeReason === 'product-not-governed';
  const silences = vp.silences;
  for (let i = 0; i < silences.length; i++) {
    const s = silences[i]!;
    let w: WarningV1;
    if (s.touches) {
      if (!reachedDiagnosis) continue;
      if (s.silence.when && evalCondition(s.silence.when, f.req) !== true) continue;
      let first: Candidate | undefined;
      let touched: string | undefined;
      const candidates = f.candidates;
      for (let j = 0; j < candidates.length; j++) {
        const c = candidates[j]!;
        if (!(c.familyIndex >= 0 ? s.touchesIndex[c.familyIndex] : s.touches.has(c.family)))
          continue;
        if (first === undefined) first = c;
        else touched = `${touched ?? first.described}, ${c.described}`;
      }
      if (first === undefined) continue;
      // One diagnosis touched (the common case): its warning is found by the shared candidate,
      // without building the subject.
      w =
        touched === undefined
          ? candidateSilenceWarning(policy, s, first)
          : silenceWarning(policy, s, touched);
    } else {
      if (!productSpeaks) continue;
      if (s.silence.when && evalCondition(s.silence.when, f.req) !== true) continue;
      w = silenceWarning(policy, s, policy.id);
    }
    f.warnings.push(w);
    if (r.outcome === 'out-of-scope') {
      (extra ??= []).push(...s.silence.reasons);
      only = s;
      spoke++;
    }
  }
  if (!extra) return r;
  // Made by result(), as every PolicyResult is: a spread copy would be a second shape.
  return result(
    r.outcome,
    r.basis,
    r.outOfScopeReason,
    r.priorAuth,
    r.version,
    r.indication,
    r.referTo,
    spoke === 1 && Object.isFrozen(r.reasons)
      ? withSilenceReasons(r.reasons, only!)
      : [...r.reasons, ...extra],
    r.missing,
    r.notices,
    r.questions,
  );
}

// An out-of-scope answer on which one silence speaks: the same few shared reasons and silences
// meet again and again, so their joined list is built once and shared, frozen (the screener
// finds a row by shared reasons).
const joinedWithSilence = new WeakMap<
  SilencePlan,
  WeakMap<readonly ReasonV1[], readonly ReasonV1[]>
>();

function withSilenceReasons(reasons: readonly ReasonV1[], s: SilencePlan): readonly ReasonV1[] {
  let byReasons = joinedWithSilence.get(s);
  if (!byReasons) joinedWithSilence.set(s, (byReasons = new WeakMap()));
  let joined = byReasons.get(reasons);
  if (!joined) byReasons.set(reasons, (joined = deepFreeze([...reasons, ...s.silence.reasons])));
  return joined;
}

// The same few silences speak on many requests: each warning is built once per silence and
// subject, and shared, frozen (bounded per silence).
function silenceWarning(policy: CompiledPolicy, plan: SilencePlan, subject: string): WarningV1 {
  const s = plan.silence;
  const bySubject = plan.warnings;
  let w = bySubject.get(subject);
  if (!w) {
    w = deepFreeze({
      code: 'text-silent',
      message: `${policy.id} does not say ${s.about}${subject === policy.id ? '' : ` (${subject})`}; this answer follows the reading written at the top of ${policy.file}`,
      subject: `${policy.id}#${s.id}`,
    });
    if (bySubject.size >= 1024) bySubject.clear();
    bySubject.set(subject, w);
  }
  return w;
}

function candidateSilenceWarning(
  policy: CompiledPolicy,
  plan: SilencePlan,
  c: Candidate,
): WarningV1 {
  let w = plan.byCandidate.get(c);
  if (!w) {
    w = silenceWarning(policy, plan, c.described);
    if (plan.byCandidate.size >= 1024) plan.byCandidate.clear();
    plan.byCandidate.set(c, w);
  }
  return w;
}

function evaluateVersionOf(plan: PolicyPlan, vp: VersionPlan, f: Facts): PolicyResult {
  const { req, trace } = f;
  const policy = plan.policy;
  const version = vp.version;
  trace?.push({
    step: 'version',
    detail: `${policy.id}: version ${version.id} (${version.effectiveFrom} to ${version.effectiveTo ?? 'now'})`,
  });
  if (!version.textAvailable) return textUnavailable(policy, version, f);
  if (version.effectiveTo === undefined && f.versionDay > plan.reviewBy)
    f.warnings.push((plan.overdue ??= reviewOverdue(policy)));

  // Product.
  let product: CompiledProductRule | undefined;
  const rules = version.productRules;
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    if (evalCondition(rule.when, req) === true) {
      product = rule;
      break;
    }
  }
  trace?.push({
    step: 'product',
    detail: product
      ? `rule ${product.id}: ${product.effect}${product.basis ? ` (${product.basis})` : ''}`
      : `no rule names the product; default ${policy.productDefault}`,
  });
  if (product?.effect === 'not-applicable') {
    return outOfScope(version, product.reasons, 'product-not-governed');
  }
  if (!product && policy.productDefault === 'out-of-scope') {
    return outOfScope(version, productNotNamed(req), 'product-not-governed');
  }

  // Scope: drug, route. A known drug with one route selects a precomputed family table.
  let missing: string[] | undefined;
  let missingReasons: ReasonV1[] | undefined;
  let scope: ScopePlan | undefined;
  let inScope: readonly CompiledStatement[] = version.statements;
  if (f.drug && f.routes.length === 1) {
    const byRoute = vp.scope.get(f.drug.id);
    if (!byRoute) return drugOutOfScope(version, f);
    scope = byRoute.get(f.routes[0]!);
    if (!scope) return routeOutOfScope(version, f);
  } else {
    if (f.drug) {
      const drug = f.drug;
      inScope = kept(inScope, (s) => statementCoversDrug(s, drug.id, drug.classes));
      if (inScope.length === 0) return drugOutOfScope(version, f);
    } else if (req.drug !== undefined) {
      // Validation refuses names the catalog does not know; this guards direct engine callers.
      return outOfScope(
        version,
        [{ text: `The policy does not speak to "${req.drug}".`, rule: 'scope:drug' }],
        'not-addressed',
      );
    } else {
      (missing ??= []).push('drug');
      (missingReasons ??= []).push({ text: noDrugText(f) });
    }
    if (f.routes.length > 0) {
      const routes = f.routes;
      inScope = kept(inScope, (s) => routes.some((r) => s.routes.has(r)));
      if (inScope.length === 0) return routeOutOfScope(version, f);
    } else {
      (missing ??= []).push('route');
      (missingReasons ??= []).push({
        text: 'The request gives no route, and no procedure code implies one.',
      });
    }
  }

  // Indication: the first diagnosis the version speaks to decides.
  let decided: Candidate | undefined;
  let statements: readonly CompiledStatement[] = NO_STATEMENTS;
  let excluded: FamilyIndex | undefined;
  const candidates = f.candidates;
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i]!;
    const idx = familyIndex(vp, c);
    if (!idx) continue;
    statements = scopedStatements(idx, c, scope, inScope);
    if (statements.length > 0) {
      decided = c;
      break;
    }
    if (idx.exclusions.length > 0) {
      decided = c;
      excluded = idx;
      break;
    }
  }
  if (f.candidates.length === 0 && f.unclassified.length === 0) {
    (missing ??= []).push('diagnosisCodes');
    (missingReasons ??= []).push({ text: 'The request gives no diagnosis code or indication.' });
  } else if (excluded && decided) {
    trace?.push({ step: 'indication', detail: `${describe(decided)} is excluded from the policy` });
    otherDiagnosisWarnings(vp, decided, undefined, scope, inScope, f);
    return outOfScope(version, excluded.exclusionReasons, 'excluded-use', decided.family);
  } else if (!decided) {
    return indicationOutOfScope(version, f);
  }

  if (missing || !decided) {
    const pa = priorAuthWith(version, vp.priorAuthAnswers, vp.priorAuthDefault, req);
    const reasons = [...(missingReasons ?? []), ...pa.reasons];
    return result(
      'needs-info',
      undefined,
      undefined,
      pa.priorAuth,
      version,
      undefined,
      NO_STRINGS,
      reasons,
      missing ?? [],
      NO_NOTICES,
    );
  }

  // Several routes implied (96372: IM or SC): every one must be decided the same way.
  const statement = statements[0]!;
  if (f.routes.length > 1 && !f.routes.every((r) => statement.routes.has(r))) {
    const text = `The procedure codes allow ${f.routes.join(' or ')}; the policy decides them differently. Give the route.`;
    return result(
      'needs-info',
      undefined,
      undefined,
      'not-applicable',
      version,
      undefined,
      NO_STRINGS,
      [{ text }],
      ['route'],
      NO_NOTICES,
    );
  }
  trace?.push({
    step: 'statement',
    detail: `${describe(decided)} → statement ${statement.id} (${statement.verdict})`,
  });
  otherDiagnosisWarnings(vp, decided, statement, scope, inScope, f);

  if (statement.verdict === 'refer') {
    return outOfScope(
      version,
      referReasons(statements),
      'refers-elsewhere',
      decided.family,
      statement.referTo,
    );
  }
  const facts: FactStep | undefined = product?.facts ? factStep(product.facts, req) : undefined;
  if (facts) trace?.push({ step: 'fact', detail: facts.trace });
  let outcome: Outcome;
  let basis: Basis | undefined;
  if (facts && isAnswer(facts) && facts.effect.kind !== 'policy') {
    outcome = facts.effect.kind;
    basis = facts.effect.kind === 'not-covered' ? facts.effect.basis : undefined;
  } else if (product?.effect === 'conditional' && !(facts && isAnswer(facts))) {
    // No facts to ask, or some not given: coverage still turns on the product's sentence.
    outcome = 'conditional';
    basis = product.basis;
  } else if (statement.verdict === 'covered') {
    outcome = 'covered';
  } else {
    outcome = 'not-covered';
    basis = statement.verdict;
  }
  const pa = priorAuthWith(version, vp.priorAuthAnswers, vp.priorAuthDefault, req);
  trace?.push({ step: 'prior-auth', detail: pa.priorAuth });
  const asked = facts && !isAnswer(facts) ? facts : undefined;
  return result(
    outcome,
    basis,
    undefined,
    pa.priorAuth,
    version,
    decided.family,
    NO_STRINGS,
    facts && isAnswer(facts)
      ? factReasons(facts, statements, statement.verdict, pa)
      : decidedReasons(vp, statements, statement.verdict, product, pa),
    asked ? asked.missing : NO_STRINGS,
    noticesFor(vp, outcome, req),
    asked?.questions,
  );
}

/** The statements and exclusions of the version that speak to a candidate's family. */
function familyIndex(vp: VersionPlan, c: Candidate): FamilyIndex | undefined {
  return c.familyIndex >= 0 ? vp.families[c.familyIndex] : vp.version.byFamily.get(c.family);
}

/** The version's statements for a family that survived the drug and route filters. */
function scopedStatements(
  idx: FamilyIndex,
  c: Candidate,
  scope: ScopePlan | undefined,
  inScope: readonly CompiledStatement[],
): readonly CompiledStatement[] {
  if (scope)
    return (
      (c.familyIndex >= 0 ? scope.statements[c.familyIndex] : scope.table.get(c.family)) ??
      NO_STATEMENTS
    );
  return kept(idx.statements, (s) => inScope.includes(s));
}

function notYetInForce(policy: CompiledPolicy, f: Facts): PolicyResult {
  const first = policy.versions[0]!;
  f.trace?.push({
    step: 'version',
    detail: `${policy.id}: no version in force on ${f.versionDate} (first: ${first.id}, ${first.effectiveFrom})`,
  });
  let reasons = notInForceReasons.get(policy);
  if (!reasons) {
    const citation = first.changeReasons[0]?.citation;
    reasons = deepFreeze([
      {
        text: `${policy.title} was not in force before ${first.effectiveFrom}.`,
        ...(citation ? { citation } : {}),
        rule: `version:${first.id}`,
      },
    ]);
    notInForceReasons.set(policy, reasons);
  }
  return outOfScope(undefined, reasons, 'no-version-in-force');
}

// Out-of-scope reasons whose words depend only on compiled objects, the drug, the routes and the
// diagnoses' shared candidates: built once each and shared, frozen, as productNotNamed does.
const notInForceReasons = new WeakMap<CompiledPolicy, readonly ReasonV1[]>();
const drugReasons = new WeakMap<Drug, readonly ReasonV1[]>();
const NO_DRUG = {};
const routeReasons = new Map<string, WeakMap<object, readonly ReasonV1[]>>();
const candidateReasons = new WeakMap<Candidate, WeakMap<object, readonly ReasonV1[]>>();
const codeReasons = new Map<string, WeakMap<object, readonly ReasonV1[]>>();

function sharedReason(text: string, rule: string): readonly ReasonV1[] {
  return deepFreeze([{ text, rule }]);
}

/** The entry of `byDrug` for the request's drug (or none), made by `make` the first time. */
function byDrugOf(
  byDrug: WeakMap<object, readonly ReasonV1[]>,
  f: Facts,
  make: () => readonly ReasonV1[],
): readonly ReasonV1[] {
  const key = f.drug ?? NO_DRUG;
  let reasons = byDrug.get(key);
  if (!reasons) byDrug.set(key, (reasons = make()));
  return reasons;
}

function boundedEntry<V extends object>(m: Map<string, V>, key: string, make: () => V): V {
  let v = m.get(key);
  if (!v) {
    if (m.size >= 4096) m.clear();
    m.set(key, (v = make()));
  }
  return v;
}

// The same words for every request a policy answers after its review date: built once per
// policy plan, shared.

/** The text in force is the newest encoded, but the payer meant to review it before this date. */
function reviewOverdue(policy: CompiledPolicy): WarningV1 {
  const review = policy.nextReview!;
  const quote = review.reasons[0]?.citation?.quote ?? review.by;
  return deepFreeze({
    code: 'policy-review-overdue',
    message: `${policy.id} says "${quote}" (by ${review.by}); for a later date of service the payer may have revised the text since the copy encoded here (${policy.asOf})`,
    subject: policy.id,
  });
}

function textUnavailable(policy: CompiledPolicy, version: CompiledVersion, f: Facts): PolicyResult {
  f.warnings.push({
    code: 'version-text-unavailable',
    message: `${policy.id} version ${version.id} (${version.effectiveFrom} to ${version.effectiveTo ?? 'now'}) is recorded in the source, but its text is not; no verdict is given for ${f.versionDate}`,
    subject: `${policy.id}@${version.id}`,
  });
  return outOfScope(version, version.changeReasons, 'version-text-unavailable');
}

function drugOutOfScope(version: CompiledVersion, f: Facts): PolicyResult {
  const drug = f.drug!;
  let reasons = drugReasons.get(drug);
  if (!reasons) {
    reasons = sharedReason(
      `The policy does not speak to ${drug.label.toLowerCase()}.`,
      'scope:drug',
    );
    drugReasons.set(drug, reasons);
  }
  return outOfScope(version, reasons, 'not-addressed');
}

function routeOutOfScope(version: CompiledVersion, f: Facts): PolicyResult {
  const routes = f.routes.length === 1 ? f.routes[0]! : f.routes.join(' or ');
  const byDrug = boundedEntry(routeReasons, routes, () => new WeakMap());
  const reasons = byDrugOf(byDrug, f, () =>
    sharedReason(
      `The policy does not speak to ${routes} administration${f.drug ? ` of ${f.drug.label.toLowerCase()}` : ''}.`,
      'scope:route',
    ),
  );
  return outOfScope(version, reasons, 'not-addressed');
}

function indicationOutOfScope(version: CompiledVersion, f: Facts): PolicyResult {
  // One diagnosis asked about (the common case): by its shared candidate, or its code.
  const one = f.candidates.length + f.unclassified.length === 1;
  if (one) {
    const c = f.candidates[0];
    let byDrug: WeakMap<object, readonly ReasonV1[]> | undefined;
    if (c) {
      byDrug = candidateReasons.get(c);
      if (!byDrug) candidateReasons.set(c, (byDrug = new WeakMap()));
    } else byDrug = boundedEntry(codeReasons, f.unclassified[0]!, () => new WeakMap());
    const reasons = byDrugOf(byDrug, f, () =>
      sharedReason(
        indicationText(c ? c.described : displayIcd10cm(f.unclassified[0]!), f),
        'scope:indication',
      ),
    );
    return outOfScope(version, reasons, 'not-addressed');
  }
  // Several: found by their shared candidates and codes in order (claims repeat their
  // diagnoses), so the words naming them are built only the first time, not per request.
  const byDrug = askedEntry(f);
  const reasons = byDrugOf(byDrug, f, () => {
    let asked = '';
    for (const c of f.candidates) asked = asked ? `${asked}, ${c.described}` : c.described;
    for (const code of f.unclassified)
      asked = asked ? `${asked}, ${displayIcd10cm(code)}` : displayIcd10cm(code);
    return sharedReason(indicationText(asked, f), 'scope:indication');
  });
  return outOfScope(version, reasons, 'not-addressed');
}

/**
 * A trie of the diagnoses asked about: candidates first, then unclassified codes, in request
 * order, which is the order the words name them in. A candidate is keyed by itself (one shared
 * object per code, code-facts.ts), an unclassified code by its string. Bounded in nodes.
 */
interface AskedNode {
  readonly next: Map<unknown, AskedNode>;
  readonly byDrug: WeakMap<object, readonly ReasonV1[]>;
}
const newAskedNode = (): AskedNode => ({ next: new Map(), byDrug: new WeakMap() });
let askedRoot = newAskedNode();
let askedNodes = 0;

function askedEntry(f: Facts): WeakMap<object, readonly ReasonV1[]> {
  if (askedNodes >= 4096) {
    askedRoot = newAskedNode();
    askedNodes = 0;
  }
  let n = askedRoot;
  const { candidates, unclassified } = f;
  for (let i = 0; i < candidates.length; i++) n = askedChild(n, candidates[i]!);
  for (let i = 0; i < unclassified.length; i++) n = askedChild(n, unclassified[i]!);
  return n.byDrug;
}

function askedChild(n: AskedNode, key: unknown): AskedNode {
  let child = n.next.get(key);
  if (!child) {
    askedNodes++;
    n.next.set(key, (child = newAskedNode()));
  }
  return child;
}

function indicationText(asked: string, f: Facts): string {
  return `The policy does not speak to ${asked}${f.drug ? ` for ${f.drug.label.toLowerCase()}` : ''}.`;
}

function noDrugText(f: Facts): string {
  for (const pc of f.req.procedureCodes) {
    const record = pc.system === 'hcpcs' ? f.terminology.hcpcs.get(pc.code) : undefined;
    if (record && !record.drug)
      return `${pc.code} (${record.display}) names no drug; give the drug.`;
  }
  return 'The request names no drug, and no procedure code names one.';
}

function describe(c: Candidate): string {
  return c.described;
}

function traceFacts(
  trace: TraceStepV1[],
  req: NormalizedRequest,
  drug: Drug | undefined,
  routes: readonly Route[],
  candidates: readonly Candidate[],
  unclassified: readonly string[],
): void {
  trace.push({
    step: 'request',
    detail: `payer ${req.payer}, ${req.lineOfBusiness}${req.planType ? `/${req.planType}` : ''}, date of service ${req.dateOfService}`,
  });
  trace.push({
    step: 'drug',
    detail: drug
      ? `${drug.id} (classes: ${drug.classes.join(', ') || 'none'})`
      : `none resolved${req.drug ? ` from "${req.drug}"` : ''}`,
  });
  trace.push({
    step: 'route',
    detail: routes.length > 0 ? routes.join(', ') : 'none given or implied',
  });
  for (const c of candidates) {
    trace.push({
      step: 'indication',
      detail: c.code
        ? `${displayIcd10cm(c.code)} is in value set ${c.family} (entry ${c.entry})`
        : `indication ${c.family} given by the request`,
    });
  }
  for (const code of unclassified) {
    trace.push({
      step: 'indication',
      detail: `${displayIcd10cm(code)} is in no indication value set`,
    });
  }
}

// Reasons that depend only on vocabulary values or compiled objects are assembled once and
// shared, frozen, like decidedReasons below: a screening run meets the same few again and again.
const productNotNamedReasons = new Map<string, Map<string | undefined, readonly ReasonV1[]>>();

function productNotNamed(req: NormalizedRequest): readonly ReasonV1[] {
  let byPlan = productNotNamedReasons.get(req.lineOfBusiness);
  if (!byPlan) productNotNamedReasons.set(req.lineOfBusiness, (byPlan = new Map()));
  let reasons = byPlan.get(req.planType);
  if (!reasons) {
    const text = `The policy does not name the member's product (${req.lineOfBusiness}${req.planType ? `, ${req.planType}` : ''}).`;
    reasons = deepFreeze([{ text, rule: 'product:default' }]);
    byPlan.set(req.planType, reasons);
  }
  return reasons;
}

const sharedReferReasons = new WeakMap<readonly CompiledStatement[], readonly ReasonV1[]>();

function referReasons(statements: readonly CompiledStatement[]): readonly ReasonV1[] {
  let reasons = sharedReferReasons.get(statements);
  if (!reasons) {
    reasons = deepFreeze(statements.filter((s) => s.verdict === 'refer').flatMap((s) => s.reasons));
    sharedReferReasons.set(statements, reasons);
  }
  return reasons;
}

function noticesFor(
  vp: VersionPlan,
  outcome: Outcome,
  req: NormalizedRequest,
): readonly NoticeV1[] {
  // Only a version without conditional notices has a table: its notices depend on the outcome.
  const byOutcome = vp.notices;
  const hit = byOutcome?.get(outcome);
  if (hit) return hit;
  const out: NoticeV1[] = [];
  const notices = vp.version.notices;
  for (let i = 0; i < notices.length; i++) {
    const n = notices[i]!;
    if (n.outcomes && !n.outcomes.has(outcome)) continue;
    if (n.when && evalCondition(n.when, req) !== true) continue;
    out.push(...n.notices);
  }
  if (!byOutcome) return out;
  const frozen = deepFreeze(out);
  byOutcome.set(outcome, frozen);
  return frozen;
}

// The reasons of a decided outcome depend only on the statements, the product rule and the
// prior-auth answer, all compiled objects: they are assembled once per version plan and shared,
// frozen. Few (product, answer) pairs meet one list of statements: a scan finds them.
function decidedReasons(
  vp: VersionPlan,
  statements: readonly CompiledStatement[],
  verdict: string,
  product: CompiledProductRule | undefined,
  pa: PriorAuthAnswer,
): readonly ReasonV1[] {
  let known = vp.decidedReasons.get(statements);
  if (!known) vp.decidedReasons.set(statements, (known = []));
  for (let i = 0; i < known.length; i++) {
    const k = known[i]!;
    if (k.product === product && k.pa === pa) return k.reasons;
  }
  const out: ReasonV1[] = [];
  // A conditional answer turns on the product's sentence: it comes first, then what the
  // policy's statements say for members it governs outright.
  if (product?.effect === 'conditional') out.push(...product.reasons);
  for (const s of statements) if (s.verdict === verdict) out.push(...s.reasons);
  if (product && product.effect !== 'conditional') out.push(...product.reasons);
  out.push(...pa.reasons);
  // Conditional prior-auth answers are one per set of missing fields: bounded. Only what is kept
  // is marked shared (deepFreeze), so that the serializer keeps the text of nothing else.
  const keep = known.length < 64;
  const reasons = keep ? deepFreeze(out) : Object.freeze(out);
  if (keep) known.push({ product, pa, reasons });
  return reasons;
}

/** Later diagnoses that this version would decide differently are named, never silently dropped. */
function otherDiagnosisWarnings(
  vp: VersionPlan,
  chosen: Candidate,
  statement: CompiledStatement | undefined,
  scope: ScopePlan | undefined,
  inScope: readonly CompiledStatement[],
  f: Facts,
): void {
  if (f.candidates.length < 2) return;
  const candidates = f.candidates;
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i]!;
    if (c === chosen || c.family === chosen.family) continue;
    const idx = familyIndex(vp, c);
    if (!idx) continue;
    const other = scopedStatements(idx, c, scope, inScope)[0];
    // After an excluded first diagnosis (no statement), any later one a statement decides differs.
    const differs = other
      ? other.verdict !== statement?.verdict
      : statement !== undefined && idx.exclusions.length > 0;
    if (differs) {
      f.warnings.push({
        code: 'other-diagnosis-differs',
        message: `${describe(c)} would be decided ${other ? `as ${other.verdict}` : 'out of scope'}; the first applicable diagnosis, ${describe(chosen)}, decided`,
        subject: c.code ? displayIcd10cm(c.code) : c.family,
      });
    }
  }
}
