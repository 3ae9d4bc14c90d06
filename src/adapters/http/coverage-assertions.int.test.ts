import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { orderSignCall } from '../../../test/support/crd-orders.js';
import { freshDatabase, type FreshDatabase } from '../../../test/support/postgres.js';
import { postJson, testServer } from '../../../test/support/http-server.js';
import { CoverageRequestSchema } from '../../model/coverage-request.js';
import { loadContext } from '../../service/load-context.js';
import type { AuditStore } from '../../store/audit-store.js';
import { openStore } from '../../store/open-store.js';
import { COVERAGE_INFORMATION_URL } from '../cdshooks/coverage-information.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- hook and FHIR bodies are read field by field
type J = Record<string, any>;
const ctx = loadContext({});

/** Order-sign through the service; answers the coverage-assertion-id it gave. */
async function orderSign(app: FastifyInstance, payerName: string): Promise<string> {
  const res = await postJson(
    app,
    '/cds-services/medpolicy-order-sign',
    orderSignCall({ payerName }),
  );
  assert.equal(res.statusCode, 200, res.body);
  const ext = ((res.json() as J)['systemActions'][0].resource.extension as J[]).find(
    (e) => e['url'] === COVERAGE_INFORMATION_URL,
  )!;
  const id = (ext['extension'] as J[]).find((e) => e['url'] === 'coverage-assertion-id');
  return String(id?.['valueString']);
}

function get(app: FastifyInstance, id: string, headers: Record<string, string> = {}) {
  return app.inject({
    method: 'GET',
    url: `/v1/coverage-assertions/${encodeURIComponent(id)}`,
    headers,
  });
}

describe('GET /v1/coverage-assertions/{id}', () => {
  let store: AuditStore;
  let app: FastifyInstance;
  before(async () => {
    store = await openStore({ dataDir: 'memory://' });
    app = await testServer(ctx, store);
  });
  after(async () => {
    await app.close();
    await store.close();
  });

  test('answers the request an order-sign assertion was decided on', async () => {
    const id = await orderSign(app, 'Blue Cross Blue Shield of Massachusetts');
    const res = await get(app, id);
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json() as J;
    assert.equal(body['assertionId'], id);
    assert.equal(body['hook'], 'order-sign');
    assert.equal(body['payer'], 'bcbsma');
    assert.equal(body['covered'], 'not-covered');
    assert.equal(body['request']['payer'], 'bcbsma');
    assert.equal(body['request']['drug'], 'ketamine');
    // The same request decides the same way again: it is all the Check page needs.
    const again = await postJson(app, '/v1/determinations', body['request']);
    assert.equal(again.statusCode, 200, again.body);
    assert.equal((again.json() as J)['outcome'], 'not-covered');
  });

  test('gives no member data, even when the stored record holds some', async () => {
    await store.recordCoverageAssertion({
      assertionId: 'ca-with-member',
      madeAt: '2025-09-10T13:59:00.000Z',
      serviceId: 'medpolicy-order-sign',
      hook: 'order-sign',
      payer: 'bcbsm',
      covered: 'conditional',
      request: {
        payer: 'bcbsm',
        dateOfService: '2025-09-10',
        drug: 'ketamine',
        memberId: 'MBR-884-201',
        patientName: 'Jane Q. Member',
      },
      patient: 'Patient/pat-1',
    } as Parameters<AuditStore['recordCoverageAssertion']>[0]);
    const res = await get(app, 'ca-with-member');
    assert.equal(res.statusCode, 200, res.body);
    for (const phi of ['MBR-884-201', 'Jane', 'memberId', 'patientName', 'pat-1'])
      assert.ok(!res.body.includes(phi), `${phi} answered`);
    assert.deepEqual((res.json() as J)['request'], {
      payer: 'bcbsm',
      dateOfService: '2025-09-10',
      drug: 'ketamine',
    });
  });

  test('an unknown id is 404 problem+json naming it', async () => {
    const res = await get(app, 'ca-never-made');
    assert.equal(res.statusCode, 404);
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
    assert.equal((res.json() as J)['code'], 'not-found');
    assert.match((res.json() as J)['detail'], /ca-never-made/);
    const long = await get(app, 'x'.repeat(300));
    assert.ok(long.statusCode >= 400 && long.statusCode < 500, String(long.statusCode));
  });

  test('is in the OpenAPI document with the request schema', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as J;
    const op = doc['paths']['/v1/coverage-assertions/{id}']?.['get'];
    assert.ok(op, 'no /v1/coverage-assertions/{id} in OpenAPI');
    const schema = op['responses']['200']['content']['application/json']['schema'];
    assert.deepEqual(
      Object.keys(schema['properties']['request']['properties']).sort(),
      Object.keys(CoverageRequestSchema.properties).sort(),
    );
  });

  test('needs an API key whenever keys are required', async () => {
    const id = await orderSign(app, 'Blue Cross Blue Shield of Massachusetts');
    const keyed = await testServer(ctx, store, { requireApiKey: true });
    try {
      assert.equal((await get(keyed, id)).statusCode, 401);
      assert.equal((await get(keyed, id, { authorization: 'Bearer mp_wrong' })).statusCode, 401);
      const { key } = await store.createApiKey('check-page');
      const ok = await get(keyed, id, { authorization: `Bearer ${key}` });
      assert.equal(ok.statusCode, 200);
      assert.equal((ok.json() as J)['assertionId'], id);
    } finally {
      await keyed.close();
    }
  });
});

describe('GET /v1/coverage-assertions/{id} on the real PostgreSQL', () => {
  let db: FreshDatabase;
  before(async () => {
    db = await freshDatabase();
  });
  after(() => db.drop());

  test('reads what order-sign recorded; with the store down it is 503 with Retry-After', async () => {
    const store = await openStore({ databaseUrl: db.url });
    const app = await testServer(ctx, store);
    try {
      const id = await orderSign(app, 'Blue Cross Blue Shield of Michigan');
      assert.equal((await get(app, id)).statusCode, 200);
      await db.cut();
      const down = await get(app, id);
      assert.equal(down.statusCode, 503);
      assert.ok(Number(down.headers['retry-after']) > 0);
      assert.match(String(down.headers['content-type']), /^application\/problem\+json/);
      await db.restore();
      let status = 0;
      for (let i = 0; i < 30 && status !== 200; i++) {
        status = (await get(app, id)).statusCode;
        if (status !== 200) await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(status, 200);
    } finally {
      await db.restore();
      await app.close();
      await store.close();
    }
  });
});
