import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadScenarioCases } from '../policies/scenario-cases.js';
import { frozenByDeepFreeze } from '../model/deep-freeze.js';
import { decideRequest } from './decide-request.js';
import { jsonWithId, stringifyJson } from './json-text.js';
import { compileContext, loadContext } from './load-context.js';

describe('stringifyJson', () => {
  it('writes every scenario determination byte for byte as JSON.stringify, trace on and off, twice', () => {
    let compared = 0;
    for (const ctx of [loadContext(), compileContext()]) {
      for (const c of loadScenarioCases()) {
        for (const explain of [false, true]) {
          const r = decideRequest(c.request, ctx, { explain });
          assert.ok(r.ok, c.name);
          // The second time the shared, frozen parts come from the cache.
          for (let i = 0; i < 2; i++) {
            assert.equal(stringifyJson(r.determination), JSON.stringify(r.determination), c.name);
          }
          assert.equal(
            jsonWithId('0b5f…', r.determination),
            JSON.stringify({ id: '0b5f…', ...r.determination }),
          );
          compared++;
        }
      }
    }
    assert.ok(compared >= 400, `compared ${compared}`);
  });

  it('agrees with JSON.stringify on what JSON cannot hold and on keys and strings that need escaping', () => {
    const sparse = [1, , 3]; // eslint-disable-line no-sparse-arrays
    const nullProto = Object.assign(Object.create(null) as object, { a: 1 });
    const values: unknown[] = [
      { a: undefined, b: () => 1, c: Symbol('s'), d: null, e: [undefined, () => 1, Symbol('t')] },
      { n: [NaN, Infinity, -Infinity, -0, 1e21, 1.5e-7, 0.1 + 0.2] },
      { 'quo"te': 1, 'back\\slash': 2, 'line\nbreak': 3, 'tab\t': 4, é: 5, '\u2028': 6, '': 7 },
      { s: 'lone \ud800 surrogate, \u0000 nul, \u001f, "quoted", member’s, 😀' },
      { 2: 'b', 1: 'a', z: 1, y: 2 },
      sparse,
      nullProto,
      Object.freeze({ nested: Object.freeze([Object.freeze({ deep: 'frozen' })]) }),
      { date: new Date(0), inner: { toJSON: (key: string) => `key ${key}` } },
      { map: new Map([[1, 2]]), set: new Set([1]), re: /x/g, u8: new Uint8Array([1, 2]) },
      new (class Point {
        x = 1;
      })(),
      [],
      {},
      Object.freeze([]),
    ];
    for (const v of values) assert.equal(stringifyJson(v), JSON.stringify(v));
  });

  it('throws what JSON.stringify throws (a cycle, a BigInt)', () => {
    const cycle: Record<string, unknown> = {};
    cycle['self'] = cycle;
    assert.throws(() => stringifyJson(cycle), TypeError);
    assert.throws(() => stringifyJson({ big: 1n }), TypeError);
  });

  it('never reuses the text of a frozen object that holds something mutable', () => {
    const inner = { n: 1 };
    const outer = Object.freeze({ inner });
    assert.equal(stringifyJson(outer), '{"inner":{"n":1}}');
    inner.n = 2;
    assert.equal(stringifyJson(outer), '{"inner":{"n":2}}');
  });

  it('never reuses the text of a frozen object with a getter', () => {
    let n = 1;
    const withGetter = Object.freeze(
      Object.defineProperty({}, 'n', { get: () => n, enumerable: true }),
    );
    const outer = Object.freeze({ g: withGetter });
    assert.equal(stringifyJson(outer), '{"g":{"n":1}}');
    n = 2;
    assert.equal(stringifyJson(outer), '{"g":{"n":2}}');
  });
});

/** Every plain object and array in it frozen, inside Maps and Sets too (what deepFreeze does). */
function deeplyFrozen(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return true;
  if (v instanceof Map) return [...v.values()].every(deeplyFrozen);
  if (v instanceof Set) return [...v].every(deeplyFrozen);
  const proto: unknown = Object.getPrototypeOf(v);
  if (!Array.isArray(v) && proto !== Object.prototype && proto !== null) return true;
  return Object.isFrozen(v) && Object.values(v).every(deeplyFrozen);
}

describe('the compiled policy parts answers share', () => {
  for (const [name, load] of [
    ['prebuilt', loadContext],
    ['compiled from the sources', compileContext],
  ] as const) {
    it(`are deep-frozen (${name}), so their text can be reused`, () => {
      const ctx = load();
      let checked = 0;
      for (const c of loadScenarioCases()) {
        const r = decideRequest(c.request, ctx);
        assert.ok(r.ok, c.name);
        const d = r.determination;
        const shared = [
          d.policy,
          ...d.notices,
          ...d.reasons.map((reason) => reason.citation),
          ...d.referTo,
        ];
        for (const part of shared) {
          if (part === undefined) continue;
          assert.ok(deeplyFrozen(part), `${c.name}: ${JSON.stringify(part)}`);
          checked++;
        }
      }
      assert.ok(checked > 500, `checked ${checked}`);
      for (const policy of ctx.policySet.policies) {
        for (const v of policy.versions) {
          assert.ok(deeplyFrozen(v.ref), `${policy.id} ${v.id} ref`);
          for (const s of v.statements) assert.ok(deeplyFrozen(s.reasons), `${policy.id} ${s.id}`);
          for (const r of v.productRules) {
            assert.ok(deeplyFrozen(r.reasons), `${policy.id} ${r.id}`);
            for (const f of r.facts ?? []) assert.ok(deeplyFrozen(f.question), `${r.id} ${f.fact}`);
          }
          // The lists the engine walks on every decision stay unfrozen: V8 iterates a frozen
          // array about half as fast.
          assert.ok(!Object.isFrozen(v.statements), `${policy.id} ${v.id} statements`);
        }
      }
    });
  }
});

describe('the frozen parts of an answer', () => {
  // The serializer keeps the text of what deepFreeze marked and walks everything else on every
  // answer: a part the engine builds once and keeps (a memo entry) but froze with Object.freeze
  // would be escaped again for every answer that shares it.
  it('are all shared parts the serializer may keep the text of, but the echo of the facts', () => {
    let frozen = 0;
    const unmarked: string[] = [];
    const walk = (v: unknown, path: string): void => {
      if (typeof v !== 'object' || v === null) return;
      if (Object.isFrozen(v)) {
        frozen++;
        if (!frozenByDeepFreeze(v)) unmarked.push(path);
        if (frozenByDeepFreeze(v)) return;
      }
      for (const [k, x] of Object.entries(v)) walk(x, `${path}/${k}`);
    };
    for (const ctx of [loadContext(), compileContext()]) {
      for (const c of loadScenarioCases()) {
        const r = decideRequest(c.request, ctx);
        assert.ok(r.ok, c.name);
        walk(r.determination, c.name);
      }
    }
    // The facts a request gave, as used: the request's own, frozen for this answer alone.
    assert.deepEqual(
      unmarked.filter((path) => !path.endsWith('/facts')),
      [],
    );
    assert.ok(frozen > 2000, `frozen parts met: ${frozen}`);
  });
});
