import type {
  CompiledPolicy,
  CompiledProductRule,
  CompiledSilence,
  CompiledStatement,
  CompiledVersion,
  FamilyIndex,
} from '../model/compiled-policy.js';
import type { NoticeV1, ReasonV1, WarningV1 } from '../model/determination.js';
import type { Outcome, Route } from '../model/vocabulary.js';
import { dateNumber } from '../model/calendar-date.js';
import type { IndicationIndex } from '../terminology/indications.js';
import { familyIndexOf } from './code-facts.js';
import type { PriorAuthAnswer } from './criteria/prior-auth.js';

// What the engine works out once per policy and keeps: the answers and sentences that depend only
// on compiled objects, gathered in one plan per policy so a request reaches all of them through a
// single lookup (a weak-map lookup costs tens of nanoseconds, and a decision used to make a dozen).
// A plan only ever gains entries; every value in it is shared by the decisions that use it, and
// those that go out in determinations are frozen. What is keyed by indication family is an array
// by the family's index (code-facts.ts: a candidate carries it), read without hashing a name. The
// plan's own arrays are not frozen: V8 walks a frozen array about half as fast.

export interface PolicyPlan {
  readonly policy: CompiledPolicy;
  readonly indications: IndicationIndex;
  /** In the order of policy.versions. */
  readonly versions: readonly VersionPlan[];
  /** policy.nextReview.by as a YYYYMMDD number; Infinity when the policy names no review date. */
  readonly reviewBy: number;
  /** Built on first use: the policy-review-overdue warning. */
  overdue: WarningV1 | undefined;
}

export interface VersionPlan {
  readonly version: CompiledVersion;
  /** version.effectiveFrom as a YYYYMMDD number (dateNumber). */
  readonly from: number;
  /** version.byFamily by family index. */
  readonly families: readonly (FamilyIndex | undefined)[];
  /** version.scope: drug → route → the statements that reach each family. */
  readonly scope: ReadonlyMap<string, ReadonlyMap<Route, ScopePlan>>;
  readonly silences: readonly SilencePlan[];
  /** One answer per prior-auth rule that holds outright, in rule order; then the default. */
  readonly priorAuthAnswers: readonly PriorAuthAnswer[];
  readonly priorAuthDefault: PriorAuthAnswer;
  /** Notices by outcome, for a version whose notices carry no condition (else undefined). */
  readonly notices: Map<Outcome, readonly NoticeV1[]> | undefined;
  /** The reasons of a decided outcome, by the statements that decided it. */
  readonly decidedReasons: Map<readonly CompiledStatement[], DecidedReasons[]>;
}

export interface DecidedReasons {
  readonly product: CompiledProductRule | undefined;
  readonly pa: PriorAuthAnswer;
  readonly reasons: readonly ReasonV1[];
}

/** The statements of a version that reach one (drug, route), for each indication family. */
export interface ScopePlan {
  /** By family name, as compiled. */
  readonly table: ReadonlyMap<string, readonly CompiledStatement[]>;
  /** The same by family index. */
  readonly statements: readonly (readonly CompiledStatement[] | undefined)[];
}

export interface SilencePlan {
  readonly silence: CompiledSilence;
  /**
   * For an indication silence, the families it speaks for: those its indications reach that no
   * statement of the version speaks to.
   */
  readonly touches: ReadonlySet<string> | undefined;
  /** The same by family index (for an indication silence; else empty). */
  readonly touchesIndex: readonly boolean[];
  /** Its text-silent warnings, by subject (bounded). */
  readonly warnings: Map<string, WarningV1>;
  /** Its text-silent warnings for one diagnosis, by the engine's shared candidate (bounded). */
  readonly byCandidate: Map<object, WarningV1>;
}

const plans = new WeakMap<CompiledPolicy, PolicyPlan>();
// Most runs decide under one policy after another of the same payer: the last plan is checked
// before the weak map.
let last: PolicyPlan | undefined;

export function planOf(policy: CompiledPolicy, indications: IndicationIndex): PolicyPlan {
  if (last && last.policy === policy && last.indications === indications) return last;
  let plan = plans.get(policy);
  if (!plan || plan.indications !== indications) {
    plan = buildPlan(policy, indications);
    plans.set(policy, plan);
  }
  last = plan;
  return plan;
}

function buildPlan(policy: CompiledPolicy, indications: IndicationIndex): PolicyPlan {
  return {
    policy,
    indications,
    versions: policy.versions.map((v) => versionPlan(v, indications)),
    reviewBy: policy.nextReview ? dateNumber(policy.nextReview.by) : Infinity,
    overdue: undefined,
  };
}

function versionPlan(version: CompiledVersion, indications: IndicationIndex): VersionPlan {
  const index = familyIndexOf(indications);
  const byIndex = <T>(m: ReadonlyMap<string, T>): (T | undefined)[] => {
    const out: (T | undefined)[] = Array.from({ length: index.size }, () => undefined);
    for (const [family, i] of index) out[i] = m.get(family);
    return out;
  };
  const scope = new Map<string, Map<Route, ScopePlan>>();
  for (const [drug, byRoute] of version.scope) {
    const plans = new Map<Route, ScopePlan>();
    for (const [route, table] of byRoute) plans.set(route, { table, statements: byIndex(table) });
    scope.set(drug, plans);
  }
  return {
    version,
    from: dateNumber(version.effectiveFrom),
    families: byIndex(version.byFamily),
    scope,
    silences: version.silences.map((s) => silencePlan(version, s, indications)),
    priorAuthAnswers: version.priorAuthRules.map((r) =>
      Object.freeze({ priorAuth: r.priorAuth, reasons: r.reasons }),
    ),
    priorAuthDefault: Object.freeze({
      priorAuth: version.priorAuthDefault,
      reasons: version.priorAuthDefaultReasons,
    }),
    notices: version.notices.some((n) => n.when) ? undefined : new Map(),
    decidedReasons: new Map(),
  };
}

function silencePlan(
  version: CompiledVersion,
  silence: CompiledSilence,
  indications: IndicationIndex,
): SilencePlan {
  let touches: Set<string> | undefined;
  if (silence.indications) {
    touches = new Set();
    for (const family of indications.families.keys()) {
      if (version.byFamily.get(family)?.statements.length) continue;
      if (reaches(silence.indications, indications.lineage(family))) touches.add(family);
    }
  }
  const touchesIndex: boolean[] = [];
  if (touches)
    for (const [family, i] of familyIndexOf(indications)) touchesIndex[i] = touches.has(family);
  return { silence, touches, touchesIndex, warnings: new Map(), byCandidate: new Map() };
}

function reaches(indications: readonly string[], lineage: ReadonlySet<string>): boolean {
  for (const i of indications) if (lineage.has(i)) return true;
  return false;
}

/** The plan of the version in force on a date (a YYYYMMDD number: dateNumber), if any. */
export function versionPlanAt(plan: PolicyPlan, date: number): VersionPlan | undefined {
  const versions = plan.versions;
  for (let i = versions.length - 1; i >= 0; i--) {
    const v = versions[i]!;
    if (v.from <= date) return v;
  }
  return undefined;
}
