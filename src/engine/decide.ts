import type {
  CompiledPolicy,
  CompiledPolicySet,
  CompiledStatement,
  CompiledVersion,
} from '../model/compiled-policy.js';
import type {
  DeterminationV1,
  NoticeV1,
  ReasonV1,
  TraceStepV1,
  WarningV1,
} from '../model/determination.js';
import type { NormalizedRequest } from '../model/normalized-request.js';
import type { Basis, Outcome, PriorAuth, Route } from '../model/vocabulary.js';
import { statementCoversDrug } from './criteria/drug-in-scope.js';
import { displayIcd10cm } from '../terminology/code-format.js';
import type { Drug } from '../terminology/drugs.js';
import type { Terminology } from '../terminology/terminology.js';
import { codeWarnings } from './criteria/code-warnings.js';
import { evalCondition } from './criteria/condition.js';
import { inferDrug, inferRoutes } from './criteria/infer-drug-and-route.js';
import { priorAuthFor } from './criteria/prior-auth.js';
import { versionAt } from './criteria/version-at.js';

// The evaluator: a pure function of (request, policy set, terminology). No I/O, no clock.
//
// How a request is decided, for each policy of the payer:
//  1. the version in force on the date of service (none yet: out-of-scope; text not in the
//     source: out-of-scope with a warning);
//  2. the product rules, first match wins (not named / not applicable: out-of-scope);
//  3. scope: the drug, then the route, then the indication must each be spoken to by a statement
//     of that version; whatever is spoken to but absent from the request is `missing`;
//  4. diagnoses are read in the order given (claim pointer order): the first whose indication
//     family a statement (or an exclusion) of the version speaks to decides; later ones that
//     would be decided differently are named in a warning;
//  5. the statement's verdict gives outcome and basis; a conditional product rule turns it into
//     `conditional`; a referral sends it to another policy;
//  6. prior authorization by the first rule that holds.
// When a payer has several policies, the first that speaks (any outcome but out-of-scope) wins.

export interface DecideOptions {
  trace?: boolean;
}

interface Candidate {
  family: string;
  /** The diagnosis code it came from, or undefined for the request's `indication`. */
  code?: string;
  entry?: string;
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
}

interface PolicyResult {
  outcome: Outcome;
  basis?: Basis;
  priorAuth: PriorAuth;
  policy?: CompiledPolicy;
  version?: CompiledVersion;
  indication?: string;
  referTo: readonly string[];
  reasons: ReasonV1[];
  missing: string[];
  notices: NoticeV1[];
}

const NO_STRINGS: readonly string[] = Object.freeze([]);

export function decide(
  req: NormalizedRequest,
  policySet: CompiledPolicySet,
  terminology: Terminology,
  options: DecideOptions = {},
): DeterminationV1 {
  const warnings: WarningV1[] = [];
  const trace: TraceStepV1[] | undefined = options.trace ? [] : undefined;
  codeWarnings(req, terminology, warnings);
  const drug = inferDrug(req, terminology, warnings);
  const routes = inferRoutes(req, terminology, warnings);
  const candidates: Candidate[] = [];
  const unclassified: string[] = [];
  if (req.indication !== undefined) candidates.push({ family: req.indication });
  for (const code of req.diagnosisCodes) {
    const m = terminology.indications.classify(code);
    if (m) candidates.push({ family: m.family, code, entry: m.entry });
    else unclassified.push(code);
  }
  if (trace) {
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
    for (const code of unclassified)
      trace.push({
        step: 'indication',
        detail: `${displayIcd10cm(code)} is in no indication value set`,
      });
  }
  const facts: Facts = {
    req,
    terminology,
    drug,
    routes,
    candidates,
    unclassified,
    warnings,
    trace,
  };

  const policies = policySet.byPayer.get(req.payer) ?? [];
  let chosen: PolicyResult | undefined;
  for (const policy of policies) {
    const r = evaluatePolicy(policy, facts);
    if (!chosen) chosen = r;
    if (r.outcome !== 'out-of-scope' || r.referTo.length > 0) {
      chosen = r;
      break;
    }
  }
  if (!chosen) {
    chosen = {
      outcome: 'out-of-scope',
      priorAuth: 'not-applicable',
      referTo: NO_STRINGS,
      reasons: [{ text: `No policy of ${req.payer} is encoded.` }],
      missing: [],
      notices: [],
    };
  }

  // Assigned field by field so the JSON reads in the contract's order.
  const d = { outcome: chosen.outcome } as DeterminationV1;
  if (chosen.basis) d.basis = chosen.basis;
  d.priorAuth = chosen.priorAuth;
  d.payer = req.payer;
  if (chosen.version) d.policy = chosen.version.ref;
  if (chosen.indication) d.indication = chosen.indication;
  if (drug) d.drug = drug.id;
  if (routes.length === 1) d.route = routes[0]!;
  d.referTo = [...chosen.referTo];
  d.reasons = chosen.reasons;
  d.missing = chosen.missing;
  d.warnings = warnings;
  d.notices = chosen.notices;
  d.revision = policySet.revision;
  if (trace) d.trace = trace;
  return d;
}

function outOfScope(
  policy: CompiledPolicy,
  version: CompiledVersion | undefined,
  reasons: ReasonV1[],
): PolicyResult {
  const r: PolicyResult = {
    outcome: 'out-of-scope',
    priorAuth: 'not-applicable',
    policy,
    referTo: NO_STRINGS,
    reasons,
    missing: [],
    notices: [],
  };
  if (version) r.version = version;
  return r;
}

function evaluatePolicy(policy: CompiledPolicy, f: Facts): PolicyResult {
  const { req, trace } = f;
  const version = versionAt(policy, req.dateOfService);
  if (!version) {
    const first = policy.versions[0]!;
    trace?.push({
      step: 'version',
      detail: `${policy.id}: no version in force on ${req.dateOfService} (first: ${first.id}, ${first.effectiveFrom})`,
    });
    return outOfScope(policy, undefined, [
      {
        text: `${policy.title} was not in force before ${first.effectiveFrom}.`,
        ...(first.changeReasons[0]?.citation ? { citation: first.changeReasons[0].citation } : {}),
        rule: `version:${first.id}`,
      },
    ]);
  }
  trace?.push({
    step: 'version',
    detail: `${policy.id}: version ${version.id} (${version.effectiveFrom} to ${version.effectiveTo ?? 'now'})`,
  });
  if (!version.textAvailable) {
    f.warnings.push({
      code: 'version-text-unavailable',
      message: `${policy.id} version ${version.id} (${version.effectiveFrom} to ${version.effectiveTo ?? 'now'}) is recorded in the source, but its text is not; no verdict is given for ${req.dateOfService}`,
      subject: `${policy.id}@${version.id}`,
    });
    return outOfScope(policy, version, [...version.changeReasons]);
  }

  // Product.
  let product = undefined as CompiledVersion['productRules'][number] | undefined;
  for (const rule of version.productRules) {
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
  if (product?.effect === 'not-applicable')
    return outOfScope(policy, version, [...product.reasons]);
  if (!product && policy.productDefault === 'out-of-scope') {
    return outOfScope(policy, version, [
      {
        text: `The policy does not name the member's product (${req.lineOfBusiness}${req.planType ? `, ${req.planType}` : ''}).`,
        rule: 'product:default',
      },
    ]);
  }

  // Scope: drug, route, indication.
  const missing: string[] = [];
  const missingReasons: ReasonV1[] = [];
  let inScope: readonly CompiledStatement[] = version.statements;
  if (f.drug) {
    const drug = f.drug;
    inScope = inScope.filter((s) => statementCoversDrug(s, drug.id, drug.classes));
    if (inScope.length === 0)
      return outOfScope(policy, version, [
        { text: `The policy does not speak to ${drug.label.toLowerCase()}.`, rule: 'scope:drug' },
      ]);
  } else if (req.drug !== undefined) {
    return outOfScope(policy, version, [
      { text: `The policy does not speak to "${req.drug}".`, rule: 'scope:drug' },
    ]);
  } else {
    missing.push('drug');
    const unnamed = req.procedureCodes.find(
      (pc) =>
        pc.system === 'hcpcs' &&
        f.terminology.hcpcs.get(pc.code) &&
        !f.terminology.hcpcs.get(pc.code)!.drug,
    );
    missingReasons.push({
      text: unnamed
        ? `${unnamed.code} (${f.terminology.hcpcs.get(unnamed.code)!.display}) names no drug; give the drug.`
        : 'The request names no drug, and no procedure code names one.',
    });
  }
  if (f.routes.length > 0) {
    const routes = f.routes;
    const byRoute = inScope.filter((s) => routes.some((r) => s.routes.has(r)));
    if (byRoute.length === 0) {
      return outOfScope(policy, version, [
        {
          text: `The policy does not speak to ${routes.join(' or ')} administration${f.drug ? ` of ${f.drug.label.toLowerCase()}` : ''}.`,
          rule: 'scope:route',
        },
      ]);
    }
    inScope = byRoute;
  } else {
    missing.push('route');
    missingReasons.push({ text: 'The request gives no route, and no procedure code implies one.' });
  }

  let decided: { candidate: Candidate; statements: CompiledStatement[] } | undefined;
  let excluded: { candidate: Candidate; reasons: readonly ReasonV1[] } | undefined;
  for (const c of f.candidates) {
    const idx = version.byFamily.get(c.family);
    if (!idx) continue;
    const statements = idx.statements.filter((s) => inScope.includes(s));
    if (statements.length > 0) {
      decided = { candidate: c, statements };
      break;
    }
    if (idx.exclusions.length > 0) {
      excluded = { candidate: c, reasons: idx.exclusions.flatMap((e) => e.reasons) };
      break;
    }
  }
  if (f.candidates.length === 0 && f.unclassified.length === 0) {
    missing.push('diagnosisCodes');
    missingReasons.push({ text: 'The request gives no diagnosis code or indication.' });
  } else if (excluded) {
    trace?.push({
      step: 'indication',
      detail: `${describe(excluded.candidate)} is excluded from the policy`,
    });
    otherDiagnosisWarnings(version, excluded.candidate, undefined, inScope, f);
    return {
      ...outOfScope(policy, version, [...excluded.reasons]),
      indication: excluded.candidate.family,
    };
  } else if (!decided) {
    const asked = [...f.candidates.map(describe), ...f.unclassified.map(displayIcd10cm)].join(', ');
    return outOfScope(policy, version, [
      {
        text: `The policy does not speak to ${asked}${f.drug ? ` for ${f.drug.label.toLowerCase()}` : ''}.`,
        rule: 'scope:indication',
      },
    ]);
  }

  if (missing.length > 0 || !decided) {
    const pa = priorAuthFor(version, req);
    return {
      outcome: 'needs-info',
      priorAuth: pa.priorAuth,
      policy,
      version,
      referTo: NO_STRINGS,
      reasons: [...missingReasons, ...pa.reasons],
      missing,
      notices: [],
    };
  }

  // Several routes implied (96372: IM or SC): every one must be decided the same way.
  const statement = decided.statements[0]!;
  if (f.routes.length > 1 && !f.routes.every((r) => statement.routes.has(r))) {
    return {
      outcome: 'needs-info',
      priorAuth: 'not-applicable',
      policy,
      version,
      referTo: NO_STRINGS,
      missing: ['route'],
      notices: [],
      reasons: [
        {
          text: `The procedure codes allow ${f.routes.join(' or ')}; the policy decides them differently. Give the route.`,
        },
      ],
    };
  }
  trace?.push({
    step: 'statement',
    detail: `${describe(decided.candidate)} → statement ${statement.id} (${statement.verdict})`,
  });
  otherDiagnosisWarnings(version, decided.candidate, statement, inScope, f);

  const reasons: ReasonV1[] = [];
  for (const s of decided.statements)
    if (s.verdict === statement.verdict) reasons.push(...s.reasons);
  if (statement.verdict === 'refer') {
    return {
      ...outOfScope(policy, version, reasons),
      referTo: statement.referTo,
      indication: decided.candidate.family,
    };
  }
  if (product) reasons.push(...product.reasons);
  let outcome: Outcome;
  let basis: Basis | undefined;
  if (product?.effect === 'conditional') {
    outcome = 'conditional';
    basis = product.basis;
  } else if (statement.verdict === 'covered') {
    outcome = 'covered';
  } else {
    outcome = 'not-covered';
    basis = statement.verdict;
  }
  const pa = priorAuthFor(version, req);
  trace?.push({ step: 'prior-auth', detail: pa.priorAuth });
  reasons.push(...pa.reasons);
  const result: PolicyResult = {
    outcome,
    priorAuth: pa.priorAuth,
    policy,
    version,
    indication: decided.candidate.family,
    referTo: NO_STRINGS,
    reasons,
    missing,
    notices: noticesFor(version, outcome, req),
  };
  if (basis) result.basis = basis;
  return result;
}

function describe(c: Candidate): string {
  return c.code ? `${displayIcd10cm(c.code)} (${c.family})` : c.family;
}

function noticesFor(
  version: CompiledVersion,
  outcome: Outcome,
  req: NormalizedRequest,
): NoticeV1[] {
  const out: NoticeV1[] = [];
  for (const n of version.notices) {
    if (n.outcomes && !n.outcomes.has(outcome)) continue;
    if (n.when && evalCondition(n.when, req) !== true) continue;
    out.push(...n.notices);
  }
  return out;
}

/** Later diagnoses that this version would decide differently are named, never silently dropped. */
function otherDiagnosisWarnings(
  version: CompiledVersion,
  chosen: Candidate,
  statement: CompiledStatement | undefined,
  inScope: readonly CompiledStatement[],
  f: Facts,
): void {
  for (const c of f.candidates) {
    if (c === chosen || c.family === chosen.family) continue;
    const idx = version.byFamily.get(c.family);
    if (!idx) continue;
    const other = idx.statements.find((s) => inScope.includes(s));
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
