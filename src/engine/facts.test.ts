import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DeterminationV1 } from '../model/determination.js';
import { compilePolicySet } from '../policies/compile-policy-set.js';
import { readPolicyInputs } from '../policies/load-policy-set.js';
import { decideRequest } from '../service/decide-request.js';
import { loadContext, type DecisionContext } from '../service/load-context.js';

// Facts beyond the request at the verdict (criteria/facts.ts): the truth table on the shipped
// corpus (BCN65, BCBSAL), and on a test-only copy of BCBSMA 291 whose commercial rule turns on
// two facts, so order, fall-through and the steps that come before a fact can be seen.

const ctx = loadContext({});
const BCN65_LINE =
  'BCN65 (Medicare Complementary) Coinsurance covered if primary Medicare covers the service.';
const bcn65 = {
  payer: 'bcn',
  lineOfBusiness: 'medicare-supplement',
  dateOfService: '2025-09-15',
  drug: 'ketamine',
  route: 'intravenous',
  diagnosisCodes: ['G90.521'],
};

function decided(
  input: Record<string, unknown>,
  context: DecisionContext = ctx,
  explain = false,
): DeterminationV1 {
  const r = decideRequest(input, context, { explain });
  assert.ok(r.ok, JSON.stringify(!r.ok && r.error));
  return r.determination;
}
const firstCited = (d: DeterminationV1) => d.reasons.find((r) => r.citation)!;

describe('facts at the verdict: BCN65', () => {
  it('not given: conditional, missing and questions name it, with the question and its quote', () => {
    const d = decided(bcn65);
    assert.equal(d.outcome, 'conditional');
    assert.equal(d.basis, 'follows-primary-medicare');
    assert.deepEqual(d.missing, ['facts.primary-medicare-covered']);
    assert.equal(d.questions?.length, 1);
    const q = d.questions![0]!;
    assert.equal(q.id, 'facts.primary-medicare-covered');
    assert.equal(q.fact, 'primary-medicare-covered');
    assert.equal(q.text, 'Did primary Medicare cover this service for this member?');
    assert.deepEqual(q.answers, {
      yes: 'primary Medicare covered the service',
      no: 'primary Medicare did not cover the service',
    });
    assert.equal(q.reason.citation?.quote, BCN65_LINE);
    assert.equal(q.reason.citation?.line, 676);
    assert.equal(q.rule, 'product:bcn65-medicare-complementary');
    assert.equal(d.facts, undefined);
    assert.equal(firstCited(d).rule, 'product:bcn65-medicare-complementary');
  });

  it('yes: covered, the first cited reason quoting line 676, the fact echoed, prior auth as the policy says', () => {
    const d = decided({ ...bcn65, facts: { 'primary-medicare-covered': true } }, ctx, true);
    assert.equal(d.outcome, 'covered');
    assert.equal(d.basis, undefined);
    assert.equal(d.priorAuth, 'not-applicable');
    assert.deepEqual(d.missing, []);
    assert.equal(d.questions, undefined);
    assert.deepEqual({ ...d.facts }, { 'primary-medicare-covered': true });
    assert.equal(firstCited(d), d.reasons[0]);
    assert.equal(d.reasons[0]!.citation!.quote, BCN65_LINE);
    assert.equal(d.reasons[0]!.rule, 'fact:primary-medicare-covered');
    assert.ok(
      !d.reasons.some((r) => r.rule?.startsWith('statement:')),
      'a statement reason on a covered answer',
    );
    const step = d.trace!.find((t) => t.step === 'fact');
    assert.equal(step?.detail, 'fact primary-medicare-covered = true (request) → covered');
    // Notices follow the final outcome: the BCN notices without an outcome list still show.
    assert.ok(d.notices.length > 0);
  });

  it('no: not covered, basis follows-primary-medicare, quoting the same line', () => {
    const d = decided({ ...bcn65, facts: { 'primary-medicare-covered': false } });
    assert.equal(d.outcome, 'not-covered');
    assert.equal(d.basis, 'follows-primary-medicare');
    assert.equal(d.reasons[0]!.citation!.quote, BCN65_LINE);
    assert.match(d.reasons[0]!.text, /^Not covered \(follows primary Medicare\)/);
  });

  it('shares the reasons of an answer: frozen, the same array for every decision', () => {
    for (const value of [true, false]) {
      const [a, b] = [
        decided({ ...bcn65, facts: { 'primary-medicare-covered': value } }),
        decided({
          ...bcn65,
          diagnosisCodes: ['G90.522'],
          facts: { 'primary-medicare-covered': value },
        }),
      ];
      assert.equal(a.reasons, b.reasons);
      assert.ok(Object.isFrozen(a.reasons) && Object.isFrozen(a.reasons[0]));
    }
    const [a, b] = [decided(bcn65), decided(bcn65)];
    assert.equal(a.questions, b.questions);
    assert.equal(a.missing, b.missing);
    assert.ok(
      Object.isFrozen(a.questions) &&
        Object.isFrozen(a.questions![0]) &&
        Object.isFrozen(a.missing),
    );
  });

  it('a request without facts keeps one determination shape: questions and facts are keys, undefined', () => {
    const d = decided({ ...bcn65, lineOfBusiness: 'medicare-advantage' });
    assert.ok('questions' in d && 'facts' in d);
    assert.equal(d.questions, undefined);
    assert.equal(d.facts, undefined);
    assert.ok(!('questions' in JSON.parse(JSON.stringify(d))));
  });

  it('a fact the deciding policy does not use is warned and not echoed; the answer does not change', () => {
    const d = decided({
      ...bcn65,
      facts: { 'primary-medicare-covered': true, 'home-plan-covers': false },
    });
    assert.equal(d.outcome, 'covered');
    assert.deepEqual({ ...d.facts }, { 'primary-medicare-covered': true });
    const w = d.warnings.filter((x) => x.code === 'fact-not-used');
    assert.deepEqual(
      w.map((x) => x.subject),
      ['facts.home-plan-covers'],
    );
    assert.match(
      w[0]!.message,
      /bcbsm-bcn-iv-anesthetics does not turn on facts\.home-plan-covers/,
    );
    const other = decided({
      ...bcn65,
      payer: 'bcbsal',
      lineOfBusiness: 'commercial',
      facts: { 'primary-medicare-covered': true },
    });
    assert.equal(other.outcome, 'not-covered');
    assert.equal(other.facts, undefined);
    assert.deepEqual(
      other.warnings.map((x) => x.code),
      ['fact-not-used'],
    );
  });

  it('refuses a fact that disagrees with the request field it spells', () => {
    const r = decideRequest(
      { ...bcn65, groupPolicy: false, facts: { 'group-policy-exists': true } },
      ctx,
    );
    assert.ok(!r.ok);
    assert.equal(r.error.error.code, 'conflicting-fact');
    assert.equal(r.error.error.path, '/facts/group-policy-exists');
  });
});

describe('facts at the verdict: BCBSAL', () => {
  const al = { ...bcn65, payer: 'bcbsal', lineOfBusiness: 'commercial' };
  it('a group-specific policy spelled as a fact is the same member as groupPolicy: true', () => {
    const a = decided({ ...al, groupPolicy: true });
    const b = decided({ ...al, facts: { 'group-policy-exists': true } });
    assert.equal(b.outcome, 'conditional');
    assert.deepEqual(b.missing, a.missing);
    assert.deepEqual(b.missing, ['facts.group-policy-covers']);
    assert.deepEqual({ ...b.facts }, { 'group-policy-exists': true });
  });

  it('"policy": the fact sentence first, then the statement, then prior auth', () => {
    const d = decided({
      ...al,
      lineOfBusiness: 'fep',
      facts: { 'fep-benefit-plan-covers': false },
    });
    assert.equal(d.outcome, 'not-covered');
    assert.equal(d.basis, 'investigational');
    assert.deepEqual(
      d.reasons.map((r) => r.rule?.split(':')[0]),
      ['fact', 'statement', ...d.reasons.slice(2).map((r) => r.rule?.split(':')[0])],
    );
    assert.equal(
      d.reasons[0]!.citation!.quote,
      'FEP: Special benefit consideration may apply. Refer to member’s benefit plan.',
    );
  });
});

// BCBSMA 291 with its commercial rule made conditional on two facts (test only).
const inputs = readPolicyInputs();
const ma = inputs.policies.find((p) => p.path.endsWith('bcbsma/291.yaml'))!;
const COMMERCIAL = `    - id: commercial
      when: { lineOfBusiness: [commercial], planType: [hmo, pos, ppo, indemnity] }
      effect: applies
      quote: 'Commercial Members: Managed Care (HMO and POS), PPO, and Indemnity …'
`;
assert.ok(ma.text.includes(COMMERCIAL));
const maText = ma.text.replace(
  COMMERCIAL,
  `    - id: commercial
      when: { lineOfBusiness: [commercial], planType: [hmo, pos, ppo, indemnity] }
      effect: conditional
      basis: group-specific-policy
      quote: 'Commercial Members: Managed Care (HMO and POS), PPO, and Indemnity …'
      facts:
        - fact: group-policy-covers
          quote: 'Commercial Members: Managed Care (HMO and POS), PPO, and Indemnity …'
          whenYes: covered
          whenNo: policy
        - fact: home-plan-covers
          quote: 'Commercial Members: Managed Care (HMO and POS), PPO, and Indemnity …'
          question: Did the home plan's own policy decide to cover it?
          whenYes: covered
          whenNo: { outcome: not-covered, basis: home-plan-policy }
`,
);
const twoFacts: DecisionContext = {
  ...ctx,
  policySet: compilePolicySet(
    { ...inputs, policies: [{ path: ma.path, text: maText }] },
    ctx.terminology,
  ),
};
const maReq = {
  payer: 'bcbsma',
  lineOfBusiness: 'commercial',
  planType: 'ppo',
  setting: 'office',
  dateOfService: '2025-09-15',
  drug: 'ketamine',
  route: 'intravenous',
  diagnosisCodes: ['G90.521'],
};
const GROUP = 'group-policy-covers';
const HOME = 'home-plan-covers';

describe('facts at the verdict: a rule with two facts (test-only policy copy)', () => {
  const table: [string, Record<string, boolean>, string, string | undefined, string[]][] = [
    ['none given: both asked, in order', {}, 'conditional', 'group-specific-policy', [GROUP, HOME]],
    [
      'the first says covered: the second is not consulted',
      { [GROUP]: true },
      'covered',
      undefined,
      [],
    ],
    [
      'the first says covered whatever the second says',
      { [GROUP]: true, [HOME]: false },
      'covered',
      undefined,
      [],
    ],
    [
      'the first falls through to the policy: the second is asked',
      { [GROUP]: false },
      'conditional',
      'group-specific-policy',
      [HOME],
    ],
    [
      'the first not given, the second decides',
      { [HOME]: false },
      'not-covered',
      'home-plan-policy',
      [],
    ],
    [
      'the first falls through, the second says covered',
      { [GROUP]: false, [HOME]: true },
      'covered',
      undefined,
      [],
    ],
    [
      'the first falls through, the second says not covered',
      { [GROUP]: false, [HOME]: false },
      'not-covered',
      'home-plan-policy',
      [],
    ],
  ];
  for (const [name, facts, outcome, basis, asked] of table) {
    it(name, () => {
      const d = decided({ ...maReq, facts }, twoFacts);
      assert.equal(d.outcome, outcome);
      assert.equal(d.basis, basis);
      assert.deepEqual(
        d.missing,
        asked.map((f) => `facts.${f}`),
      );
      assert.deepEqual(
        (d.questions ?? []).map((q) => q.fact),
        asked,
      );
      assert.deepEqual(
        d.warnings.filter((w) => w.code === 'fact-not-used'),
        [],
      );
    });
  }

  it("a policy's own question overrides facts.yaml's", () => {
    const d = decided({ ...maReq, facts: { [GROUP]: false } }, twoFacts);
    assert.equal(d.questions![0]!.text, "Did the home plan's own policy decide to cover it?");
  });

  it('every given fact says "policy": the statements decide, the fact sentence first', () => {
    const policyOnly = maText.replace(
      'whenNo: { outcome: not-covered, basis: home-plan-policy }',
      'whenNo: policy',
    );
    const set = compilePolicySet(
      { ...inputs, policies: [{ path: ma.path, text: policyOnly }] },
      ctx.terminology,
    );
    const d = decided(
      { ...maReq, facts: { [GROUP]: false, [HOME]: false } },
      { ...ctx, policySet: set },
    );
    assert.equal(d.outcome, 'not-covered');
    assert.equal(d.basis, 'investigational');
    assert.equal(d.reasons[0]!.rule, `fact:${GROUP}`);
    assert.equal(d.reasons[1]!.rule?.startsWith('statement:'), true);
  });

  const never: [string, Record<string, unknown>, string][] = [
    [
      'out of scope (a product the policy does not govern)',
      { lineOfBusiness: 'medicaid' },
      'out-of-scope',
    ],
    ['out of scope (a route the policy does not speak to)', { route: 'oral' }, 'out-of-scope'],
    ['excluded (terminal cancer pain)', { diagnosisCodes: ['G89.3'] }, 'out-of-scope'],
    [
      'referred (major depressive disorder: policy 087)',
      { diagnosisCodes: ['F33.2'] },
      'out-of-scope',
    ],
    ['needs-info (no diagnosis)', { diagnosisCodes: [] }, 'needs-info'],
    ['needs-info (no route)', { route: undefined, procedureCodes: [] }, 'needs-info'],
  ];
  for (const [name, change, outcome] of never) {
    it(`never asks a fact for a request that is ${name}`, () => {
      const req: Record<string, unknown> = { ...maReq, ...change };
      for (const k of Object.keys(req)) if (req[k] === undefined) delete req[k];
      const d = decided(req, twoFacts);
      assert.equal(d.outcome, outcome);
      assert.equal(d.questions, undefined);
      assert.ok(!d.missing.some((m) => m.startsWith('facts.')), d.missing.join());
      // Given, they change nothing either.
      const withFacts = decided({ ...req, facts: { [GROUP]: true } }, twoFacts);
      assert.equal(withFacts.outcome, outcome);
    });
  }
});
