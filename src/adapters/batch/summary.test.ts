import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  countChange,
  countDecided,
  countError,
  countUnchanged,
  mergeTally,
  newTally,
  summarize,
  toPlain,
} from './summary.js';

describe('screening summary', () => {
  it('adds up by payer, outcome, basis, prior auth, policy version and reason', () => {
    const key = (
      payer: string,
      outcome: string,
      basis: string | undefined,
      priorAuth: string,
      id: string,
      version: string,
      rule: string,
      text: string,
    ) => ({
      payer,
      outcome,
      basis,
      outOfScopeReason: undefined,
      priorAuth,
      ref: { id, version },
      rule,
      text,
    });
    const x = (payer: string, policy: string, text: string) =>
      key(
        payer,
        'not-covered',
        'investigational',
        'not-applicable',
        policy,
        'v1',
        'statement:x',
        text,
      );
    const a = newTally();
    countDecided(a, x('bcbsal', 'p1', 'X'), 3);
    countDecided(
      a,
      key('bcbsal', 'covered', undefined, 'required', 'p1', 'v2', 'statement:y', 'Y'),
    );
    countError(a, 'invalid-json');
    const b = newTally();
    countDecided(b, x('medica', 'p2', 'X2'), 2);
    countDecided(b, x('bcbsal', 'p1', 'X'));
    countError(b, 'invalid-json');
    countError(b, 'unknown-payer');
    const t = newTally();
    mergeTally(t, a);
    mergeTally(t, toPlain(b));
    const s = summarize(t);
    assert.equal(s.lines, 3 + 1 + 1 + 2 + 1 + 2);
    assert.equal(s.decided, 7);
    assert.equal(s.errors, 3);
    assert.deepEqual(s.byOutcome, { covered: 1, 'not-covered': 6 });
    assert.deepEqual(s.byBasis, { investigational: 6 });
    assert.deepEqual(s.byPriorAuth, { 'not-applicable': 6, required: 1 });
    assert.deepEqual(s.byPayer, {
      bcbsal: { lines: 5, outcomes: { covered: 1, 'not-covered': 4 } },
      medica: { lines: 2, outcomes: { 'not-covered': 2 } },
    });
    assert.deepEqual(s.byPolicy, {
      p1: { lines: 5, versions: { v1: 4, v2: 1 } },
      p2: { lines: 2, versions: { v1: 2 } },
    });
    assert.deepEqual(s.errorsByCode, { 'invalid-json': 2, 'unknown-payer': 1 });
    assert.deepEqual(s.topReasons, [
      { policy: 'p1', rule: 'statement:x', text: 'X', count: 4 },
      { policy: 'p2', rule: 'statement:x', text: 'X2', count: 2 },
      { policy: 'p1', rule: 'statement:y', text: 'Y', count: 1 },
    ]);
    // Every breakdown sums to the decided lines.
    const sum = (o: Record<string, number>) => Object.values(o).reduce((x, y) => x + y, 0);
    assert.equal(sum(s.byOutcome), s.decided);
    assert.equal(sum(s.byPriorAuth), s.decided);
    assert.equal(
      Object.values(s.byPayer).reduce((x, p) => x + p.lines, 0),
      s.decided,
    );
  });

  it('counts version changes in --diff-versions mode', () => {
    const t = newTally();
    countChange(t, 'bcbsal', 'out-of-scope', 'not-covered/investigational');
    countChange(t, 'bcbsal', 'out-of-scope', 'not-covered/investigational');
    countUnchanged(t);
    const s = summarize(t);
    assert.deepEqual(s.changes, {
      changed: 2,
      unchanged: 1,
      byTransition: { 'out-of-scope -> not-covered/investigational': 2 },
      byPayer: { bcbsal: 2 },
    });
    assert.equal(s.lines, 3);
  });

  it('counts out-of-scope lines by kind, so "out of scope" is not one undivided number', () => {
    const oos = (payer: string, kind: string, rule: string, n: number) =>
      countDecided(
        t,
        {
          payer,
          outcome: 'out-of-scope',
          basis: undefined,
          outOfScopeReason: kind,
          priorAuth: 'not-applicable',
          ref: { id: 'p', version: 'v1' },
          rule,
          text: undefined,
        },
        n,
      );
    const t = newTally();
    oos('bcbsma', 'refers-elsewhere', 'statement:mdd-refer', 4);
    oos('bcbsma', 'not-addressed', 'scope:indication', 2);
    oos('medica', 'not-addressed', 'scope:drug', 1);
    oos('bcbsri', 'excluded-use', 'exclusion:cancer', 3);
    const s = summarize(t);
    assert.deepEqual(s.byOutcome, { 'out-of-scope': 10 });
    assert.deepEqual(s.byOutOfScopeReason, {
      'excluded-use': 3,
      'not-addressed': 3,
      'refers-elsewhere': 4,
    });
    assert.deepEqual(s.byBasis, {});
  });
});
