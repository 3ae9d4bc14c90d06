import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideRequest, parseRequestText, compareRequest } from './decide-request.js';
import { loadContext } from './load-context.js';

const ctx = loadContext({});
const valid = {
  payer: 'bcbsma',
  dateOfService: '2025-09-15',
  drug: 'ketamine',
  route: 'intravenous',
  diagnosisCodes: ['G90.521'],
};

function rejected(input: unknown) {
  const r = decideRequest(input, ctx);
  assert.ok(!r.ok, 'expected a rejection');
  return r.error.error;
}

describe('request validation', () => {
  // Each row: the request, then the problem's code, status, path, and text the detail or hint must contain.
  const table: [string, unknown, string, number, string, RegExp][] = [
    [
      'unknown payer, with a suggestion',
      { ...valid, payer: 'bcbsmaa' },
      'unknown-payer',
      422,
      '/payer',
      /not one of: bcbsal, bcbsm, bcbsma, bcbsri, bcn, medica/,
    ],
    [
      'missing payer',
      { dateOfService: '2025-09-15' },
      'missing-field',
      422,
      '/payer',
      /'payer' is required/,
    ],
    [
      'missing date of service',
      { payer: 'bcbsma' },
      'missing-field',
      422,
      '/dateOfService',
      /'dateOfService' is required/,
    ],
    [
      'date in the wrong form',
      { ...valid, dateOfService: '09/15/2025' },
      'invalid-date',
      422,
      '/dateOfService',
      /YYYY-MM-DD/,
    ],
    [
      'date that is not on the calendar',
      { ...valid, dateOfService: '2025-02-30' },
      'invalid-date',
      422,
      '/dateOfService',
      /not a calendar date/,
    ],
    [
      'wrong type',
      { ...valid, medicarePrimary: 'yes' },
      'wrong-type',
      422,
      '/medicarePrimary',
      /must be a boolean, not the string "yes"/,
    ],
    [
      'codes not in an array',
      { ...valid, diagnosisCodes: 'G90.521' },
      'wrong-type',
      422,
      '/diagnosisCodes',
      /must be an array/,
    ],
    [
      'unknown enum value',
      { ...valid, lineOfBusiness: 'ppo' },
      'unknown-value',
      422,
      '/lineOfBusiness',
      /not one of: commercial, aso/,
    ],
    [
      'route abbreviation, with the right value as hint',
      { ...valid, route: 'IV' },
      'unknown-value',
      422,
      '/route',
      /intravenous/,
    ],
    [
      'unknown field, with the right name as hint',
      { ...valid, dateofservice: '2025-09-15' },
      'unknown-field',
      422,
      '/dateofservice',
      /did you mean 'dateOfService'/,
    ],
    [
      'malformed diagnosis code',
      { ...valid, diagnosisCodes: ['G90.521', 'CRPS'] },
      'malformed-code',
      422,
      '/diagnosisCodes/1',
      /'CRPS' is not an ICD-10-CM code/,
    ],
    [
      'malformed procedure code',
      { ...valid, procedureCodes: ['96365', 'J34900'] },
      'malformed-code',
      422,
      '/procedureCodes/1',
      /not a CPT or HCPCS code/,
    ],
    [
      'too many codes',
      { ...valid, diagnosisCodes: Array(51).fill('G90.521') },
      'invalid-value',
      422,
      '/diagnosisCodes',
      /at most 50/,
    ],
    [
      'unknown indication',
      { ...valid, indication: 'trd' },
      'unknown-value',
      422,
      '/indication',
      /not an indication family/,
    ],
    ['not an object', [valid], 'wrong-type', 422, '', /must be a JSON object, not an array/],
  ];
  for (const [name, input, code, status, path, text] of table) {
    it(`rejects ${name}`, () => {
      const e = rejected(input);
      assert.equal(e.code, code);
      assert.equal(e.status, status);
      assert.equal(e.path, path);
      assert.match(`${e.detail} ${e.hint ?? ''}`, text);
      assert.ok(e.title.length > 0);
    });
  }

  it('reports every problem, first at top level', () => {
    const e = rejected({ payer: 'acme', dateOfService: '2025-13-01', route: 'iv' });
    assert.equal(e.problems?.length, 3);
    assert.deepEqual(e.problems?.map((p) => p.path).sort(), ['/dateOfService', '/payer', '/route']);
  });

  it('caps the problems it lists', () => {
    const e = rejected({ ...valid, diagnosisCodes: Array(40).fill('bad code') });
    assert.equal(e.problems?.length, 20);
  });

  it('rejects malformed JSON with status 400', () => {
    const r = parseRequestText('{"payer": "bcbsma",');
    assert.ok(!r.ok);
    assert.equal(r.error.error.status, 400);
    assert.equal(r.error.error.code, 'invalid-json');
  });

  it('never coerces: a numeric string is not a boolean, and the request object is left as given', () => {
    const input = { ...valid, providerParticipating: 'true' };
    rejected(input);
    assert.equal(input.providerParticipating, 'true');
  });

  it('defaults lineOfBusiness to commercial', () => {
    const r = decideRequest({ ...valid, planType: 'hmo' }, ctx);
    assert.ok(r.ok);
    assert.equal(r.determination.outcome, 'not-covered');
  });

  it('a compare request takes no payer', () => {
    const r = compareRequest(valid, ctx);
    assert.ok(!r.ok);
    assert.equal(r.error.error.path, '/payer');
    const ok = compareRequest({ ...valid, payer: undefined }, ctx);
    assert.ok(!ok.ok || ok.determinations.length === 6);
  });
});
