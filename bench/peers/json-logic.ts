// BCBSAL MP-446 in JsonLogic, for the benchmarks (json-logic-js here; compiled by
// json-logic-engine in json-logic-engine.ts). The rules are plain
// JSON, as a JsonLogic shop would store them; the host applies them to each line's facts.
// JsonLogic's array operators (some, filter, reduce) see only the element, not the rest of the
// data, so the host walks the diagnoses in claim order and the listed codes itself and applies
// the per-item rule to each: the idiomatic way to express "the first diagnosis that ...".
import jsonLogic from 'json-logic-js';
import type { Mp446Facts, PeerDecision } from './mp446-facts.js';

type Rule = jsonLogic.RulesLogic;
const dos = { var: 'dos' };

export const MP446_JSONLOGIC: Record<string, unknown> = {
  // The version in force on the date of service (none before the comment period closed).
  version: {
    if: [
      { '<': [dos, '2010-11-06'] },
      null,
      { '<': [dos, '2014-10-01'] },
      '2010-11',
      { '<': [dos, '2018-12-01'] },
      '2014-10',
      { '<': [dos, '2021-12-01'] },
      '2018-12',
      { '<': [dos, '2023-12-01'] },
      '2021-12',
      { '<': [dos, '2024-11-01'] },
      '2023-12',
      '2024-11',
    ],
  },
  // Per diagnosis ({dos, lineage}): does a statement, or an exclusion, speak to it?
  role: {
    if: [
      { some: [{ var: 'lineage' }, { in: [{ var: '' }, ['chronic-pain']] }] },
      'statement',
      {
        and: [
          { '>=': [dos, '2018-12-01'] },
          { some: [{ var: 'lineage' }, { in: [{ var: '' }, ['psychiatric']] }] },
        ],
      },
      'statement',
      {
        some: [
          { var: 'lineage' },
          { in: [{ var: '' }, ['cancer-pain', 'cardiac-arrhythmia', 'anesthesia']] },
        ],
      },
      'exclusion',
      null,
    ],
  },
  // What the decision needs and the request lacks.
  missing: {
    merge: [
      { if: [{ or: [{ var: 'drug' }, { var: 'drugUnknown' }] }, [], ['drug']] },
      { if: [{ var: 'routes.0' }, [], ['route']] },
      {
        if: [
          { and: [{ '!': { var: 'candidates.0' } }, { '==': [{ var: 'unclassified' }, 0] }] },
          ['diagnosisCodes'],
          [],
        ],
      },
    ],
  },
  // The outcome, basis and whether the decided indication is reported.
  decision: {
    if: [
      { '!': { var: 'version' } },
      ['out-of-scope', null, false],
      { and: [{ var: 'drug' }, { '!': { in: ['anesthetic', { var: 'drugClasses' }] } }] },
      ['out-of-scope', null, false],
      { var: 'drugUnknown' },
      ['out-of-scope', null, false],
      { and: [{ var: 'routes.0' }, { '!': { in: ['intravenous', { var: 'routes' }] } }] },
      ['out-of-scope', null, false],
      { '==': [{ var: 'role' }, 'exclusion'] },
      ['out-of-scope', null, true],
      { and: [{ '!': { var: 'role' } }, { var: 'candidates.0' }] },
      ['out-of-scope', null, false],
      { and: [{ '!': { var: 'role' } }, { '>': [{ var: 'unclassified' }, 0] }] },
      ['out-of-scope', null, false],
      { var: 'missing.0' },
      ['needs-info', null, false],
      { '>': [{ var: 'routes.length' }, 1] },
      ['needs-info', null, false],
      { '==': [{ var: 'lineOfBusiness' }, 'fep'] },
      ['conditional', 'fep-benefit-plan', true, 'facts.fep-benefit-plan-covers'],
      { var: 'homePlan' },
      ['conditional', 'home-plan-policy', true, 'facts.home-plan-covers'],
      { var: 'groupPolicy' },
      ['conditional', 'group-specific-policy', true, 'facts.group-policy-covers'],
      ['not-covered', 'investigational', true],
    ],
  },
  // Per listed HCPCS code ({dos, code}): not valid on the date of service.
  codeNotEffective: {
    or: [
      {
        and: [{ in: [{ var: 'code' }, ['J2002', 'J2003', 'J2004']] }, { '<': [dos, '2024-10-01'] }],
      },
      { and: [{ '==': [{ var: 'code' }, 'S0013'] }, { '>': [dos, '2025-12-31'] }] },
      { and: [{ '==': [{ var: 'code' }, 'J0013'] }, { '<': [dos, '2026-01-01'] }] },
    ],
  },
};

/** The rules of MP446_JSONLOGIC, each made a function of its data by one JsonLogic engine. */
export type JsonLogicRules = Record<
  'version' | 'role' | 'missing' | 'decision' | 'codeNotEffective',
  (data: object) => unknown
>;

const R = MP446_JSONLOGIC as Record<keyof JsonLogicRules, Rule>;

/** The same JSON rules, applied by json-logic-js (it interprets them on each call). */
export const JSON_LOGIC_JS: JsonLogicRules = {
  version: (d) => jsonLogic.apply(R.version, d),
  role: (d) => jsonLogic.apply(R.role, d),
  missing: (d) => jsonLogic.apply(R.missing, d),
  decision: (d) => jsonLogic.apply(R.decision, d),
  codeNotEffective: (d) => jsonLogic.apply(R.codeNotEffective, d),
};

export function decideJsonLogic(f: Mp446Facts): PeerDecision {
  return decideWithJsonLogic(JSON_LOGIC_JS, f);
}

/** The host's walk over one line's facts, whichever engine applies the rules. */
export function decideWithJsonLogic(R: JsonLogicRules, f: Mp446Facts): PeerDecision {
  const version = R.version(f) as string | null;
  let role: string | null = null;
  let family: string | null = null;
  for (const c of f.candidates) {
    role = R.role({ dos: f.dos, lineage: c.lineage }) as string | null;
    if (role) {
      family = c.family;
      break;
    }
  }
  const missing = R.missing(f) as string[];
  const data = { ...f, version, role, missing };
  const [outcome, basis, withIndication, asks] = R.decision(data) as [
    string,
    string | null,
    boolean,
    string?,
  ];
  const codesNotEffective = f.hcpcs.filter((code) => R.codeNotEffective({ dos: f.dos, code }));
  return {
    outcome,
    basis,
    priorAuth: 'not-applicable',
    version,
    indication: withIndication ? family : null,
    missing:
      outcome === 'needs-info' ? (missing.length > 0 ? missing : ['route']) : asks ? [asks] : [],
    codesNotEffective,
  };
}
