// Drug names and kinds of out-of-scope over HTTP: a name the catalog does not know is a 422
// problem naming /drug (never a recorded out-of-scope), every rejected scenario case is refused
// the same way, and the OpenAPI document publishes outOfScopeReason with its kinds.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { OUT_OF_SCOPE_REASONS } from '../src/model/out-of-scope-reason.js';
import { loadRejectedScenarioCases, rejectionMismatches } from '../src/policies/scenario-cases.js';
import { loadContext } from '../src/service/load-context.js';
import type { AuditStore } from '../src/store/audit-store.js';
import { openStore } from '../src/store/open-store.js';
import { testServer } from './support/http-server.js';

const request = {
  payer: 'bcbsal',
  dateOfService: '2025-09-15',
  route: 'intravenous',
  diagnosisCodes: ['G90.521'],
};

describe('HTTP: drug names and kinds of out-of-scope', () => {
  let app: FastifyInstance;
  let store: AuditStore;
  before(async () => {
    store = await openStore({ dataDir: 'memory://' });
    app = await testServer(loadContext({}), store);
  });
  after(async () => {
    await app?.close();
    await store?.close();
  });
  const post = (url: string, body: unknown) =>
    app.inject({ method: 'POST', url, payload: body as Record<string, unknown> });

  test('"ketamin" is a 422 problem naming /drug with "did you mean \'ketamine\'?", and nothing is recorded', async () => {
    const before = (await app.inject({ method: 'GET', url: '/v1/determinations' })).json();
    const res = await post('/v1/determinations', { ...request, drug: 'ketamin' });
    assert.equal(res.statusCode, 422);
    assert.match(String(res.headers['content-type']), /application\/problem\+json/);
    const p = res.json();
    assert.equal(p.code, 'unknown-drug');
    assert.equal(p.path, '/drug');
    assert.match(p.hint, /did you mean 'ketamine'\?/);
    assert.match(p.detail, /nearest known names: ketamine/);
    const compare = await post('/v1/compare', { ...request, payer: undefined, drug: 'ketamin' });
    assert.equal(compare.statusCode, 422);
    assert.equal(compare.json().path, '/drug');
    const afterList = (await app.inject({ method: 'GET', url: '/v1/determinations' })).json();
    assert.equal(afterList.items.length, before.items.length);
  });

  test('salt forms and brands decide as the drug they name', async () => {
    for (const [name, id] of [
      ['Ketamine HCl', 'ketamine'],
      ['ketamine hydrochloride', 'ketamine'],
      ['Ketalar', 'ketamine'],
      ['Lidocaine HCl', 'lidocaine'],
      ['Xylocaine', 'lidocaine'],
    ]) {
      const res = await post('/v1/determinations', { ...request, drug: name });
      assert.equal(res.statusCode, 200, `${name}: ${res.body}`);
      assert.equal(res.json().drug, id, name);
      assert.equal(res.json().outcome, 'not-covered', name);
    }
    const mg = await post('/v1/determinations', { ...request, drug: 'magnesium sulfate' });
    assert.equal(mg.statusCode, 200);
    assert.equal(mg.json().outcome, 'out-of-scope');
    assert.equal(mg.json().outOfScopeReason, 'not-addressed');
  });

  test('every rejected scenario case is refused over HTTP as the case says', async () => {
    const cases = loadRejectedScenarioCases();
    assert.ok(cases.length > 0);
    for (const c of cases) {
      const res = await post('/v1/determinations', c.request);
      assert.deepEqual(rejectionMismatches(c, res.json()), [], `${c.file}:${c.line} ${c.name}`);
    }
  });

  test('OpenAPI publishes outOfScopeReason and its kinds on the Determination', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const text = JSON.stringify(doc);
    const m = /"outOfScopeReason":\{[^}]*"enum":\[([^\]]*)\]/.exec(text);
    assert.ok(m, 'no outOfScopeReason enum in /openapi.json');
    assert.deepEqual(JSON.parse(`[${m[1]}]`), [...OUT_OF_SCOPE_REASONS]);
  });
});
