import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { packageRoot } from '../../../package-root.js';
import { loadContext } from '../../../service/load-context.js';
import type { AuditStore } from '../../../store/audit-store.js';
import { openStore } from '../../../store/open-store.js';
import { testServer } from '../../../../test/support/http-server.js';

const ctx = loadContext({});

describe('the web UI at /', () => {
  let store: AuditStore;
  before(async () => {
    store = await openStore({ dataDir: 'memory://' });
  });
  after(async () => store.close());

  const server = (root: string) => testServer(ctx, store, { root });

  test('without a build, / says how to build the UI instead of a bare 404', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'medpolicy-noweb-'));
    try {
      const app = await server(empty);
      const res = await app.inject({ method: 'GET', url: '/' });
      assert.equal(res.statusCode, 503);
      assert.match(res.body, /npm run build/);
      await app.close();
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  test('the built UI is served at / under the CSP, and unknown paths stay problem+json 404s', async (t) => {
    assert.ok(
      existsSync(join(packageRoot(), 'dist', 'web', 'index.html')),
      'dist/web is missing: npm run build builds the UI',
    );
    const app = await server(packageRoot());
    t.after(() => app.close());
    const res = await app.inject({ method: 'GET', url: '/' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/html/);
    assert.match(String(res.headers['content-security-policy']), /script-src 'self'/);
    // No inline script: the CSP would refuse it.
    assert.doesNotMatch(res.body, /<script(?![^>]*\bsrc=)[^>]*>/);
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(res.body)?.[1];
    assert.ok(script);
    const js = await app.inject({ method: 'GET', url: script });
    assert.equal(js.statusCode, 200);
    assert.match(String(js.headers['content-type']), /javascript/);
    const missing = await app.inject({ method: 'GET', url: '/no-such-page' });
    assert.equal(missing.statusCode, 404);
    assert.match(String(missing.headers['content-type']), /problem\+json/);
  });
});
