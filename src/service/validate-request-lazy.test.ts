import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { compareRequest, decideRequest } from './decide-request.js';
import { loadContext } from './load-context.js';

// Its own file, so its own process (node --test): nothing else here has asked for Ajv yet.
const require = createRequire(import.meta.url);
const ajvLoaded = () => Object.keys(require.cache).some((k) => /[\\/]ajv[\\/]/.test(k));

describe('the schema validator is loaded lazily', () => {
  it('a process that sees only valid requests never loads Ajv; the first invalid one does', () => {
    const ctx = loadContext({});
    const request = {
      payer: 'bcbsal',
      dateOfService: '2025-09-15',
      drug: 'Ketamine HCl',
      route: 'intravenous',
      procedureCodes: ['96365', 'j3490'],
      diagnosisCodes: ['g90521', 'F33.2'],
    };
    assert.ok(decideRequest(request, ctx).ok);
    const { payer: _payer, ...forEveryPayer } = request;
    assert.ok(compareRequest(forEveryPayer, ctx).ok);
    assert.equal(ajvLoaded(), false);

    const r = decideRequest({ ...request, dateOfService: '2025/09/15' }, ctx);
    assert.ok(!r.ok);
    assert.equal(r.error.error.path, '/dateOfService');
    assert.equal(ajvLoaded(), true);
  });
});
