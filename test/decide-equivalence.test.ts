import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateLines, toNdjson } from '../bench/generate-claims.js';
import { decide, type DecideOptions } from '../src/engine/decide.js';
import type { NormalizedRequest } from '../src/model/normalized-request.js';
import { loadScenarioCases } from '../src/policies/scenario-cases.js';
import { loadContext, type DecisionContext } from '../src/service/load-context.js';
import { validateCoverageRequest } from '../src/service/validate-request.js';

// The engine keeps what depends only on codes and compiled policies (code facts, version plans,
// shared warnings and reasons), filled as requests come. Whatever it keeps must never change an
// answer: every request is answered the same, byte for byte, by a context that has answered
// thousands of other requests first and by a fresh one that meets it in the opposite order.
// (bench/decisions-digest.ts checks a speed-up against the code before it.)

const VARIANTS: ((o: Record<string, unknown>, i: number) => Record<string, unknown>)[] = [
  (o) => o,
  ({ drug: _d, route: _r, ...o }) => ({ ...o, procedureCodes: ['96372'] }),
  (o) => ({ ...o, diagnosisCodes: [...(o.diagnosisCodes as string[])].reverse() }),
  (o, i) => ({ ...o, indication: ['crps', 'depression', 'anesthesia', 'ptsd'][i % 4] }),
  (o, i) => ({
    ...o,
    diagnosisCodes: [...(o.diagnosisCodes as string[]), i % 2 ? 'G89' : 'Z99.89'],
  }),
];

function requests(ctx: DecisionContext): NormalizedRequest[] {
  const out: NormalizedRequest[] = [];
  const add = (r: unknown) => {
    const v = validateCoverageRequest(r, ctx);
    if (v.ok) out.push(v.value);
  };
  for (const c of loadScenarioCases()) add(c.request);
  let i = 0;
  for (const g of generateLines(1_500, 91)) {
    const { claimId: _c, claimLine: _l, ...o } = JSON.parse(toNdjson(g)) as Record<string, unknown>;
    for (const v of VARIANTS) add(v(o, i));
    i++;
  }
  return out;
}

const OPTIONS: DecideOptions[] = [
  {},
  { trace: true },
  { asOf: '2019-06-01' },
  { asOf: '2026-12-31' },
];

describe('decide() answers the same whatever it has kept from earlier requests', () => {
  it('in order on one context, in reverse on a fresh one, with and without trace and asOf', () => {
    const warm = loadContext({});
    const reqs = requests(warm);
    assert.ok(reqs.length > 5_000, `${reqs.length} requests`);
    const answer = (ctx: DecisionContext, r: NormalizedRequest, o: DecideOptions) =>
      JSON.stringify(decide(r, ctx.policySet, ctx.terminology, o));
    const first = reqs.map((r) => OPTIONS.map((o) => answer(warm, r, o)));
    const fresh = loadContext({});
    assert.notEqual(fresh.policySet, warm.policySet, 'the same context twice');
    for (let i = reqs.length - 1; i >= 0; i--)
      for (let k = OPTIONS.length - 1; k >= 0; k--)
        assert.equal(
          answer(fresh, reqs[i]!, OPTIONS[k]!),
          first[i]![k],
          `request ${i}, options ${k}`,
        );
    // And once more on the warm context: nothing it kept since changed an answer.
    reqs.forEach((r, i) =>
      assert.equal(answer(warm, r, OPTIONS[0]!), first[i]![0], `request ${i}`),
    );
  });
});
