// The fuzz oracle on answers made up to break one rule each (and on correct ones), against a real
// (empty, embedded) audit store: it must flag exactly the broken rule.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { COVERAGE_INFORMATION_URL } from '../src/adapters/cdshooks/coverage-information.js';
import type { AuditStore } from '../src/store/audit-store.js';
import { openStore } from '../src/store/open-store.js';
import type { FuzzRequest } from './support/fuzz.js';
import { judge, type FuzzResponse } from './support/fuzz-oracle.js';

const request = (
  method: string,
  target: string,
  extra: Partial<FuzzRequest> = {},
): FuzzRequest => ({
  index: 0,
  seed: 'determine',
  method,
  target,
  headers: {},
  chunked: false,
  credentials: { apiKey: true, jwt: true },
  expectOk: false,
  mutations: [],
  ...extra,
});
const answer = (status: number, body: unknown, type: string, headers = {}): FuzzResponse => ({
  status,
  headers: { 'content-type': type, ...headers },
  body: Buffer.from(JSON.stringify(body)),
});
const PROBLEM = 'application/problem+json; charset=utf-8';
const problem = (status: number, code: string, hint?: string) =>
  answer(status, { code, title: 't', detail: 'd', status, ...(hint ? { hint } : {}) }, PROBLEM);

describe('fuzz oracle', () => {
  let store: AuditStore;
  before(async () => {
    store = await openStore({ dataDir: 'memory://' });
  });
  after(() => store.close());
  const kinds = async (req: FuzzRequest, res: FuzzResponse, fault = false) =>
    (await judge(req, res, store, fault)).violations.map((v) => v.kind);

  test('correct answers pass', async () => {
    assert.deepEqual(
      await kinds(
        request('GET', '/v1/determinations'),
        answer(200, { items: [] }, 'application/json'),
      ),
      [],
    );
    assert.deepEqual(
      await kinds(
        request('POST', '/v1/determinations'),
        problem(422, 'wrong-type', 'send a string'),
      ),
      [],
    );
    assert.deepEqual(
      await kinds(request('GET', '/v1/determinations/x'), problem(404, 'not-found')),
      [],
    );
    const oo = {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'invalid', diagnostics: 'x' }],
    };
    assert.deepEqual(
      await kinds(request('POST', '/fhir/Claim/$submit'), answer(400, oo, 'application/fhir+json')),
      [],
    );
    const unavailable = problem(503, 'store-unavailable', 'retry');
    unavailable.headers['retry-after'] = '2';
    assert.deepEqual(await kinds(request('GET', '/v1/determinations'), unavailable, true), []);
  });

  test('a 2xx without a key on a respelled /v1 or /fhir path is a bypass', async () => {
    const none = { credentials: { apiKey: false, jwt: false } };
    for (const target of [
      '/%761/determinations',
      '/v%31/determinations',
      '/%66hir/ClaimResponse/x',
    ])
      assert.deepEqual(
        await kinds(request('GET', target, none), answer(200, {}, 'application/json')),
        ['auth-bypass'],
      );
  });

  test('acknowledged records missing from the store are caught on every recording route', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    assert.deepEqual(
      await kinds(request('POST', '/v1/determinations'), answer(200, { id }, 'application/json')),
      ['unstored-ack'],
    );
    assert.deepEqual(
      await kinds(request('POST', '/v1/compare'), answer(200, [{ id }], 'application/json')),
      ['unstored-ack'],
    );
    const bundle = {
      resourceType: 'Bundle',
      entry: [{ resource: { resourceType: 'ClaimResponse', id: 'nope' } }],
    };
    assert.deepEqual(
      await kinds(
        request('POST', '/fhir/Claim/$submit'),
        answer(200, bundle, 'application/fhir+json'),
      ),
      ['unstored-ack'],
    );
    const ext = {
      url: COVERAGE_INFORMATION_URL,
      extension: [{ url: 'coverage-assertion-id', valueString: id }],
    };
    const cds = { cards: [], systemActions: [{ resource: { extension: [ext] } }] };
    assert.deepEqual(
      await kinds(
        request('POST', '/cds-services/medpolicy-order-sign'),
        answer(200, cds, 'application/json'),
      ),
      ['unstored-ack'],
    );
  });

  test('5xx, wrong error formats, missing hints and refused valid requests are each their own kind', async () => {
    assert.deepEqual(
      await kinds(request('GET', '/v1/determinations'), problem(503, 'store-unavailable', 'retry')),
      ['server-error'],
    );
    const fastify = answer(
      400,
      { error: 'Bad Request', code: 'FST_ERR_BAD_URL', statusCode: 400 },
      'application/json',
    );
    assert.deepEqual(await kinds(request('GET', '/v1/x%ff'), fastify), ['not-problem-json']);
    assert.deepEqual(await kinds(request('GET', '/fhir/x%ff'), fastify), ['not-operation-outcome']);
    assert.deepEqual(
      await kinds(request('POST', '/v1/determinations'), problem(422, 'wrong-type')),
      ['problem-without-hint'],
    );
    assert.deepEqual(
      await kinds(
        request('POST', '/v1/determinations', { expectOk: true }),
        problem(415, 'unsupported-media-type', 'send json'),
      ),
      ['valid-request-refused'],
    );
  });
});
