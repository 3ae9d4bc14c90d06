import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideRequest } from '../../service/decide-request.js';
import { loadContext } from '../../service/load-context.js';
import { instructionsCard } from './cards.js';

const ctx = loadContext({});

function card(request: Record<string, unknown>) {
  const r = decideRequest(request, ctx);
  assert.ok(r.ok);
  const c = instructionsCard({
    determination: r.determination,
    payerLabel: 'Payer',
    orderLabel: 'MedicationRequest/1 (ketamine)',
    orderPhrase: 'intravenous ketamine',
    orderReference: 'MedicationRequest/1',
    version: '2.2',
    newId: () => '00000000-0000-4000-8000-000000000001',
  }) as { summary: string; detail: string } | undefined;
  assert.ok(c, 'no instructions card');
  return c;
}

describe('CRD instructions card', () => {
  const base = { dateOfService: '2025-09-15', drug: 'ketamine', route: 'intravenous' };

  it('names the kind of out-of-scope in words: a referral is not "not restricted"', () => {
    const c = card({ ...base, payer: 'bcbsma', diagnosisCodes: ['F33.2'] });
    assert.match(c.summary, /is not decided by a medical policy \(refers elsewhere\)/);
    assert.match(c.detail, /sends this case to another policy/);
    assert.match(c.detail, /See policy #087/);
  });

  it('tells an excluded use from a product the policy does not govern', () => {
    const excluded = card({ ...base, payer: 'bcbsal', diagnosisCodes: ['G89.3'] });
    assert.match(excluded.summary, /\(excluded use\)/);
    const product = card({
      ...base,
      payer: 'bcbsma',
      lineOfBusiness: 'fep',
      diagnosisCodes: ['G90.521'],
    });
    assert.match(product.summary, /\(product not governed\)/);
    assert.match(product.detail, /not one this policy governs/);
  });

  it('keeps the basis for a decided not-covered', () => {
    const c = card({ ...base, payer: 'bcbsal', diagnosisCodes: ['G90.521'] });
    assert.match(c.summary, /is not covered \(investigational\)/);
    assert.doesNotMatch(c.detail, /another policy|governs/);
  });
});
