import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadContext } from '../service/load-context.js';
import { validateCoverageRequest } from '../service/validate-request.js';
import { decide } from './decide.js';

const ctx = loadContext({});
const req = (r: Record<string, unknown>) => {
  const v = validateCoverageRequest(r, ctx);
  assert.ok(v.ok);
  return v.value;
};

describe('decide with asOf', () => {
  const ptsd = req({
    payer: 'bcbsal',
    dateOfService: '2024-09-01',
    drug: 'ketamine',
    route: 'intravenous',
    diagnosisCodes: ['F43.10'],
  });

  it('chooses the version in force on asOf instead of on the date of service', () => {
    assert.equal(decide(ptsd, ctx.policySet, ctx.terminology).policy?.version, '2023-12');
    const then = decide(ptsd, ctx.policySet, ctx.terminology, { asOf: '2018-06-01' });
    assert.equal(then.policy?.version, '2014-10');
    assert.equal(then.outcome, 'out-of-scope');
    const before = decide(ptsd, ctx.policySet, ctx.terminology, { asOf: '2010-01-01' });
    assert.equal(before.policy, undefined);
  });

  it('keeps checking codes against the date of service', () => {
    const j2002 = req({
      payer: 'bcbsal',
      dateOfService: '2024-09-01',
      procedureCodes: ['96365', 'J2002'],
      diagnosisCodes: ['M79.7'],
    });
    const d = decide(j2002, ctx.policySet, ctx.terminology, { asOf: '2025-01-01' });
    assert.equal(d.policy?.version, '2024-11');
    assert.ok(d.warnings.some((w) => w.code === 'code-not-effective' && w.subject === 'J2002'));
  });
});
