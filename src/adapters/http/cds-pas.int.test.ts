import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { cdsClient } from '../../../test/support/cds-client.js';
import { orderSignCall, pasBundle } from '../../../test/support/crd-orders.js';
import { freshDatabase, type FreshDatabase } from '../../../test/support/postgres.js';
import { loadContext } from '../../service/load-context.js';
import type { AuditStore } from '../../store/audit-store.js';
import { openStore } from '../../store/open-store.js';
import { COVERAGE_INFORMATION_URL } from '../cdshooks/coverage-information.js';
import { testServer } from '../../../test/support/http-server.js';
import type { ServerOptions } from './server.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- hook and FHIR bodies are read field by field
type J = Record<string, any>;
const ctx = loadContext({});
const PUBLIC = 'http://127.0.0.1:8080';

const server = (store: AuditStore, extra: Partial<ServerOptions> = {}) =>
  testServer(ctx, store, { publicUrl: () => PUBLIC, ...extra });

const call = (
  app: FastifyInstance,
  id: string,
  body: unknown,
  headers: Record<string, string> = {},
) =>
  app.inject({
    method: 'POST',
    url: `/cds-services/${id}`,
    payload: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...headers },
  });

function coverageInfo(res: { json(): unknown }): Record<string, string> {
  const action = (res.json() as J)['systemActions'][0];
  const ext = (action.resource.extension as J[]).find(
    (e) => e['url'] === COVERAGE_INFORMATION_URL,
  )!;
  return Object.fromEntries(
    (ext['extension'] as J[]).map((e) => [
      e['url'],
      e['valueCode'] ?? e['valueString'] ?? e['valueDate'] ?? '',
    ]),
  );
}

describe('CDS Hooks and PAS over HTTP, recorded in the store', () => {
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

  test('discovery lists the six CRD services', async () => {
    const res = await app.inject({ method: 'GET', url: '/cds-services' });
    assert.equal(res.statusCode, 200);
    const ids = (res.json() as J)['services'].map((s: J) => s['id']);
    assert.equal(ids.length, 6);
    assert.ok(ids.includes('medpolicy-order-sign'));
  });

  test('order-sign for IV ketamine (CRPS) answers coverage information, cards, and records the assertion', async () => {
    const res = await call(
      app,
      'medpolicy-order-sign',
      orderSignCall({ payerName: 'Blue Cross Blue Shield of Massachusetts' }),
    );
    assert.equal(res.statusCode, 200);
    const info = coverageInfo(res);
    assert.equal(info['covered'], 'not-covered');
    const cards = (res.json() as J)['cards'] as J[];
    assert.ok(cards.some((c) => /investigational/i.test(String(c['detail']))));
    assert.ok(JSON.stringify(cards).includes(`${PUBLIC}/#/policies/bcbsma-291`));
    const stored = (await store.getCoverageAssertion(info['coverage-assertion-id']!)) as J;
    assert.equal(stored['covered'], 'not-covered');
    assert.equal(stored['payer'], 'bcbsma');
  });

  test('malformed hook calls are 400 OperationOutcome; unknown services 404; never 500', async () => {
    const bad = await call(app, 'medpolicy-order-sign', { hook: 'order-sign' });
    assert.equal(bad.statusCode, 400);
    assert.equal((bad.json() as J)['resourceType'], 'OperationOutcome');
    const notJson = await call(app, 'medpolicy-order-sign', '{"hook":');
    assert.equal(notJson.statusCode, 400);
    assert.equal((notJson.json() as J)['resourceType'], 'OperationOutcome');
    assert.equal((await call(app, 'nope', orderSignCall({ payerName: 'Medica' }))).statusCode, 404);
    const base = JSON.stringify(orderSignCall({ payerName: 'Medica' }));
    let seed = 7;
    for (let i = 0; i < 150; i++) {
      seed = (seed * 48271) % 2147483647;
      const at = seed % base.length;
      const mutated =
        base.slice(0, at) + ['"', '{', '1', 'null', ']'][seed % 5] + base.slice(at + 1);
      const res = await call(app, 'medpolicy-order-sign', mutated);
      assert.ok(res.statusCode < 500, `${res.statusCode}: ${res.body}`);
    }
  });

  test('PAS $submit answers a ClaimResponse Bundle, stored and readable by id; errors are OperationOutcome', async () => {
    const crd = await call(
      app,
      'medpolicy-order-sign',
      orderSignCall({ payerName: 'Blue Cross and Blue Shield of Alabama' }),
    );
    const annotated = (crd.json() as J)['systemActions'][0].resource;
    const assertionId = coverageInfo(crd)['coverage-assertion-id'];
    const bundle = pasBundle(
      { payerName: 'Blue Cross and Blue Shield of Alabama' },
      annotated,
      `t-${randomUUID()}`,
    );
    const res = await app.inject({
      method: 'POST',
      url: '/fhir/Claim/$submit',
      payload: JSON.stringify(bundle),
      headers: { 'content-type': 'application/fhir+json' },
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.match(String(res.headers['content-type']), /^application\/fhir\+json/);
    const claimResponse = ((res.json() as J)['entry'] as J[]).find(
      (e) => e['resource']['resourceType'] === 'ClaimResponse',
    )!['resource'];
    assert.ok(JSON.stringify(claimResponse).includes('A3'), 'not certified');
    const read = await app.inject({
      method: 'GET',
      url: `/fhir/ClaimResponse/${claimResponse['id']}`,
    });
    assert.equal(read.statusCode, 200);
    assert.deepEqual(read.json(), claimResponse);
    const items = await store.db.query<{ coverage_assertion_id: string; review_action: string }>(
      'SELECT coverage_assertion_id, review_action FROM claim_response_items WHERE claim_response_id = $1',
      [claimResponse['id']],
    );
    assert.deepEqual(items.rows, [{ coverage_assertion_id: assertionId, review_action: 'A3' }]);
    const missing = await app.inject({ method: 'GET', url: '/fhir/ClaimResponse/does-not-exist' });
    assert.equal(missing.statusCode, 404);
    assert.equal((missing.json() as J)['resourceType'], 'OperationOutcome');
    const notBundle = await app.inject({
      method: 'POST',
      url: '/fhir/Claim/$submit',
      payload: '{"resourceType":"Patient"}',
      headers: { 'content-type': 'application/fhir+json' },
    });
    assert.equal(notBundle.statusCode, 400);
    assert.equal((notBundle.json() as J)['resourceType'], 'OperationOutcome');
  });

  test('every OperationOutcome on the CDS Hooks routes is FHIR JSON; answers are plain JSON (CDS Hooks 2.0 "Use of JSON", CRD 2.2.1 hook-10)', async () => {
    const FHIR = /^application\/fhir\+json; charset=utf-8$/;
    const good = await call(app, 'medpolicy-order-sign', orderSignCall({ payerName: 'Medica' }));
    assert.equal(good.statusCode, 200);
    assert.match(String(good.headers['content-type']), /^application\/json; charset=utf-8$/);
    const malformed = await call(app, 'medpolicy-order-sign', { hook: 'order-sign' });
    assert.equal(malformed.statusCode, 400);
    assert.match(String(malformed.headers['content-type']), FHIR);
    const unknown = await call(app, 'no-such-service', orderSignCall({ payerName: 'Medica' }));
    assert.equal(unknown.statusCode, 404);
    assert.equal((unknown.json() as J)['resourceType'], 'OperationOutcome');
    assert.match(String(unknown.headers['content-type']), FHIR);
    const notJson = await call(app, 'medpolicy-order-sign', '{');
    assert.equal(notJson.statusCode, 400);
    assert.match(String(notJson.headers['content-type']), FHIR);
    const secured = await server(store, { requireApiKey: true });
    try {
      const refused = await call(
        secured,
        'medpolicy-order-sign',
        orderSignCall({ payerName: 'Medica' }),
      );
      assert.equal(refused.statusCode, 401);
      assert.equal((refused.json() as J)['resourceType'], 'OperationOutcome');
      assert.match(String(refused.headers['content-type']), FHIR);
    } finally {
      await secured.close();
    }
  });

  test('a CDS JWT is required exactly when the service requires API keys, whatever the caller address', async () => {
    const body = orderSignCall({ payerName: 'Medica' });
    const secured = await server(store, { requireApiKey: true });
    try {
      // Behind a reverse proxy on the same host every caller looks local: still refused.
      const viaProxy = await call(secured, 'medpolicy-order-sign', body);
      assert.equal(viaProxy.statusCode, 401);
    } finally {
      await secured.close();
    }
    const open = await app.inject({
      method: 'POST',
      url: '/cds-services/medpolicy-order-sign',
      payload: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
      remoteAddress: '10.1.2.3',
    });
    assert.equal(open.statusCode, 200, 'an open (loopback-bound) service does not ask for a JWT');
  });

  test('with client auth on, a CDS call needs a JWT signed by a trusted issuer for this exact URL', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES384', { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'ehr-1', alg: 'ES384' };
    const secured = await server(store, {
      cds: { auth: 'always', issuers: [{ iss: 'https://ehr.example', jwks: { keys: [jwk] } }] },
    });
    const token = (aud: string) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'ES384', kid: 'ehr-1', typ: 'JWT' })
        .setIssuer('https://ehr.example')
        .setAudience(aud)
        .setIssuedAt()
        .setExpirationTime('5m')
        .setJti(randomUUID())
        .sign(privateKey);
    try {
      const body = orderSignCall({ payerName: 'Medica' });
      const none = await call(secured, 'medpolicy-order-sign', body);
      assert.equal(none.statusCode, 401);
      assert.equal((none.json() as J)['resourceType'], 'OperationOutcome');
      const wrongAud = await call(secured, 'medpolicy-order-sign', body, {
        authorization: `Bearer ${await token(`${PUBLIC}/cds-services/medpolicy-order-select`)}`,
      });
      assert.equal(wrongAud.statusCode, 401);
      const good = await token(`${PUBLIC}/cds-services/medpolicy-order-sign`);
      assert.equal(
        (await call(secured, 'medpolicy-order-sign', body, { authorization: `Bearer ${good}` }))
          .statusCode,
        200,
      );
      const replay = await call(secured, 'medpolicy-order-sign', body, {
        authorization: `Bearer ${good}`,
      });
      assert.equal(replay.statusCode, 401, 'a replayed jti is refused');
    } finally {
      await secured.close();
    }
  });
});

describe('CDS Hooks on the real PostgreSQL', () => {
  let db: FreshDatabase;
  before(async () => {
    db = await freshDatabase();
  });
  after(() => db.drop());

  test('when the store is down, order-sign answers 503 with Retry-After, not an unrecorded assertion', async () => {
    const store = await openStore({ databaseUrl: db.url });
    const app = await server(store);
    try {
      const body = orderSignCall({ payerName: 'Blue Cross Blue Shield of Michigan' });
      assert.equal((await call(app, 'medpolicy-order-sign', body)).statusCode, 200);
      await db.cut();
      const down = await call(
        app,
        'medpolicy-order-sign',
        orderSignCall({ payerName: 'Blue Cross Blue Shield of Michigan' }),
      );
      assert.equal(down.statusCode, 503);
      assert.ok(Number(down.headers['retry-after']) > 0);
      assert.equal((down.json() as J)['resourceType'], 'OperationOutcome');
      await db.restore();
      let status = 0;
      for (let i = 0; i < 30 && status !== 200; i++) {
        status = (
          await call(
            app,
            'medpolicy-order-sign',
            orderSignCall({ payerName: 'Blue Cross Blue Shield of Michigan' }),
          )
        ).statusCode;
        if (status !== 200) await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(status, 200);
    } finally {
      await db.restore();
      await app.close();
      await store.close();
    }
  });

  test('a used CDS client token is refused by a second instance and after a restart', async () => {
    const ehr = await cdsClient();
    const cds = { auth: 'always' as const, issuers: [ehr.issuer] };
    const url = `${PUBLIC}/cds-services/medpolicy-order-sign`;
    const body = orderSignCall({ payerName: 'Medica' });
    const good = { authorization: `Bearer ${await ehr.token(url)}` };
    const open = async () => {
      const store = await openStore({ databaseUrl: db.url });
      return { store, app: await server(store, { cds }) };
    };
    const stop = async (i: { store: AuditStore; app: FastifyInstance }) => {
      await i.app.close();
      await i.store.close();
    };
    const first = await open();
    const second = await open();
    try {
      assert.equal((await call(first.app, 'medpolicy-order-sign', body, good)).statusCode, 200);
      const elsewhere = await call(second.app, 'medpolicy-order-sign', body, good);
      assert.equal(elsewhere.statusCode, 401);
      assert.match(String((elsewhere.json() as J)['issue'][0]['diagnostics']), /replay/);
    } finally {
      await stop(first);
      await stop(second);
    }
    const restarted = await open();
    try {
      assert.equal((await call(restarted.app, 'medpolicy-order-sign', body, good)).statusCode, 401);
    } finally {
      await stop(restarted);
    }
  });

  test('when the jti cannot be checked, a CDS call is 503 with Retry-After, and the token stays unused', async () => {
    const ehr = await cdsClient();
    const store = await openStore({ databaseUrl: db.url });
    const app = await server(store, { cds: { auth: 'always', issuers: [ehr.issuer] } });
    try {
      const body = orderSignCall({ payerName: 'Medica' });
      const auth = {
        authorization: `Bearer ${await ehr.token(`${PUBLIC}/cds-services/medpolicy-order-sign`)}`,
      };
      await db.cut();
      const down = await call(app, 'medpolicy-order-sign', body, auth);
      assert.equal(down.statusCode, 503);
      assert.ok(Number(down.headers['retry-after']) > 0);
      assert.equal((down.json() as J)['resourceType'], 'OperationOutcome');
      await db.restore();
      let status = 0;
      for (let i = 0; i < 30 && status !== 200; i++) {
        status = (await call(app, 'medpolicy-order-sign', body, auth)).statusCode;
        if (status === 503) await new Promise((r) => setTimeout(r, 100));
        else break;
      }
      assert.equal(status, 200, 'the token was not spent by the failed check');
    } finally {
      await db.restore();
      await app.close();
      await store.close();
    }
  });
});
