// BCBSAL MP-446 in json-rules-engine, for the benchmarks: rules as JSON with
// priorities and events, shared named conditions, two small custom operators for ISO dates.
// A role engine is run on each diagnosis in claim order until one fires (the first diagnosis
// the policy speaks to decides); the decision engine then runs once on the line's facts, and
// the event of the highest-priority rule that fired is the outcome.
import { Engine, type RuleProperties } from 'json-rules-engine';
import type { Mp446Facts, PeerDecision } from './mp446-facts.js';

const before = (date: string) => ({ fact: 'dos', operator: 'before', value: date });
const onOrAfter = (date: string) => ({ fact: 'dos', operator: 'onOrAfter', value: date });
const is = (fact: string, value: unknown) => ({ fact, operator: 'equal', value });
const outcome = (name: string, priority: number, conditions: unknown, params: unknown) =>
  ({ name, priority, conditions, event: { type: 'outcome', params } }) as RuleProperties;

export const ROLE_RULES: RuleProperties[] = [
  {
    name: 'statement:chronic-pain',
    priority: 10,
    conditions: { all: [{ fact: 'lineage', operator: 'contains', value: 'chronic-pain' }] },
    event: { type: 'role', params: { role: 'statement' } },
  },
  {
    name: 'statement:psychiatric',
    priority: 10,
    conditions: {
      all: [
        onOrAfter('2018-12-01'),
        // Substance use disorders get no verdict: the text does not say they are "psychiatric".
        { fact: 'lineage', operator: 'contains', value: 'psychiatric' },
      ],
    },
    event: { type: 'role', params: { role: 'statement' } },
  },
  {
    name: 'exclusions',
    priority: 5,
    conditions: {
      any: ['cancer-pain', 'cardiac-arrhythmia', 'anesthesia'].map((value) => ({
        fact: 'lineage',
        operator: 'contains',
        value,
      })),
    },
    event: { type: 'role', params: { role: 'exclusion' } },
  },
];

const VERSIONS: [string, string, string | null][] = [
  ['2010-11', '2010-11-06', '2014-10-01'],
  ['2014-10', '2014-10-01', '2018-12-01'],
  ['2018-12', '2018-12-01', '2021-12-01'],
  ['2021-12', '2021-12-01', '2023-12-01'],
  ['2023-12', '2023-12-01', '2024-11-01'],
  ['2024-11', '2024-11-01', null],
];

export const DECISION_RULES: RuleProperties[] = [
  ...VERSIONS.map(
    ([id, from, to]) =>
      ({
        name: `version:${id}`,
        conditions: { all: [onOrAfter(from), ...(to ? [before(to)] : [])] },
        event: { type: 'version', params: { id } },
      }) as RuleProperties,
  ),
  outcome('no-version', 100, { all: [before('2010-11-06')] }, { outcome: 'out-of-scope' }),
  outcome(
    'scope:drug',
    90,
    {
      all: [
        { fact: 'drug', operator: 'notEqual', value: null },
        { fact: 'drugClasses', operator: 'doesNotContain', value: 'anesthetic' },
      ],
    },
    { outcome: 'out-of-scope' },
  ),
  outcome(
    'scope:unknown-drug',
    89,
    { all: [is('drugUnknown', true)] },
    { outcome: 'out-of-scope' },
  ),
  outcome(
    'scope:route',
    85,
    {
      all: [
        { fact: 'routeCount', operator: 'greaterThan', value: 0 },
        { fact: 'routes', operator: 'doesNotContain', value: 'intravenous' },
      ],
    },
    { outcome: 'out-of-scope' },
  ),
  outcome(
    'exclusion',
    80,
    { all: [is('role', 'exclusion')] },
    {
      outcome: 'out-of-scope',
      indication: true,
    },
  ),
  outcome(
    'scope:indication',
    75,
    {
      all: [is('role', null), { not: { condition: 'diagnosisMissing' } }],
    },
    { outcome: 'out-of-scope' },
  ),
  outcome(
    'needs-info',
    70,
    {
      any: [
        { condition: 'drugMissing' },
        { condition: 'routeMissing' },
        { condition: 'diagnosisMissing' },
      ],
    },
    { outcome: 'needs-info' },
  ),
  outcome(
    'needs-info:routes',
    65,
    { all: [{ fact: 'routeCount', operator: 'greaterThan', value: 1 }] },
    {
      outcome: 'needs-info',
      missing: 'route',
    },
  ),
  outcome(
    'product:fep',
    60,
    { all: [is('lineOfBusiness', 'fep')] },
    {
      outcome: 'conditional',
      basis: 'fep-benefit-plan',
      indication: true,
      asks: 'facts.fep-benefit-plan-covers',
    },
  ),
  outcome(
    'product:its-home-plan',
    59,
    { all: [is('homePlan', true)] },
    {
      outcome: 'conditional',
      basis: 'home-plan-policy',
      indication: true,
      asks: 'facts.home-plan-covers',
    },
  ),
  outcome(
    'product:group-specific',
    58,
    { all: [is('groupPolicy', true)] },
    {
      outcome: 'conditional',
      basis: 'group-specific-policy',
      indication: true,
      asks: 'facts.group-policy-covers',
    },
  ),
  outcome(
    'statement',
    10,
    { all: [onOrAfter('2010-11-06')] },
    {
      outcome: 'not-covered',
      basis: 'investigational',
      indication: true,
    },
  ),
  ...(['drugMissing', 'routeMissing', 'diagnosisMissing'] as const).map(
    (c, i) =>
      ({
        name: `missing:${c}`,
        priority: 1,
        conditions: { all: [{ condition: c }] },
        event: { type: 'missing', params: { field: ['drug', 'route', 'diagnosisCodes'][i] } },
      }) as RuleProperties,
  ),
  // Code dates: the listed HCPCS codes outside their effective dates.
  ...(
    [
      ['J2002', before('2024-10-01')],
      ['J2003', before('2024-10-01')],
      ['J2004', before('2024-10-01')],
      ['S0013', onOrAfter('2026-01-01')],
      ['J0013', before('2026-01-01')],
    ] as const
  ).map(
    ([code, when]) =>
      ({
        name: `code-date:${code}`,
        priority: 1,
        conditions: { all: [{ fact: 'hcpcs', operator: 'contains', value: code }, when] },
        event: { type: 'code-not-effective', params: { code } },
      }) as RuleProperties,
  ),
];

function engine(rules: RuleProperties[]): Engine {
  const e = new Engine(rules, { allowUndefinedFacts: true });
  e.addOperator<string, string>('before', (a, b) => a < b);
  e.addOperator<string, string>('onOrAfter', (a, b) => a >= b);
  e.setCondition('drugMissing', { all: [is('drug', null), is('drugUnknown', false)] });
  e.setCondition('routeMissing', { all: [is('routeCount', 0)] });
  e.setCondition('diagnosisMissing', {
    all: [is('candidateCount', 0), is('unclassified', 0)],
  });
  return e;
}

const roleEngine = engine(ROLE_RULES);
const decisionEngine = engine(DECISION_RULES);

export async function decideJsonRulesEngine(f: Mp446Facts): Promise<PeerDecision> {
  let role: string | null = null;
  let family: string | null = null;
  for (const c of f.candidates) {
    const r = await roleEngine.run({ dos: f.dos, lineage: c.lineage });
    const top = r.results.filter((x) => x.result).sort((a, b) => b.priority! - a.priority!)[0];
    if (top) {
      role = (top.event!.params as { role: string }).role;
      family = c.family;
      break;
    }
  }
  const r = await decisionEngine.run({
    ...f,
    role,
    routeCount: f.routes.length,
    candidateCount: f.candidates.length,
  });
  let version: string | null = null;
  let best: { priority: number; params: Record<string, unknown> } | undefined;
  const missing: string[] = [];
  const codesNotEffective: string[] = [];
  for (const res of r.results) {
    const ev = res.event!;
    const params = (ev.params ?? {}) as Record<string, unknown>;
    if (ev.type === 'version') version = params.id as string;
    else if (ev.type === 'missing') missing.push(params.field as string);
    else if (ev.type === 'code-not-effective') codesNotEffective.push(params.code as string);
    else if (!best || res.priority! > best.priority) best = { priority: res.priority!, params };
  }
  const p = best!.params;
  const o = p.outcome as string;
  return {
    outcome: o,
    basis: (p.basis as string | undefined) ?? null,
    priorAuth: 'not-applicable',
    version,
    indication: p.indication ? family : null,
    missing:
      o === 'needs-info'
        ? p.missing
          ? [p.missing as string]
          : missing
        : p.asks
          ? [p.asks as string]
          : [],
    codesNotEffective,
  };
}
