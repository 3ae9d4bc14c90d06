import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadContext } from '../service/load-context.js';
import {
  answersFromFacts,
  describeConflict,
  factsFromAnswers,
  isAnswerCode,
  mergeFacts,
} from './answers.js';
import { questionsOfVersion } from './questions.js';

describe('answers ⇄ facts', () => {
  it('Y is true, N false, ASKU no fact at all (it is asked again)', () => {
    assert.deepEqual(factsFromAnswers({ a: 'Y', b: 'N', c: 'ASKU' }), { a: true, b: false });
    assert.deepEqual(answersFromFacts({ a: true, b: false }), { a: 'Y', b: 'N' });
    assert.ok(isAnswerCode('ASKU') && !isAnswerCode('yes') && !isAnswerCode(true));
  });

  it('merges sources: the same value twice is one fact; different values are a conflict naming both', () => {
    const ok = mergeFacts([
      { name: 'the request', facts: { a: true } },
      { name: 'answers.json', facts: { a: true, b: false } },
    ]);
    assert.deepEqual(ok, { ok: true, facts: { a: true, b: false } });
    const bad = mergeFacts([
      { name: 'the request', facts: { a: true, b: false } },
      { name: 'answers.json', facts: { a: false, b: false } },
    ]);
    assert.equal(bad.ok, false);
    assert.ok(!bad.ok);
    assert.deepEqual(
      bad.conflicts.map((c) => c.fact),
      ['a'],
    );
    assert.equal(
      describeConflict(bad.conflicts[0]!),
      'a is yes in the request but no in answers.json',
    );
  });
});

describe('questions of a version', () => {
  const ctx = loadContext({});
  const latest = (id: string) => ctx.policySet.policies.find((p) => p.id === id)!.versions.at(-1)!;

  it('lists the fact rules in policy order, with the questions the engine asks', () => {
    const al = questionsOfVersion(latest('bcbsal-mp-446'));
    assert.deepEqual(
      al.map((r) => [r.rule, r.questions.map((q) => q.id)]),
      [
        ['product:fep', ['facts.fep-benefit-plan-covers']],
        ['product:its-home-plan', ['facts.home-plan-covers']],
        ['product:group-specific', ['facts.group-policy-covers']],
      ],
    );
    const bcn = questionsOfVersion(latest('bcbsm-bcn-iv-anesthetics'));
    assert.equal(bcn.length, 1);
    assert.equal(bcn[0]!.questions[0]!.reason.citation?.line, 676);
    assert.deepEqual(questionsOfVersion(latest('bcbsma-291')), []);
  });

  it("gives the same question objects as the engine's determination", async () => {
    const { decideRequest } = await import('../service/decide-request.js');
    const r = decideRequest(
      {
        payer: 'bcbsal',
        lineOfBusiness: 'fep',
        dateOfService: '2025-09-15',
        drug: 'ketamine',
        route: 'intravenous',
        diagnosisCodes: ['G90.521'],
      },
      ctx,
    );
    assert.ok(r.ok);
    const [fep] = questionsOfVersion(latest('bcbsal-mp-446'));
    assert.deepEqual(r.determination.questions, fep!.questions);
  });
});
