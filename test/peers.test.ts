import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { comparable, normalizePeer } from '../bench/peers/agreement.js';
import { generateLines, toNdjson } from '../bench/generate-claims.js';
import { decideJsonLogic } from '../bench/peers/json-logic.js';
import { decideJsonRulesEngine } from '../bench/peers/json-rules-engine.js';
import { mp446Facts } from '../bench/peers/mp446-facts.js';
import { decideRequest } from '../src/service/decide-request.js';
import { loadContext } from '../src/service/load-context.js';
import { loadScenarioCases } from '../src/policies/scenario-cases.js';

// The benchmark's peers (BCBSAL MP-446 hand-written in JsonLogic and json-rules-engine) must
// decide as medpolicy does, or their timings compare nothing.
const ctx = loadContext({});

async function check(request: Record<string, unknown>, label: string): Promise<void> {
  const r = decideRequest(request, ctx);
  assert.ok(r.ok, label);
  const ours = comparable(r.determination);
  const facts = mp446Facts(request, ctx.terminology);
  assert.deepEqual(normalizePeer(decideJsonLogic(facts)), ours, `JsonLogic: ${label}`);
  assert.deepEqual(
    normalizePeer(await decideJsonRulesEngine(facts)),
    ours,
    `json-rules-engine: ${label}`,
  );
}

describe('benchmark peers agree with medpolicy on BCBSAL MP-446', () => {
  it('on every scenario case of the policy', async () => {
    const cases = loadScenarioCases().filter((c) => c.policy === 'bcbsal-mp-446');
    assert.ok(cases.length >= 30);
    for (const c of cases) await check(c.request, `${c.file}:${c.line} ${c.name}`);
  });

  it('on generated BCBSAL claim lines', async () => {
    let n = 0;
    for (const g of generateLines(6000, 3)) {
      if (g.payer !== 'bcbsal' || g.malformed) continue;
      const o = JSON.parse(toNdjson(g)) as Record<string, unknown>;
      delete o.claimId;
      delete o.claimLine;
      await check(o, JSON.stringify(o));
      n++;
    }
    assert.ok(n > 500, `${n} lines`);
  });
});
