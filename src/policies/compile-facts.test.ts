import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileFacts } from '../model/facts.js';
import { loadTerminology } from '../terminology/load-terminology.js';
import { compilePolicySet, PolicySetError, type PolicyProblem } from './compile-policy-set.js';
import { readPolicyInputs } from './load-policy-set.js';

// The facts a product rule turns on (policies/valuesets/facts.yaml, products.rules[].facts):
// every mistake is a load error naming the file and the line.

const terminology = loadTerminology({});
const inputs = readPolicyInputs();
const bcn = inputs.policies.find((p) => p.path.endsWith('bcbsm-bcn/iv-anesthetics.yaml'))!;
const FILE = 'policies/bcbsm-bcn/iv-anesthetics.yaml';

function problemsFor(text: string): PolicyProblem[] {
  assert.notEqual(text, bcn.text, 'the edit did not apply');
  try {
    compilePolicySet({ ...inputs, policies: [{ path: bcn.path, text }] }, terminology);
  } catch (e) {
    assert.ok(e instanceof PolicySetError, String(e));
    return e.problems;
  }
  assert.fail('expected the policy file to be rejected');
}

const lineOf = (text: string, needle: string, from = 0): number =>
  text.slice(0, text.indexOf(needle, from)).split('\n').length;
const factsAt = (text: string) => text.indexOf('      facts:');

describe('facts in policy files', () => {
  it('compiles BCN65 fact with frozen, shared questions and answers quoting the line', () => {
    const set = compilePolicySet(inputs, terminology);
    const policy = set.policies.find((p) => p.id === 'bcbsm-bcn-iv-anesthetics')!;
    const version = policy.versions.at(-1)!;
    const rule = version.productRules.find((r) => r.id === 'bcn65-medicare-complementary')!;
    const fact = rule.facts![0]!;
    assert.equal(fact.fact, 'primary-medicare-covered');
    assert.equal(fact.missing, 'facts.primary-medicare-covered');
    assert.deepEqual(fact.yes.effect, { kind: 'covered' });
    assert.deepEqual(fact.no.effect, { kind: 'not-covered', basis: 'follows-primary-medicare' });
    assert.equal(
      fact.yes.reasons[0]!.citation!.quote,
      'BCN65 (Medicare Complementary) Coinsurance covered if primary Medicare covers the service.',
    );
    assert.equal(fact.yes.reasons[0]!.citation!.line, 676);
    assert.equal(fact.question.text, 'Did primary Medicare cover this service for this member?');
    assert.equal(fact.question.rule, 'product:bcn65-medicare-complementary');
    for (const o of [
      rule.facts,
      fact,
      fact.question,
      fact.yes,
      fact.yes.reasons,
      fact.yes.reasons[0],
      fact.no.effect,
    ])
      assert.ok(Object.isFrozen(o));
    // A BCN notice turns on providerParticipating: its spelling as a fact is used too, after the rules' facts.
    assert.deepEqual([...version.facts], ['primary-medicare-covered', 'provider-participating']);
    // Medica's conditions name providerParticipating and medicarePrimary: their spellings as facts are used.
    const medica = set.policies.find((p) => p.id.startsWith('medica'))!.versions.at(-1)!;
    assert.deepEqual([...medica.facts].sort(), ['medicare-primary', 'provider-participating']);
  });

  it('refuses an unknown fact id, naming the nearest and the list', () => {
    const text = bcn.text.replace(
      '- fact: primary-medicare-covered',
      '- fact: primary-medicare-coverd',
    );
    const [p, ...rest] = problemsFor(text);
    assert.equal(rest.length, 0, JSON.stringify(rest));
    assert.equal(p!.code, 'unknown-reference');
    assert.equal(p!.file, FILE);
    assert.equal(p!.line, lineOf(text, '- fact: primary-medicare-coverd'));
    assert.match(
      p!.message,
      /unknown fact "primary-medicare-coverd" \(did you mean "primary-medicare-covered"\?\)/,
    );
    assert.match(
      p!.message,
      /facts\.yaml, which lists primary-medicare-covered, fep-benefit-plan-covers/,
    );
  });

  it('refuses a fact quote that is not in the source', () => {
    const needle =
      '          quote: BCN65 (Medicare Complementary) Coinsurance covered if primary Medicare covers the service.';
    const text = bcn.text.replace(
      needle,
      needle.replace('covers the service', 'pays for the service'),
    );
    const [p, ...rest] = problemsFor(text);
    assert.equal(rest.length, 0, JSON.stringify(rest));
    assert.equal(p!.code, 'quote-not-in-source');
    assert.equal(p!.file, FILE);
    assert.equal(p!.line, lineOf(text, 'pays for the service'));
  });

  it('refuses a not-covered basis that bases.yaml does not list', () => {
    const text = bcn.text.replace(
      'whenNo: { outcome: not-covered, basis: follows-primary-medicare }',
      'whenNo: { outcome: not-covered, basis: follows-primary-medicar }',
    );
    const [p, ...rest] = problemsFor(text);
    assert.equal(rest.length, 0, JSON.stringify(rest));
    assert.equal(p!.code, 'unknown-reference');
    assert.equal(
      p!.line,
      lineOf(text, 'whenNo: { outcome: not-covered, basis: follows-primary-medicar }'),
    );
    assert.match(p!.message, /unknown basis "follows-primary-medicar".*bases\.yaml/);
  });

  it('refuses facts on a rule that is not conditional', () => {
    // BCNA (Medicare Advantage) applies outright: a fact there would never be asked.
    const anchor = '        - No local coverage determination.\n';
    const text = bcn.text.replace(
      anchor,
      `${anchor}      facts:\n        - fact: primary-medicare-covered\n          quote: BCN65 (Medicare Complementary) Coinsurance covered if primary Medicare covers the service.\n          whenYes: covered\n          whenNo: policy\n`,
    );
    const [p, ...rest] = problemsFor(text);
    assert.equal(rest.length, 0, JSON.stringify(rest));
    assert.equal(p!.code, 'rule');
    assert.equal(p!.file, FILE);
    assert.equal(p!.line, lineOf(text, 'facts:') + 1);
    assert.match(
      p!.message,
      /only on a conditional rule; rule "bcna-medicare-advantage" is applies/,
    );
  });

  it('refuses whenYes equal to whenNo', () => {
    const text = bcn.text.replace(
      'whenNo: { outcome: not-covered, basis: follows-primary-medicare }',
      'whenNo: covered',
    );
    const [p, ...rest] = problemsFor(text);
    assert.equal(rest.length, 0, JSON.stringify(rest));
    assert.equal(p!.code, 'rule');
    assert.equal(p!.line, lineOf(text, 'whenNo: covered', factsAt(text)));
    assert.match(p!.message, /whenYes and whenNo of fact "primary-medicare-covered" do the same/);
  });

  it('refuses an unknown key or a bad effect as a schema problem at its line', () => {
    const text = bcn.text.replace('whenYes: covered', 'whenYes: yes');
    const problems = problemsFor(text);
    assert.ok(problems.length >= 1);
    assert.ok(
      problems.every((p) => p.code === 'schema' && p.file === FILE),
      JSON.stringify(problems),
    );
    assert.ok(
      problems.some((p) => p.line === lineOf(text, 'whenYes: yes')),
      JSON.stringify(problems),
    );
  });

  it('the revision changes when facts.yaml changes', () => {
    const facts = inputs.otherInputs.find((f) => f.path === 'policies/valuesets/facts.yaml');
    assert.ok(facts, 'facts.yaml is one of the inputs of the revision');
    const a = compilePolicySet(inputs, terminology).revision;
    const b = compilePolicySet(
      {
        ...inputs,
        otherInputs: inputs.otherInputs.map((f) =>
          f === facts
            ? { ...f, text: f.text.replace('Did primary Medicare', 'Has primary Medicare') }
            : f,
        ),
      },
      terminology,
    ).revision;
    assert.notEqual(a, b);
  });
});

describe('facts.yaml', () => {
  const good = {
    facts: [
      {
        id: 'a-fact',
        question: 'Is it so?',
        yesText: 'it is',
        noText: 'it is not',
        audience: 'admin',
      },
    ],
  };
  it('accepts a well-formed file and indexes request-field spellings', () => {
    assert.equal(
      terminology.facts.byRequestField('providerParticipating')?.id,
      'provider-participating',
    );
    assert.deepEqual(compileFacts(good).ids, ['a-fact']);
  });
  for (const [name, bad, message] of [
    ['an unknown key', { facts: [{ ...good.facts[0], extra: 1 }] }, /unknown key "extra"/],
    [
      'an id that is not kebab-case',
      { facts: [{ ...good.facts[0], id: 'A Fact' }] },
      /id must be kebab-case/,
    ],
    ['a duplicate id', { facts: [good.facts[0], good.facts[0]] }, /duplicate id "a-fact"/],
    [
      'an unknown request field',
      { facts: [{ ...good.facts[0], requestField: 'homePlan' }] },
      /requestField must be one of/,
    ],
    [
      'a missing question',
      { facts: [{ ...good.facts[0], question: undefined }] },
      /needs question/,
    ],
    [
      'an unknown audience',
      { facts: [{ ...good.facts[0], audience: 'patient' }] },
      /audience must be one of admin/,
    ],
  ] as const) {
    it(`refuses ${name}, naming the file`, () => {
      assert.throws(
        () => compileFacts(JSON.parse(JSON.stringify(bad))),
        (e: Error) =>
          e.message.startsWith('policies/valuesets/facts.yaml: facts[') && message.test(e.message),
      );
    });
  }
});
