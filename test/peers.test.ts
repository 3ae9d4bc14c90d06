import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { disagreements } from '../bench/peers/agreement.js';
import { mp446Peers } from '../bench/peers/peers.js';
import { bcbsalRequests } from '../bench/peers/workload.js';
import { loadContext } from '../src/service/load-context.js';
import { loadRejectedScenarioCases, loadScenarioCases } from '../src/policies/scenario-cases.js';

// The benchmarks' peers (BCBSAL MP-446 in compiled json-logic-engine, json-logic-js,
// json-rules-engine and hand-written TypeScript) must decide as medpolicy does, on both measured
// paths (from the raw request and from derived facts), or their timings compare nothing.
const ctx = loadContext({});
const peers = mp446Peers(ctx.terminology, new Set(['bcbsal']));

async function assertAgree(requests: readonly unknown[]): Promise<void> {
  const found = await disagreements(requests, ctx, peers);
  assert.deepEqual(found.slice(0, 3), [], `${found.length} disagreements`);
}

describe('benchmark peers agree with medpolicy on BCBSAL MP-446', () => {
  it('has every peer the benchmarks time', () => {
    assert.deepEqual(
      peers.map((p) => p.name),
      ['json-logic-engine', 'json-logic-js', 'json-rules-engine', 'hand-written'],
    );
  });

  it('on every scenario case of the policy, refused ones included', async () => {
    // The peers encode the questions MP-446 asks, not the answers to them: cases that give facts
    // beyond the request are medpolicy's alone.
    const cases = [...loadScenarioCases(), ...loadRejectedScenarioCases()].filter(
      (c) => c.policy === 'bcbsal-mp-446' && c.request.facts === undefined,
    );
    assert.ok(cases.length >= 50, `${cases.length} cases`);
    await assertAgree(cases.map((c) => c.request));
  });

  it('on generated BCBSAL claim lines, malformed ones included', async () => {
    const requests = bcbsalRequests(2000, 3);
    assert.equal(requests.length, 2000);
    await assertAgree(requests);
  });

  it('refuses what medpolicy refuses: a date that does not exist, an unknown drug or field', async () => {
    const base = { payer: 'bcbsal', dateOfService: '2025-09-15', diagnosisCodes: ['G90.521'] };
    const refused = [
      { ...base, dateOfService: '2025-02-30' },
      { ...base, drug: 'ketamin' },
      { ...base, diagnosisCode: ['G90.521'] },
      { ...base, diagnosisCodes: ['CRPS'] },
      { ...base, procedureCodes: ['9636'] },
      { ...base, route: 'iv' },
    ];
    for (const r of refused)
      for (const p of peers)
        assert.equal(await p.fromRequest(r), null, `${p.name}: ${JSON.stringify(r)}`);
    await assertAgree(refused);
  });
});
