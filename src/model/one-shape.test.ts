import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

// What the engine reads on every request has one V8 hidden class per kind (model/
// compiled-policy.ts, model/normalized-request.ts). Hidden classes are only visible with V8's
// natives syntax, which a test process should not run under: a child process counts them and
// prints one JSON line.
const at = (path: string) => JSON.stringify(fileURLToPath(new URL(path, import.meta.url)));

function shapes(): Record<string, number> {
  const script = `
    const { loadContext, compileContext } = await import(${at('../service/load-context.js')});
    const { validateCoverageRequest, validateCompareRequest } = await import(${at('../service/validate-request.js')});
    const { fullyValidateCoverageRequest } = await import(${at('../service/validate-request-full.js')});
    const { acceptRequest, fastChecks } = await import(${at('../service/validate-request-fast.js')});
    const { forPayer } = await import(${at('./normalized-request.js')});
    const { ndjsonRequestReader } = await import(${at('../adapters/batch/ndjson-request-reader.js')});
    const count = (objects) => {
      const distinct = [];
      for (const o of objects) if (!distinct.some((d) => %HaveSameMap(d, o))) distinct.push(o);
      return distinct.length;
    };
    const out = {};
    for (const [name, ctx] of [['prebuilt', loadContext({})], ['compiled', compileContext({})]]) {
      const kinds = { policy: [], version: [], productRule: [], condition: [], statement: [], silence: [], notice: [] };
      for (const pols of ctx.policySet.byPayer.values())
        for (const p of pols) {
          kinds.policy.push(p);
          for (const v of p.versions) {
            kinds.version.push(v);
            for (const r of v.productRules) kinds.productRule.push(r), kinds.condition.push(r.when);
            for (const r of v.priorAuthRules) kinds.condition.push(r.when);
            for (const s of v.statements) kinds.statement.push(s);
            for (const s of v.silences) kinds.silence.push(s), s.when && kinds.condition.push(s.when);
            // Their conditions are not counted: freezeSharedParts deep-freezes a version's
            // notices, and a frozen object is a class of its own (two classes, not megamorphic).
            for (const n of v.notices) kinds.notice.push(n);
          }
        }
      for (const [k, list] of Object.entries(kinds)) out[name + ' ' + k] = count(list);
    }
    const ctx = loadContext({});
    // Requests that leave out different optional fields, by every path that makes one.
    const base = { payer: 'bcbsal', dateOfService: '2025-06-01' };
    const variants = [
      base,
      { ...base, drug: 'ketamine' },
      { ...base, route: 'intravenous', setting: 'office', planType: 'ppo' },
      { ...base, indication: 'chronic-pain', providerParticipating: true, homePlan: 'bcbsal' },
      { ...base, procedureCodes: ['96365'], diagnosisCodes: ['G89.29'], lineOfBusiness: 'aso' },
      { ...base, drug: ' ketamine ' }, // refused by the fast path: the full validator makes it
    ];
    const reader = ndjsonRequestReader(fastChecks(ctx));
    const requests = [];
    for (const v of variants) {
      const checked = validateCoverageRequest(v, ctx);
      if (!checked.ok) throw new Error(JSON.stringify(checked.problems));
      requests.push(checked.value, fullyValidateCoverageRequest(v, ctx).value);
      const fast = acceptRequest(v, fastChecks(ctx), true);
      if (fast) requests.push(fast);
      const b = Buffer.from(JSON.stringify(v));
      const read = reader.read(b, 0, b.length);
      if (read) requests.push(read);
      const { payer, ...compare } = v;
      const c = validateCompareRequest(compare, ctx);
      if (!c.ok) throw new Error(JSON.stringify(c.problems));
      requests.push(forPayer(c.value, payer));
    }
    out['request paths'] = requests.length;
    out['request'] = count(requests);
    // Their code lists, empty or not, of one class too (model/empty-list.ts).
    out['request code list'] = count(requests.flatMap((r) => [r.procedureCodes, r.diagnosisCodes]));
    console.log(JSON.stringify(out));
  `;
  const r = spawnSync(
    process.execPath,
    ['--allow-natives-syntax', '--input-type=module', '-e', script],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, number>;
}

describe('one hidden class per kind of object the engine reads', () => {
  it('compiled policies (prebuilt and compiled from the sources) and normalized requests (every path)', () => {
    const s = shapes();
    // Enough requests to mean something: two or more per variant.
    assert.ok(s['request paths']! >= 20, JSON.stringify(s));
    const expected = Object.fromEntries(
      Object.keys(s).map((k) => [k, k === 'request paths' ? s[k] : 1]),
    );
    assert.deepEqual(s, expected);
  });
});
