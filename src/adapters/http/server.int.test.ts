import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { caseMismatches, loadScenarioCases } from '../../policies/scenario-cases.js';
import { loadContext } from '../../service/load-context.js';
import type { AuditStore } from '../../store/audit-store.js';
import { openStore } from '../../store/open-store.js';
import { postJson, testServer } from '../../../test/support/http-server.js';
import type { ServerOptions } from './server.js';

const ctx = loadContext({});
const CRPS = {
  payer: 'bcbsma',
  dateOfService: '2025-09-15',
  drug: 'ketamine',
  route: 'intravenous',
  diagnosisCodes: ['G90.521'],
};

const server = (store: AuditStore, extra: Partial<ServerOptions> = {}) =>
  testServer(ctx, store, extra);

const post = postJson;

function assertProblem(
  res: { statusCode: number; headers: Record<string, unknown>; json(): unknown },
  status: number,
  code: string,
  path?: string,
) {
  assert.equal(res.statusCode, status);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  const body = res.json() as Record<string, unknown>;
  assert.equal(body['status'], status);
  assert.equal(body['code'], code);
  assert.equal(typeof body['title'], 'string');
  assert.equal(typeof body['detail'], 'string');
  if (path !== undefined) assert.equal(body['path'], path);
  return body;
}

describe('HTTP service on the embedded database', () => {
  let store: AuditStore;
  let app: FastifyInstance;
  before(async () => {
    store = await openStore({ dataDir: 'memory://' });
    app = await server(store);
  });
  after(async () => {
    await app.close();
    await store.close();
  });

  test('POST /v1/determinations answers the determination, recorded under its id', async () => {
    const res = await post(app, '/v1/determinations', CRPS);
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(body.outcome, 'not-covered');
    assert.equal(body.basis, 'investigational');
    assert.equal(res.headers['location'], `/v1/determinations/${body.id}`);
    const rec = await app.inject({ method: 'GET', url: `/v1/determinations/${body.id}` });
    assert.equal(rec.statusCode, 200);
    const event = rec.json();
    assert.deepEqual(event.request, CRPS);
    assert.equal(event.requester, 'local');
    assert.equal(event.requestId, res.headers['x-request-id']);
    const { id, ...determination } = body;
    assert.deepEqual(event.determination, determination);
    assert.equal(id, event.id);
  });

  test('every scenario case decides over HTTP as the table expects', async () => {
    const cases = loadScenarioCases();
    assert.ok(cases.length >= 150);
    for (const c of cases) {
      const res = await post(app, '/v1/determinations', c.request);
      assert.equal(res.statusCode, 200, `${c.file}: ${c.name}`);
      assert.deepEqual(caseMismatches(c, res.json()), [], `${c.file}: ${c.name}`);
    }
  });

  test('?explain=full adds the trace; unknown query parameters are named', async () => {
    const res = await post(app, '/v1/determinations?explain=full', CRPS);
    assert.ok(Array.isArray(res.json().trace) && res.json().trace.length > 0);
    assertProblem(
      await post(app, '/v1/determinations?explian=full', CRPS),
      422,
      'unknown-field',
      '/querystring/explian',
    );
  });

  test('POST /v1/compare answers every payer in order, each recorded under one comparison id', async () => {
    const { payer: _payer, ...request } = CRPS;
    const res = await post(app, '/v1/compare', request);
    assert.equal(res.statusCode, 200);
    const list = res.json() as { id: string; payer: string }[];
    assert.deepEqual(
      list.map((d) => d.payer),
      [...ctx.policySet.payers],
    );
    for (const d of list) {
      const rec = (await app.inject({ method: 'GET', url: `/v1/determinations/${d.id}` })).json();
      assert.equal(rec.groupId, res.headers['x-comparison-id']);
      assert.equal(rec.determination.payer, d.payer);
    }
    assertProblem(await post(app, '/v1/compare', CRPS), 422, 'unknown-field', '/payer');
  });

  test('bad input is problem+json naming the field, and nothing is recorded', async () => {
    const before = await store.count();
    assertProblem(
      await post(app, '/v1/determinations', '{"payer": "bcbsma",'),
      400,
      'invalid-json',
    );
    assertProblem(await post(app, '/v1/determinations', ''), 400, 'invalid-json');
    assertProblem(await post(app, '/v1/determinations', [CRPS]), 422, 'wrong-type');
    assertProblem(
      await post(app, '/v1/determinations', { ...CRPS, payer: 'acme' }),
      422,
      'unknown-payer',
      '/payer',
    );
    const typo = assertProblem(
      await post(app, '/v1/determinations', { ...CRPS, diagnosisCode: ['G90.521'] }),
      422,
      'unknown-field',
      '/diagnosisCode',
    );
    assert.match(String(typo['hint']), /diagnosisCodes/);
    assertProblem(
      await post(app, '/v1/determinations', { ...CRPS, medicarePrimary: 'yes' }),
      422,
      'wrong-type',
      '/medicarePrimary',
    );
    assertProblem(
      await post(app, '/v1/determinations', { ...CRPS, route: 'iv-push' }),
      422,
      'unknown-value',
      '/route',
    );
    assertProblem(
      await post(app, '/v1/determinations', { ...CRPS, diagnosisCodes: ['not a code'] }),
      422,
      'malformed-code',
      '/diagnosisCodes/0',
    );
    assertProblem(
      await post(app, '/v1/determinations', { ...CRPS, dateOfService: '2025-02-30' }),
      422,
      'invalid-date',
      '/dateOfService',
    );
    const many = await post(app, '/v1/determinations', {
      ...CRPS,
      diagnosisCodes: Array(51).fill('G90.521'),
    });
    assert.equal(many.statusCode, 422);
    assert.equal(many.json().path, '/diagnosisCodes');
    assertProblem(
      await post(app, '/v1/determinations', { ...CRPS, drug: 'k'.repeat(70 * 1024) }),
      413,
      'too-large',
    );
    const text = await app.inject({
      method: 'POST',
      url: '/v1/determinations',
      payload: 'payer=bcbsma',
      headers: { 'content-type': 'text/plain' },
    });
    assertProblem(text, 415, 'unsupported-media-type');
    assertProblem(await app.inject({ method: 'GET', url: '/v1/nothing' }), 404, 'not-found');
    assert.equal(await store.count(), before);
  });

  test('an Idempotency-Key returns the first answer on retry and refuses another body', async () => {
    const key = { 'idempotency-key': 'retry-test-1' };
    const first = await post(app, '/v1/determinations', CRPS, key);
    const count = await store.count();
    const again = await post(app, '/v1/determinations', CRPS, key);
    assert.equal(again.statusCode, 200);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.equal(again.body, first.body, 'the first answer, byte for byte');
    assert.equal(await store.count(), count);
    assertProblem(
      await post(app, '/v1/determinations', { ...CRPS, payer: 'bcbsal' }, key),
      422,
      'idempotency-key-reused',
    );
    assertProblem(
      await post(app, '/v1/determinations', CRPS, { 'idempotency-key': 'bad key with spaces' }),
      422,
      'invalid-value',
    );
    const parallel = await Promise.all(
      Array.from({ length: 8 }, () =>
        post(app, '/v1/determinations', CRPS, { 'idempotency-key': 'parallel-1' }),
      ),
    );
    assert.equal(new Set(parallel.map((r) => r.json().id)).size, 1);
    assert.equal(await store.count(), count + 1);
  });

  test('GET /v1/determinations filters and pages with a cursor', async () => {
    for (const payer of ['bcbsal', 'bcbsal', 'bcbsal', 'medica']) {
      await post(app, '/v1/determinations', { ...CRPS, payer, dateOfService: '2025-10-01' });
    }
    const first = (
      await app.inject({ method: 'GET', url: '/v1/determinations?payer=bcbsal&limit=2' })
    ).json();
    assert.equal(first.items.length, 2);
    assert.ok(first.items.every((i: { payer: string }) => i.payer === 'bcbsal'));
    assert.ok(first.next.includes('cursor='));
    const second = (await app.inject({ method: 'GET', url: first.next })).json();
    assert.ok(second.items.length >= 1);
    assert.equal(
      new Set([...first.items, ...second.items].map((i: { id: string }) => i.id)).size,
      first.items.length + second.items.length,
    );
    const outcome = (
      await app.inject({ method: 'GET', url: '/v1/determinations?outcome=covered&limit=200' })
    ).json();
    assert.ok(outcome.items.every((i: { outcome: string }) => i.outcome === 'covered'));
    assertProblem(
      await app.inject({ method: 'GET', url: '/v1/determinations?limit=500' }),
      422,
      'invalid-value',
      '/querystring/limit',
    );
    assertProblem(
      await app.inject({ method: 'GET', url: '/v1/determinations?outcome=maybe' }),
      422,
      'unknown-value',
      '/querystring/outcome',
    );
    const typo = assertProblem(
      await app.inject({ method: 'GET', url: '/v1/determinations?payr=bcbsal' }),
      422,
      'unknown-field',
    );
    assert.match(String(typo['hint']), /payer/);
    assertProblem(
      await app.inject({
        method: 'GET',
        url: '/v1/determinations/00000000-0000-4000-8000-000000000000',
      }),
      404,
      'not-found',
    );
  });

  test('policies: the index with revision, each policy whole, its source text', async () => {
    const index = (await app.inject({ method: 'GET', url: '/v1/policies' })).json();
    assert.equal(index.revision, ctx.policySet.revision);
    assert.equal(index.policies.length, ctx.policySet.policies.length);
    const detail = (await app.inject({ method: 'GET', url: '/v1/policies/bcbsma-291' })).json();
    assert.ok(detail.versions.length > 1);
    const quote: string = detail.versions.at(-1).statements[0].reasons[0].citation.quote;
    const source = await app.inject({ method: 'GET', url: '/v1/policies/bcbsma-291/source' });
    assert.match(String(source.headers['content-type']), /^text\/plain/);
    const norm = (s: string) => s.replace(/\s+/g, ' ');
    assert.ok(norm(source.body).includes(norm(quote)));
    assertProblem(
      await app.inject({ method: 'GET', url: '/v1/policies/acme-1' }),
      404,
      'not-found',
      '/id',
    );
  });

  test('codes: lookup with status on a date, malformed and unknown codes, search', async () => {
    const crps = (
      await app.inject({ method: 'GET', url: '/v1/codes/icd10cm/g90521?date=2025-09-15' })
    ).json();
    assert.equal(crps.code, 'G90.521');
    assert.equal(crps.on.status, 'billable');
    const header = (
      await app.inject({ method: 'GET', url: '/v1/codes/icd10cm/G90.5?date=2025-09-15' })
    ).json();
    assert.equal(header.on.status, 'header');
    const j2002 = (
      await app.inject({ method: 'GET', url: '/v1/codes/hcpcs/J2002?date=2024-09-30' })
    ).json();
    assert.equal(j2002.on.status, 'not-valid');
    assertProblem(
      await app.inject({ method: 'GET', url: '/v1/codes/icd10cm/12345' }),
      422,
      'malformed-code',
      '/code',
    );
    assertProblem(
      await app.inject({ method: 'GET', url: '/v1/codes/hcpcs/J9999' }),
      404,
      'not-found',
    );
    assertProblem(
      await app.inject({ method: 'GET', url: '/v1/codes/loinc/123' }),
      422,
      'unknown-value',
      '/params/system',
    );
    const search = (
      await app.inject({ method: 'GET', url: '/v1/codes/icd10cm?q=complex%20regional&limit=5' })
    ).json();
    assert.equal(search.items.length, 5);
    assert.ok(search.items.every((i: { display: string }) => /complex regional/i.test(i.display)));
    const prefix = (await app.inject({ method: 'GET', url: '/v1/codes/icd10cm?q=G90.52' })).json();
    assert.ok(
      prefix.items.length > 0 &&
        prefix.items.every((i: { code: string }) => i.code.startsWith('G90.52')),
    );
  });

  test('OpenAPI 3.1 is generated from the schemas that validate requests, with a docs page', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    assert.equal(doc.openapi, '3.1.0');
    for (const path of [
      '/v1/determinations',
      '/v1/compare',
      '/v1/policies',
      '/v1/policies/{id}',
      '/v1/determinations/{id}',
      '/v1/codes/{system}/{code}',
      '/healthz',
    ]) {
      assert.ok(doc.paths[path], `no ${path} in OpenAPI`);
    }
    const body =
      doc.paths['/v1/determinations'].post.requestBody.content['application/json'].schema;
    const { CoverageRequestSchema } = await import('../../model/coverage-request.js');
    assert.deepEqual(
      Object.keys(body.properties ?? {}).sort(),
      Object.keys(CoverageRequestSchema.properties).sort(),
    );
    const docs = await app.inject({ method: 'GET', url: '/docs/' });
    assert.equal(docs.statusCode, 200);
    assert.match(docs.body, /swagger/i);
  });

  test('security headers are set and CORS is off', async () => {
    const res = await post(app, '/v1/determinations', CRPS, {
      origin: 'https://elsewhere.example',
    });
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.match(String(res.headers['content-security-policy']), /default-src 'self'/);
    assert.equal(res.headers['access-control-allow-origin'], undefined);
    assert.equal(res.headers['cache-control'], 'no-store');
    // Errors too: a refused body and a route that does not exist.
    for (const err of [
      await post(app, '/v1/determinations', { ...CRPS, drug: 'aspirin' }),
      await app.inject({ method: 'GET', url: '/v1/nowhere' }),
    ]) {
      assert.ok(err.statusCode >= 400);
      assert.equal(err.headers['x-content-type-options'], 'nosniff');
      assert.match(String(err.headers['content-security-policy']), /frame-ancestors 'none'/);
      assert.equal(err.headers['cache-control'], 'no-store');
      assert.match(String(err.headers['x-request-id']), /^[0-9a-f-]{36}$/);
    }
  });

  test('fuzz: random and mutated bodies never produce a 500', async () => {
    let seed = 20261201;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const values: unknown[] = [
      null,
      true,
      0,
      -1,
      1e308,
      '',
      'x',
      'G90.521',
      '2025-09-15',
      [],
      {},
      ['G90.521'],
      [1],
      'ä\u0000',
      '__proto__',
      { a: 1 },
    ];
    const fields = [
      ...Object.keys(CRPS),
      'lineOfBusiness',
      'planType',
      'setting',
      'procedureCodes',
      'medicarePrimary',
      'indication',
      'homePlan',
      '__proto__',
      'constructor',
    ];
    const statuses = new Map<number, number>();
    for (let i = 0; i < 400; i++) {
      let payload: string;
      if (i % 4 === 0) {
        const text = JSON.stringify(CRPS);
        const at = Math.floor(rand() * text.length);
        payload =
          text.slice(0, at) + String.fromCharCode(Math.floor(rand() * 128)) + text.slice(at + 1);
      } else {
        const body: Record<string, unknown> = { ...CRPS };
        for (let k = 0; k < 1 + Math.floor(rand() * 3); k++) {
          const f = pick(fields);
          if (rand() < 0.3) delete body[f];
          else body[f] = pick(values);
        }
        payload = JSON.stringify(body);
      }
      const res = await post(app, pick(['/v1/determinations', '/v1/compare']), payload);
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      assert.ok(res.statusCode < 500, `${res.statusCode} for ${payload}: ${res.body}`);
      if (res.statusCode !== 200)
        assert.match(String(res.headers['content-type']), /problem\+json/);
    }
    assert.ok(
      (statuses.get(200) ?? 0) > 0 && (statuses.get(422) ?? 0) > 0,
      JSON.stringify([...statuses]),
    );
  });
});

describe('API keys and rate limits', () => {
  let store: AuditStore;
  before(async () => {
    store = await openStore({ dataDir: 'memory://' });
  });
  after(() => store.close());

  test('with keys required: none or a wrong one is 401, a live one decides and is the recorded requester', async () => {
    const app = await server(store, { requireApiKey: true });
    try {
      const none = await post(app, '/v1/determinations', CRPS);
      assertProblem(none, 401, 'unauthorized');
      assert.match(String(none.headers['www-authenticate']), /^Bearer/);
      assertProblem(
        await post(app, '/v1/determinations', CRPS, { authorization: 'Bearer mp_wrong' }),
        401,
        'unauthorized',
      );
      assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
      const { id, key } = await store.createApiKey('desk');
      const ok = await post(app, '/v1/determinations', CRPS, { authorization: `Bearer ${key}` });
      assert.equal(ok.statusCode, 200);
      assert.equal((await store.get(ok.json().id))?.requester, id);
      const viaHeader = await app.inject({
        method: 'GET',
        url: '/v1/policies',
        headers: { 'x-api-key': key },
      });
      assert.equal(viaHeader.statusCode, 200);
      await store.revokeApiKey(id);
    } finally {
      await app.close();
    }
    const fresh = await server(store, { requireApiKey: true });
    try {
      const { key } = await store.createApiKey('other');
      assert.equal(
        (await post(fresh, '/v1/determinations', CRPS, { authorization: `Bearer ${key}` }))
          .statusCode,
        200,
      );
      const revokedKeys = (await store.listApiKeys()).filter((k) => k.revokedAt);
      assert.equal(revokedKeys.length, 1);
    } finally {
      await fresh.close();
    }
  });

  test('a key over its per-minute limit gets 429 problem+json with Retry-After; another key is unaffected', async () => {
    const app = await server(store, { requireApiKey: true, rateLimitPerMinute: 3 });
    try {
      const a = await store.createApiKey('a');
      const b = await store.createApiKey('b');
      const auth = (k: string) => ({ authorization: `Bearer ${k}` });
      for (let i = 0; i < 3; i++)
        assert.equal((await post(app, '/v1/determinations', CRPS, auth(a.key))).statusCode, 200);
      const limited = await post(app, '/v1/determinations', CRPS, auth(a.key));
      assertProblem(limited, 429, 'rate-limited');
      assert.ok(Number(limited.headers['retry-after']) > 0);
      assert.equal((await post(app, '/v1/determinations', CRPS, auth(b.key))).statusCode, 200);
    } finally {
      await app.close();
    }
  });
});
