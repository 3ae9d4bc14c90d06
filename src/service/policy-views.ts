import type {
  CompiledCondition,
  CompiledPolicy,
  CompiledPolicySet,
  CompiledVersion,
} from '../model/compiled-policy.js';

/** Sets become sorted arrays so the compiled policy can travel as JSON. */
function condition(c: CompiledCondition): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c))
    if (v !== undefined) out[k] = v instanceof Set ? [...v].sort() : v;
  return out;
}

export function policySummary(p: CompiledPolicy) {
  return {
    id: p.id,
    number: p.number,
    title: p.title,
    payers: p.payers,
    publisher: p.publisher,
    asOf: p.asOf,
    source: p.sourcePath,
    versions: p.versions.map((v) => ({
      id: v.id,
      title: v.title,
      effectiveFrom: v.effectiveFrom,
      effectiveTo: v.effectiveTo,
      textAvailable: v.textAvailable,
    })),
  };
}

function versionView(v: CompiledVersion) {
  return {
    id: v.id,
    title: v.title,
    effectiveFrom: v.effectiveFrom,
    effectiveTo: v.effectiveTo,
    textAvailable: v.textAvailable,
    changeReasons: v.changeReasons,
    statements: v.statements.map((s) => ({
      id: s.id,
      verdict: s.verdict,
      referTo: s.referTo,
      drugs: s.drugNames ? [...s.drugNames].sort() : undefined,
      drugClasses: s.drugClasses ? [...s.drugClasses].sort() : undefined,
      routes: [...s.routes].sort(),
      indications: s.indications,
      reasons: s.reasons,
    })),
    exclusions: v.exclusions,
    productRules: v.productRules.map((r) => ({ ...r, when: condition(r.when) })),
    priorAuthRules: v.priorAuthRules.map((r) => ({ ...r, when: condition(r.when) })),
    priorAuthDefault: v.priorAuthDefault,
    priorAuthDefaultReasons: v.priorAuthDefaultReasons,
    codes: v.codes,
    notices: v.notices.map((n) => ({
      id: n.id,
      outcomes: n.outcomes ? [...n.outcomes].sort() : undefined,
      when: n.when ? condition(n.when) : undefined,
      notices: n.notices,
    })),
  };
}

/** One policy whole: every version with its rules, each rule with its quotes and source lines. */
export function policyDetail(p: CompiledPolicy) {
  return {
    ...policySummary(p),
    productDefault: p.productDefault,
    relatedPolicies: p.relatedPolicies,
    versions: p.versions.map(versionView),
    file: p.file,
  };
}

export function policyIndex(set: CompiledPolicySet, codeSets: Record<string, string>) {
  return {
    revision: set.revision,
    payers: set.payers,
    codeSets,
    policies: set.policies.map(policySummary),
  };
}
