// The service as an attacker and a careless client meet it: every protected route under every
// spelling of its path, records the store cannot hold beside honest ones, media types real EHRs
// send, client data the database refuses, framework errors, and key revocation. Each block pins
// a finding of the outside attack (issue 14); the fault-injection half (full disk, JWT replay,
// SSRF) lives beside the code it tests.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { orderSignCall, pasBundle, medicationRequest } from '../../../test/support/crd-orders.js';
import { postJson, testServer } from '../../../test/support/http-server.js';
import { freshDatabase, type FreshDatabase } from '../../../test/support/postgres.js';
import type { AuditEventV1 } from '../../model/audit-event.js';
import { StoreRejectedValueError } from '../../service/audit-port.js';
import { decideRequest } from '../../service/decide-request.js';
import { loadContext } from '../../service/load-context.js';
import type { AuditStore } from '../../store/audit-store.js';
import { openStore } from '../../store/open-store.js';
import { KEY_CACHE_MS } from './auth.js';
import type { ServerOptions } from './server.js';

const ctx = loadContext({});
const CRPS = {
  payer: 'bcbsma',
  dateOfService: '2025-09-15',
  drug: 'ketamine',
  route: 'intravenous',
  diagnosisCodes: ['G90.521'],
};
const BODY = JSON.stringify(CRPS);
// The text a client sends: JSON.stringify would escape a lone surrogate the same way.
const POISON = BODY.replace('"ketamine"', '"ketamine\\ud800"');

const server = (store: AuditStore, extra: Partial<ServerOptions> = {}) =>
  testServer(ctx, store, extra);

const post = postJson;

function isProblem(res: LightMyRequestResponse, status: number, code?: string) {
  assert.equal(res.statusCode, status, res.body);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  const body = res.json() as Record<string, unknown>;
  if (code) assert.equal(body['code'], code);
  assert.equal(typeof body['hint'], 'string', `no hint: ${res.body}`);
  return body;
}

function isOutcome(res: LightMyRequestResponse, status: number) {
  assert.equal(res.statusCode, status, res.body);
  assert.match(String(res.headers['content-type']), /^application\/fhir\+json/);
  const body = res.json() as { resourceType: string; issue: { diagnostics: string }[] };
  assert.equal(body.resourceType, 'OperationOutcome');
  return body;
}

/** Every spelling of a path a router reads as the same: each character of its first segment escaped. */
function spellings(path: string): string[] {
  const [, first = '', ...rest] = path.split('/');
  const tail = rest.length ? `/${rest.join('/')}` : '';
  const esc = (c: string, upper: boolean) => {
    const hex = c.charCodeAt(0).toString(16);
    return `%${upper ? hex.toUpperCase() : hex}`;
  };
  const out = new Set<string>();
  for (let i = 0; i < first.length; i++) {
    for (const upper of [false, true])
      out.add(`/${first.slice(0, i)}${esc(first[i]!, upper)}${first.slice(i + 1)}${tail}`);
  }
  out.add(`/${[...first].map((c) => esc(c, false)).join('')}${tail}`);
  out.add(path);
  return [...out];
}

/** The documented routes (OpenAPI), with their path parameters filled in. */
function documentedRoutes(app: FastifyInstance): { method: string; path: string }[] {
  const doc = app.swagger() as { paths: Record<string, Record<string, unknown>> };
  const routes: { method: string; path: string }[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const method of Object.keys(ops)) {
      routes.push({ method: method.toUpperCase(), path: path.replace(/\{[^}]+\}/g, randomUUID()) });
    }
  }
  return routes;
}

describe('API keys cannot be bypassed by spelling the path another way', () => {
  let store: AuditStore;
  let app: FastifyInstance;
  before(async () => {
    store = await openStore({ dataDir: 'memory://' });
    app = await server(store, { requireApiKey: true });
  });
  after(async () => {
    await app.close();
    await store.close();
  });

  test('every /v1 and /fhir route, each spelling, is 401 without a key', async () => {
    await app.ready();
    const keyed = documentedRoutes(app).filter(
      (r) => r.path.startsWith('/v1/') || r.path.startsWith('/fhir/'),
    );
    // The audit list and records, decisions, PAS: the routes the attack reached.
    for (const p of ['/v1/determinations', '/fhir/Claim/$submit', '/fhir/ClaimResponse/'])
      assert.ok(
        keyed.some((r) => r.path.startsWith(p)),
        `${p} is not documented`,
      );
    let tried = 0;
    for (const route of keyed) {
      for (const url of spellings(route.path)) {
        const res = await app.inject({
          method: route.method as 'GET',
          url,
          headers: { 'content-type': 'application/json' },
          ...(route.method === 'POST' ? { payload: BODY } : {}),
        });
        tried++;
        assert.equal(res.statusCode, 401, `${route.method} ${url}: ${res.statusCode}`);
      }
    }
    assert.ok(tried > 40, `only ${tried} spellings tried`);
  });

  test('a missing key on a FHIR route is an OperationOutcome', async () => {
    const res = await app.inject({ method: 'GET', url: `/%66hir/ClaimResponse/${randomUUID()}` });
    isOutcome(res, 401);
  });

  test('the Bearer scheme is read in any case (RFC 9110)', async () => {
    const { key } = await store.createApiKey('lower');
    const res = await post(app, '/v1/determinations', BODY, { authorization: `bearer ${key}` });
    assert.equal(res.statusCode, 200);
  });

  test('a spelled-out path with a live key decides and is recorded under that key', async () => {
    const { id, key } = await store.createApiKey('desk');
    const res = await post(app, '/%761/determinations', BODY, { authorization: `Bearer ${key}` });
    assert.equal(res.statusCode, 200);
    assert.equal((await store.get(res.json().id))?.requester, id);
  });
});

describe('rate limits count callers without a key too', () => {
  let store: AuditStore;
  before(async () => {
    store = await openStore({ dataDir: 'memory://' });
  });
  after(() => store.close());

  test('failed key attempts from one address are limited, a live key is not locked out', async () => {
    const app = await server(store, { requireApiKey: true, rateLimitPerMinute: 3 });
    try {
      const { key } = await store.createApiKey('desk');
      // Checked once before the flood: a key the service knows is live passes at once.
      assert.equal(
        (await post(app, '/v1/determinations', BODY, { authorization: `Bearer ${key}` }))
          .statusCode,
        200,
      );
      for (let i = 0; i < 3; i++)
        isProblem(
          await post(app, '/%761/determinations', BODY, { authorization: `Bearer mp_guess${i}` }),
          401,
          'unauthorized',
        );
      const limited = await post(app, '/v1/determinations', BODY, {
        authorization: 'Bearer mp_guess',
      });
      isProblem(limited, 429, 'rate-limited');
      assert.ok(Number(limited.headers['retry-after']) > 0);
      assert.equal(
        (await post(app, '/v1/determinations', BODY, { authorization: `Bearer ${key}` }))
          .statusCode,
        200,
      );
    } finally {
      await app.close();
    }
  });

  test('without keys (open loopback mode) each address has the per-minute limit', async () => {
    const app = await server(store, { rateLimitPerMinute: 2 });
    try {
      for (let i = 0; i < 2; i++)
        assert.equal((await post(app, '/v%31/determinations', BODY)).statusCode, 200);
      isProblem(await post(app, '/v1/determinations', BODY), 429, 'rate-limited');
      // Health is never limited: a balancer must always be able to ask.
      assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
    } finally {
      await app.close();
    }
  });
});

function poisonAndHonestEvents(n: number): { honest: AuditEventV1[]; poison: AuditEventV1[] } {
  const decided = decideRequest(CRPS, ctx);
  assert.ok(decided.ok);
  const event = (drug: string): AuditEventV1 => ({
    id: randomUUID(),
    recordedAt: new Date().toISOString(),
    requester: 'local',
    request: { ...CRPS, drug },
    determination: decided.determination,
  });
  return {
    honest: Array.from({ length: n }, () => event('ketamine')),
    poison: [event('ketamine\ud800'), event('\udc00ketamine')],
  };
}

function storeContract(name: string, open: () => Promise<AuditStore>) {
  describe(`${name}: one record the database refuses never fails another's commit`, () => {
    let store: AuditStore;
    before(async () => {
      store = await open();
    });
    after(() => store.close());

    test('2 poison records committed beside 16 honest ones: all 16 stored, the 2 refused as data', async () => {
      const { honest, poison } = poisonAndHonestEvents(16);
      // Called in one turn, so the group commit puts all 18 in one batch.
      const results = await Promise.allSettled(
        [...honest.slice(0, 8), ...poison, ...honest.slice(8)].map((e) => store.record([e])),
      );
      const refused = results.filter((r) => r.status === 'rejected');
      assert.equal(refused.length, 2, JSON.stringify(refused));
      for (const r of refused)
        assert.ok((r as PromiseRejectedResult).reason instanceof StoreRejectedValueError);
      for (const e of honest) assert.ok(await store.get(e.id), `honest ${e.id} lost`);
    });

    test('a filter value the database refuses is the client’s error, not an outage', async () => {
      await assert.rejects(store.list({ from: '2025-02-30' }, 10), StoreRejectedValueError);
      await assert.rejects(store.list({ payer: 'a\u0000b' }, 10), StoreRejectedValueError);
    });
  });
}
storeContract('PGlite', () => openStore({ dataDir: 'memory://' }));
let pgdb: FreshDatabase;
describe('PostgreSQL', () => {
  before(async () => {
    pgdb = await freshDatabase();
  });
  after(() => pgdb.drop());
  storeContract('PostgreSQL', () => openStore({ databaseUrl: pgdb.url }));

  test('a key revoked through another store handle is refused within one second', async () => {
    const a = await openStore({ databaseUrl: pgdb.url });
    const b = await openStore({ databaseUrl: pgdb.url });
    const app = await server(a, { requireApiKey: true });
    try {
      const { id, key } = await b.createApiKey('desk');
      const auth = { authorization: `Bearer ${key}` };
      assert.equal((await post(app, '/v1/determinations', BODY, auth)).statusCode, 200);
      assert.equal(await b.revokeApiKey(id), true);
      await new Promise((r) => setTimeout(r, KEY_CACHE_MS + 50));
      assert.ok(KEY_CACHE_MS <= 1000);
      isProblem(await post(app, '/v1/determinations', BODY, auth), 401, 'unauthorized');
    } finally {
      await app.close();
      await a.close();
      await b.close();
    }
  });
});

describe('requests on every route, as clients really send them', () => {
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

  const cdsCall = () =>
    JSON.stringify(orderSignCall({ payerName: 'Blue Cross Blue Shield of Massachusetts' }));
  const pasCall = () =>
    JSON.stringify(
      pasBundle(
        { payerName: 'Blue Cross and Blue Shield of Alabama' },
        medicationRequest({ payerName: 'Blue Cross and Blue Shield of Alabama' }),
        `t-${randomUUID()}`,
      ),
    );

  test('media-type parameters are accepted on every POST route', async () => {
    const routes: [string, () => string, string[]][] = [
      ['/v1/determinations', () => BODY, ['application/json; charset=utf-8']],
      [
        '/v1/compare',
        () => BODY.replace('"payer":"bcbsma",', ''),
        ['application/json; charset=UTF-8', 'application/json;charset="utf-8"'],
      ],
      [
        '/cds-services/medpolicy-order-sign',
        cdsCall,
        ['application/json; charset=utf-8', 'application/fhir+json; fhirVersion=4.0'],
      ],
      [
        '/fhir/Claim/$submit',
        pasCall,
        ['application/fhir+json; fhirVersion=4.0', 'application/fhir+json; charset=utf-8'],
      ],
    ];
    for (const [url, body, types] of routes)
      for (const type of types) {
        const res = await post(app, url, body(), { 'content-type': type });
        assert.ok(res.statusCode < 300, `${url} with ${type}: ${res.statusCode} ${res.body}`);
      }
    const latin1 = isProblem(
      await post(app, '/v1/determinations', BODY, {
        'content-type': 'application/json; charset=iso-8859-1',
      }),
      415,
      'unsupported-media-type',
    );
    assert.match(String(latin1['hint']), /UTF-8/);
    isOutcome(
      await post(app, '/fhir/Claim/$submit', pasCall(), { 'content-type': 'text/plain' }),
      415,
    );
  });

  test('text the store cannot hold is refused at validation, naming the field, on every route', async () => {
    const before = await store.count();
    const p = isProblem(await post(app, '/v1/determinations', POISON), 422, 'invalid-value');
    assert.equal(p['path'], '/drug');
    const nul = isProblem(
      await post(app, '/v1/determinations', BODY.replace('"G90.521"', '"G90.521\\u0000"')),
      422,
      'invalid-value',
    );
    assert.equal(nul['path'], '/diagnosisCodes/0');
    isProblem(
      await post(app, '/v1/compare', POISON.replace('"payer":"bcbsma",', '')),
      422,
      'invalid-value',
    );
    const cds = isOutcome(
      await post(
        app,
        '/cds-services/medpolicy-order-sign',
        cdsCall().replace('"pat-1"', '"pat-1\\udfff"'),
      ),
      422,
    );
    assert.match(cds.issue[0]!.diagnostics, /surrogate/);
    isOutcome(
      await post(app, '/fhir/Claim/$submit', pasCall().replace('"AMB"', '"AMB\\ud83d"')),
      422,
    );
    // A pair is a character: an emoji in a free-text field is fine. (Not the drug: a drug name
    // the catalog does not know is refused as unknown-drug.)
    assert.equal(
      (
        await post(
          app,
          '/v1/determinations',
          BODY.replace('"ketamine"', '"ketamine","homePlan":"home \\ud83d\\ude00"'),
        )
      ).statusCode,
      200,
    );
    assert.equal(await store.count(), before + 1);
  });

  test('list filters the database would refuse are 422 naming the parameter', async () => {
    const cases: [string, string][] = [
      ['from=2025-02-30', '/querystring/from'],
      ['to=2025-13-45', '/querystring/to'],
      ['from=0000-01-01', '/querystring/from'],
      ['from=2025-01-01T24:00:00Z', '/querystring/from'],
      ['serviceFrom=2025-02-29', '/querystring/serviceFrom'],
      ['payer=%00', '/querystring/payer'],
      ['policy=a%0Ab', '/querystring/policy'],
    ];
    for (const [query, path] of cases) {
      const body = isProblem(
        await app.inject({ method: 'GET', url: `/v1/determinations?${query}` }),
        422,
      );
      assert.equal(body['path'], path, query);
    }
  });

  test('serviceFrom and serviceTo filter by date of service', async () => {
    const days = ['2025-03-01', '2025-06-15', '2025-09-30'];
    const ids: string[] = [];
    for (const d of days) {
      const res = await post(
        app,
        '/v1/determinations',
        JSON.stringify({ ...CRPS, payer: 'bcbsri', dateOfService: d }),
      );
      assert.equal(res.statusCode, 200);
      ids.push(res.json().id);
    }
    const res = await app.inject({
      method: 'GET',
      url: '/v1/determinations?payer=bcbsri&serviceFrom=2025-06-01&serviceTo=2025-06-30',
    });
    assert.equal(res.statusCode, 200);
    const items = res.json().items as { id: string; dateOfService: string }[];
    assert.deepEqual(
      items.map((i) => i.id),
      [ids[1]],
    );
  });

  test('a PAS item sequence beyond FHIR positiveInt, or repeated, is the client’s error', async () => {
    for (const [from, to] of [
      ['"sequence":1,"extension"', '"sequence":2147483648,"extension"'],
      ['"sequence":1,"extension"', '"sequence":1e300,"extension"'],
    ] as const) {
      const res = await post(app, '/fhir/Claim/$submit', pasCall().replace(from, to));
      assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${to}: ${res.statusCode}`);
      isOutcome(res, res.statusCode);
    }
    // Two items with one sequence would collide in the store's (response, sequence) key.
    const bundle = JSON.parse(pasCall()) as { entry: { resource: { item?: unknown[] } }[] };
    const items = bundle.entry[0]!.resource.item!;
    items.push(structuredClone(items[0]));
    const twice = await post(app, '/fhir/Claim/$submit', JSON.stringify(bundle));
    assert.ok(twice.statusCode >= 400 && twice.statusCode < 500, `${twice.statusCode}`);
    assert.match(isOutcome(twice, twice.statusCode).issue[0]!.diagnostics, /sequence/);
  });

  test('framework errors answer in the route’s format, with a hint', async () => {
    isProblem(
      await app.inject({ method: 'GET', url: '/v1/determinations/%ff' }),
      400,
      'invalid-url',
    );
    isProblem(
      await app.inject({ method: 'GET', url: `/v1/determinations/${'a'.repeat(300)}` }),
      414,
      'uri-too-long',
    );
    isOutcome(await app.inject({ method: 'GET', url: '/fhir/ClaimResponse/%ff' }), 400);
    isOutcome(
      await app.inject({ method: 'GET', url: `/%66hir/ClaimResponse/${'a'.repeat(300)}` }),
      414,
    );
    isOutcome(await app.inject({ method: 'GET', url: '/fhir/Patient/1' }), 404);
    isOutcome(await post(app, '/cds-services/medpolicy-order-sign', '{"hook":'), 400);
    isProblem(await app.inject({ method: 'GET', url: '/v1/nothing' }), 404, 'not-found');
  });

  test('wrong types and unknown values carry a hint', async () => {
    const wrong = isProblem(
      await post(app, '/v1/determinations', JSON.stringify({ ...CRPS, diagnosisCodes: 'G90.521' })),
      422,
      'wrong-type',
    );
    assert.match(String(wrong['hint']), /\[/);
    const unknown = isProblem(
      await post(app, '/v1/determinations', JSON.stringify({ ...CRPS, setting: 'zzzz' })),
      422,
      'unknown-value',
    );
    assert.ok(String(unknown['hint']).length > 0);
    // An object whose "toString" is not a function must not crash the message that names it.
    const odd = isProblem(
      await post(
        app,
        '/v1/determinations',
        JSON.stringify({ ...CRPS, route: { a: 1, toString: 'NaN' } }),
      ),
      422,
    );
    assert.equal(odd['path'], '/route');
    isProblem(
      await app.inject({ method: 'GET', url: '/v1/determinations?outcome=zzzz' }),
      422,
      'unknown-value',
    );
  });

  test('JSON nested deeper than any request needs is refused before anything walks it', async () => {
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    const withKey = await post(app, '/v1/determinations', BODY.replace('["G90.521"]', deep), {
      'idempotency-key': randomUUID(),
    });
    isProblem(withKey, 400, 'too-deep');
    isOutcome(await post(app, '/fhir/Claim/$submit', pasCall().replace('"AMB"', deep)), 400);
    isOutcome(
      await post(app, '/cds-services/medpolicy-order-sign', cdsCall().replace('"pat-1"', deep)),
      400,
    );
    // Brackets inside strings are text, not nesting: the request gets as far as validation.
    const text = BODY.replace('"ketamine"', `"ketamine${'['.repeat(200)}"`);
    const drug = isProblem(await post(app, '/v1/determinations', text), 422);
    assert.equal(drug['path'], '/drug');
  });

  test('/docs is served under the service’s CSP, not swagger-ui’s', async () => {
    const res = await app.inject({ method: 'GET', url: '/docs' });
    assert.equal(res.statusCode, 200);
    const csp = String(res.headers['content-security-policy']);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /https:/);
  });
});

describe('requests the HTTP parser refuses are answered in the route’s format', () => {
  let store: AuditStore;
  let app: FastifyInstance;
  let port: number;
  before(async () => {
    store = await openStore({ dataDir: 'memory://' });
    app = await server(store);
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as { port: number }).port;
  });
  after(async () => {
    await app.close();
    await store.close();
  });

  /** Sends raw bytes and returns the whole answer as text. */
  function raw(request: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.end(request));
      let out = '';
      socket.on('data', (d: Buffer) => (out += d.toString('latin1')));
      socket.on('close', () => resolve(out));
      socket.on('error', reject);
    });
  }
  const split = (answer: string) => {
    const at = answer.indexOf('\r\n\r\n');
    return { head: answer.slice(0, at), body: answer.slice(at + 4) };
  };

  test('an unknown method: 400 problem+json with a hint', async () => {
    const { head, body } = split(await raw('FOO /v1/determinations HTTP/1.1\r\nHost: x\r\n\r\n'));
    assert.match(head, /^HTTP\/1\.1 400 /);
    assert.match(head, /content-type: application\/problem\+json/i);
    const p = JSON.parse(body) as Record<string, unknown>;
    assert.equal(p['code'], 'bad-request');
    assert.equal(typeof p['hint'], 'string');
  });

  test('headers over the limit on a FHIR route: 431 OperationOutcome; on HEAD, no body', async () => {
    const big = `X-Big: ${'a'.repeat(20_000)}\r\n`;
    const fhir = split(await raw(`GET /fhir/ClaimResponse/1 HTTP/1.1\r\nHost: x\r\n${big}\r\n`));
    assert.match(fhir.head, /^HTTP\/1\.1 431 /);
    assert.equal(
      (JSON.parse(fhir.body) as { resourceType: string }).resourceType,
      'OperationOutcome',
    );
    const head = split(await raw(`HEAD /v1/policies HTTP/1.1\r\nHost: x\r\n${big}\r\n`));
    assert.match(head.head, /^HTTP\/1\.1 431 /);
    assert.match(head.head, /content-length: 0/i);
    assert.equal(head.body, '');
  });
});
