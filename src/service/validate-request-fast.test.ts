import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CoverageRequestSchema } from '../model/coverage-request.js';
import { LINES_OF_BUSINESS, PLAN_TYPES, ROUTES, SETTINGS } from '../model/vocabulary.js';
import { loadScenarioCases } from '../policies/scenario-cases.js';
import { loadContext } from './load-context.js';
import { fastValidator } from './validate-request-fast.js';
import { validateCompareRequest, validateCoverageRequest } from './validate-request.js';
import {
  fullyValidateCompareRequest,
  fullyValidateCoverageRequest,
} from './validate-request-full.js';

const ctx = loadContext({});
const fast = fastValidator(ctx);

// Boundary values from the schema's own limits, so they follow any change to it.
const SCHEMA = CoverageRequestSchema.properties;
const MAX_STRING = SCHEMA.payer.maxLength!;
const MAX_CODES = SCHEMA.diagnosisCodes.maxItems!;
const MAX_CODE = SCHEMA.diagnosisCodes.items.maxLength!;
assert.equal(SCHEMA.procedureCodes.maxItems, MAX_CODES);
assert.equal(SCHEMA.procedureCodes.items.maxLength, MAX_CODE);
for (const f of ['homePlan', 'drug', 'indication'] as const)
  assert.equal(SCHEMA[f].maxLength, MAX_STRING);

/**
 * The schema validator, the path every adapter calls and screening's validator agree: same
 * acceptance, same normalized value (field order included), same problems. So does the compare
 * path, on the same input without its payer.
 */
function agree(input: unknown, label: string): boolean {
  const a = fullyValidateCoverageRequest(input, ctx);
  assertSame(validateCoverageRequest(input, ctx), a, label);
  assertSame(fast.validate(input), a, label);
  let compareInput = input;
  if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
    compareInput = Object.fromEntries(Object.entries(input).filter(([k]) => k !== 'payer'));
    Object.setPrototypeOf(compareInput, Object.getPrototypeOf(input) as object | null);
  }
  assertSame(
    validateCompareRequest(compareInput, ctx),
    fullyValidateCompareRequest(compareInput, ctx),
    `compare: ${label}`,
  );
  return a.ok;
}

function assertSame(actual: unknown, expected: unknown, label: string): void {
  assert.deepEqual(actual, expected, label);
  assert.equal(JSON.stringify(actual), JSON.stringify(expected), label);
}

// Values that each field may take, valid and not: the mutations a fuzzer would try.
const VALUES: unknown[] = [
  undefined,
  null,
  true,
  false,
  0,
  1.5,
  '',
  ' ',
  'x',
  'bcbsma',
  'acme',
  'commercial',
  'fep',
  'ppo',
  'HMO',
  'outpatient',
  'office',
  'intravenous',
  'IV',
  'ketamine',
  '  Ketamine ',
  'esketamine',
  'Ketamine HCl',
  'LIDOCAINE  hydrochloride',
  'Ketalar',
  'magnesium sulfate',
  'ketamin',
  'infliximab',
  'crps',
  'treatment-resistant-depression',
  '2025-09-15',
  '2025-02-30',
  '09/15/2025',
  '2025-9-15',
  'x'.repeat(MAX_STRING),
  'x'.repeat(MAX_STRING + 1),
  'é'.repeat(MAX_STRING),
  '😀'.repeat(Math.ceil((MAX_STRING * 5) / 8)),
  '😀'.repeat(MAX_STRING),
  [],
  ['G90.521'],
  ['g90521', 'F33.2'],
  ['G90.521', 'CRPS'],
  ['96365', 'J3490'],
  ['96365', 'J34900'],
  [' j3490 '],
  [1],
  Array(MAX_CODES + 1).fill('G90.521'),
  Array(MAX_CODES).fill('G90.521'),
  Array(MAX_CODES).fill('96365'),
  Array(MAX_CODES + 1).fill('96365'),
  ['G90.521'.padEnd(MAX_CODE, '1')],
  ['G90.521'.padEnd(MAX_CODE + 1, '1')],
  [' j3490 '.padEnd(MAX_CODE, ' ')],
  [' j3490 '.padEnd(MAX_CODE + 1, ' ')],
  {},
  { 'primary-medicare-covered': true },
  { 'primary-medicare-covered': 'yes' },
  { 'primary-medicare-coverd': true },
  { 'Primary Medicare': 1 },
  { 'provider-participating': false },
  { 'provider-participating': true, 'medicare-primary': true, 'group-policy-exists': false },
  { 'home-plan-covers': false, 'fep-benefit-plan-covers': null },
  Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`fact-${i}`, true])),
];
const FIELDS = [
  'payer',
  'lineOfBusiness',
  'planType',
  'medicarePrimary',
  'providerParticipating',
  'homePlan',
  'groupPolicy',
  'dateOfService',
  'setting',
  'drug',
  'route',
  'indication',
  'procedureCodes',
  'diagnosisCodes',
  'facts',
  'dateofservice',
  'claimId',
  '__proto__',
];

describe('fast request validation', () => {
  it('agrees with the full validator on every scenario request', () => {
    let n = 0;
    for (const c of loadScenarioCases()) {
      agree(c.request, c.name);
      n++;
    }
    assert.ok(n > 100);
  });

  it('agrees on every single-field mutation of a valid request (accepting and rejecting)', () => {
    const base: Record<string, unknown> = {
      payer: 'bcbsma',
      lineOfBusiness: 'commercial',
      planType: 'ppo',
      dateOfService: '2025-09-15',
      setting: 'outpatient',
      drug: 'ketamine',
      route: 'intravenous',
      procedureCodes: ['96365', 'J3490'],
      diagnosisCodes: ['G90.521'],
      providerParticipating: true,
    };
    let accepted = 0;
    let rejected = 0;
    for (const f of FIELDS)
      for (const v of VALUES) {
        const input = JSON.parse(JSON.stringify({ ...base })) as Record<string, unknown>;
        if (v === undefined) delete input[f];
        else if (f === '__proto__') Object.defineProperty(input, f, { value: v, enumerable: true });
        else input[f] = v;
        if (agree(input, `${f} = ${JSON.stringify(v)}`)) accepted++;
        else rejected++;
      }
    assert.ok(accepted > 50 && rejected > 200, `${accepted} accepted, ${rejected} rejected`);
  });

  it('agrees on random requests, mostly valid (seeded)', () => {
    // Each field mostly takes one of its valid values, sometimes any value from VALUES, so
    // many requests are accepted by the fast path and many go to the full validator.
    const VALID: Record<string, unknown[]> = {
      payer: ['bcbsal', 'bcbsma', 'bcbsal'],
      lineOfBusiness: [...LINES_OF_BUSINESS],
      planType: [...PLAN_TYPES],
      medicarePrimary: [true, false],
      providerParticipating: [true, false],
      homePlan: ['bcbsma', 'x', 'x'.repeat(MAX_STRING)],
      groupPolicy: [true, false],
      dateOfService: ['2024-11-02', '2025-09-15', '2024-02-29', '2023-12-31'],
      setting: [...SETTINGS],
      drug: ['ketamine', '  Ketamine ', 'esketamine', 'infliximab'],
      route: [...ROUTES],
      indication: ['crps', 'treatment-resistant-depression'],
      procedureCodes: [[], ['96365'], ['96365', 'J3490'], [' j3490 '], ['0398T', '64555']],
      diagnosisCodes: [[], ['G90.521'], ['g90521', 'F33.2'], ['F32.A', 'M79.604']],
      facts: [
        {},
        { 'primary-medicare-covered': true },
        { 'home-plan-covers': false, 'group-policy-covers': true },
        { 'provider-participating': true },
        { 'medicare-primary': false, 'group-policy-exists': true },
      ],
    };
    let s = 12345;
    const r = () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
    let accepted = 0;
    let rejected = 0;
    let fastAccepted = 0;
    for (let i = 0; i < 3000; i++) {
      const input: Record<string, unknown> = {};
      for (const f of FIELDS) {
        const valid = VALID[f];
        if (valid) {
          if (f === 'payer' || f === 'dateOfService' || r() < 0.5)
            input[f] = r() < 0.96 ? pick(valid) : pick(VALUES);
        } else if (r() < 0.02) input[f] = pick(VALUES);
      }
      const before = fast.fullValidations;
      if (agree(input, JSON.stringify(input))) {
        accepted++;
        if (fast.fullValidations === before) fastAccepted++;
      } else rejected++;
    }
    assert.ok(
      fastAccepted > 1000 && rejected > 300,
      `${accepted} accepted (${fastAccepted} by the fast path), ${rejected} rejected`,
    );
    for (const v of VALUES) agree(v, `top level ${JSON.stringify(v)}`);
  });

  it('leaves batch envelope keys out of the request when asked to', () => {
    const input = { claimId: 'C1', claimLine: 2, payer: 'bcbsal', dateOfService: '2025-09-15' };
    const r = fast.validate(input, new Set(['claimId', 'claimLine']));
    assert.ok(r.ok);
    assert.equal((r.value as unknown as Record<string, unknown>).claimId, undefined);
    const bad = fast.validate({ ...input, payer: 'acme' }, new Set(['claimId', 'claimLine']));
    assert.ok(!bad.ok);
    assert.deepEqual(
      bad.problems.map((p) => p.path),
      ['/payer'],
    );
  });
});

describe('facts in a request', () => {
  const base = {
    payer: 'bcn',
    lineOfBusiness: 'medicare-supplement',
    dateOfService: '2025-09-15',
    diagnosisCodes: ['G90.521'],
  };
  const problems = (input: unknown) => {
    const r = fast.validate(input);
    assert.ok(!r.ok, 'expected a rejection');
    agree(input, JSON.stringify(input));
    return r.problems;
  };

  it('accepts known facts by the fast path, frozen, and folds a fact that spells a request field into it', () => {
    const before = fast.fullValidations;
    const r = fast.validate({
      ...base,
      facts: { 'primary-medicare-covered': true, 'provider-participating': false },
    });
    assert.ok(r.ok);
    assert.equal(fast.fullValidations, before, 'went to the full validator');
    assert.deepEqual(
      { ...r.value.facts },
      { 'primary-medicare-covered': true, 'provider-participating': false },
    );
    assert.ok(Object.isFrozen(r.value.facts));
    assert.equal(r.value.providerParticipating, false);
    const same = fast.validate({
      ...base,
      providerParticipating: false,
      facts: { 'provider-participating': false },
    });
    assert.ok(same.ok);
    const mp = fast.validate({
      ...base,
      facts: { 'medicare-primary': true, 'group-policy-exists': true },
    });
    assert.ok(mp.ok);
    assert.equal(mp.value.medicarePrimary, true);
    assert.equal(mp.value.groupPolicy, true);
  });

  it('gives a request without facts the one shared empty record, so every request has one shape', () => {
    const a = fast.validate(base);
    const b = fullyValidateCoverageRequest({ ...base, facts: {} }, ctx);
    assert.ok(a.ok && b.ok);
    assert.equal(a.value.facts, b.value.facts);
    assert.deepEqual(Object.keys(a.value), Object.keys(b.value));
  });

  it('refuses an unknown fact, naming /facts/<key> and the nearest id', () => {
    const [p, ...rest] = problems({ ...base, facts: { 'primary-medicare-coverd': true } });
    assert.equal(rest.length, 0);
    assert.equal(p!.code, 'unknown-fact');
    assert.equal(p!.status, 422);
    assert.equal(p!.path, '/facts/primary-medicare-coverd');
    assert.match(p!.hint!, /did you mean 'primary-medicare-covered'\?/);
    assert.match(p!.hint!, /policies\/valuesets\/facts\.yaml/);
  });

  it('refuses a fact that is not true or false', () => {
    const [p, ...rest] = problems({ ...base, facts: { 'primary-medicare-covered': 'yes' } });
    assert.equal(rest.length, 0);
    assert.equal(p!.code, 'wrong-type');
    assert.equal(p!.path, '/facts/primary-medicare-covered');
    assert.match(p!.hint!, /true or false/);
  });

  it('refuses a fact that disagrees with the request field it spells', () => {
    const [p, ...rest] = problems({
      ...base,
      providerParticipating: true,
      facts: { 'provider-participating': false },
    });
    assert.equal(rest.length, 0);
    assert.equal(p!.code, 'conflicting-fact');
    assert.equal(p!.path, '/facts/provider-participating');
    assert.match(p!.detail, /providerParticipating is true/);
    const [q] = problems({ ...base, medicarePrimary: false, facts: { 'medicare-primary': true } });
    assert.equal(q!.code, 'conflicting-fact');
  });

  it('refuses more than 32 facts', () => {
    const many = Object.fromEntries(
      Array.from({ length: 33 }, (_, i) => [
        i === 0 ? 'primary-medicare-covered' : `fact-${i}`,
        true,
      ]),
    );
    const ps = problems({ ...base, facts: many });
    assert.ok(
      ps.some((p) => p.path === '/facts' && /32/.test(p.detail)),
      JSON.stringify(ps),
    );
  });
});
