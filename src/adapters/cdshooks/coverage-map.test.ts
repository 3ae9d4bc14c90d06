import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadContext } from '../../service/load-context.js';
import { compileCoverageMap, loadCoverageMap, selectCoverage } from './coverage-map.js';

const map = loadCoverageMap();
const cov = (payor: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  resourceType: 'Coverage',
  id: 'c',
  status: 'active',
  payor: [payor],
  ...extra,
});
const pick = (c: Record<string, unknown>[], orgs = new Map<string, Record<string, unknown>>()) => {
  const s = selectCoverage(c, map, orgs, '2025-09-15');
  return s.kind === 'ours' ? s.coverage : s.kind;
};

describe('payer and plan mapping (policies/crd-coverage-map.yaml)', () => {
  it('names exactly the payers the policy set has', () => {
    const ctx = loadContext({});
    assert.deepEqual(map.payers.map((p) => p.payer).sort(), [...ctx.policySet.payers].sort());
  });

  it('finds the payer by identifier, by display, or by the payor Organization’s name', () => {
    assert.equal(
      (
        pick([cov({ identifier: { system: 'urn:medpolicy:payer', value: 'bcn' } })]) as {
          payer: string;
        }
      ).payer,
      'bcn',
    );
    assert.equal(
      (pick([cov({ display: 'BLUE CROSS & BLUE SHIELD OF RHODE ISLAND' })]) as { payer: string })
        .payer,
      'bcbsri',
    );
    const orgs = new Map([
      ['Organization/o1', { resourceType: 'Organization', id: 'o1', name: 'Blue Care Network' }],
    ]);
    assert.equal(
      (pick([cov({ reference: 'Organization/o1' })], orgs) as { payer: string }).payer,
      'bcn',
    );
  });

  it('does not mistake Medicare for Medica, or a foreign payer for one of ours', () => {
    assert.equal(pick([cov({ display: 'Medicare' })]), 'foreign');
    assert.equal(pick([cov({ display: 'Acme Health Plan' })]), 'foreign');
    assert.equal(pick([{ ...cov({ display: 'Medica' }), status: 'cancelled' }]), 'none');
    assert.equal(pick([cov({ display: 'Medica' }, { period: { end: '2024-12-31' } })]), 'none');
  });

  it('maps a payer’s own plan names and the generic coverage types to line of business and plan type', () => {
    const ma = pick([
      cov({ display: 'BCBSMA' }, { class: [{ value: 'x', name: 'Medicare PPO Blue' }] }),
    ]) as unknown as Record<string, unknown>;
    assert.equal(ma['lineOfBusiness'], 'medicare-advantage');
    assert.equal(ma['planType'], 'ppo');
    const fep = pick([
      cov(
        { display: 'Blue Cross and Blue Shield of Alabama' },
        { class: [{ value: 'x', name: 'Federal Employee Program Standard' }] },
      ),
    ]) as unknown as Record<string, unknown>;
    assert.equal(fep['lineOfBusiness'], 'fep');
    const sopt = pick([
      cov(
        { display: 'Medica' },
        { type: { coding: [{ system: 'https://nahdo.org/sopt', code: '514' }] } },
      ),
    ]) as unknown as Record<string, unknown>;
    assert.equal(sopt['lineOfBusiness'], 'commercial');
    assert.equal(sopt['planType'], 'epo');
  });

  it('sets medicarePrimary from another active Medicare coverage ranked first', () => {
    const r = pick([
      cov({ display: 'Medica' }, { id: 'm', order: 2 }),
      cov({ display: 'Medicare Part B' }, { id: 'mc', order: 1 }),
    ]) as unknown as Record<string, unknown>;
    assert.equal(r['medicarePrimary'], true);
    assert.equal(r['reference'], 'Coverage/m');
    const secondary = pick([
      cov({ display: 'Medica' }, { order: 1 }),
      cov({ display: 'Medicare' }, { id: 'x', order: 2 }),
    ]) as unknown as Record<string, unknown>;
    assert.equal(secondary['medicarePrimary'], false);
  });

  it('rejects a table with an unknown line of business', () => {
    assert.throws(
      () =>
        compileCoverageMap({
          payers: [{ payer: 'x', plans: [{ value: 'a', lineOfBusiness: 'gold' }] }],
        }),
      /unknown lineOfBusiness gold/,
    );
  });
});
