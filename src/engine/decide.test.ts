import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { describe, it } from 'node:test';
import { packageRoot } from '../package-root.js';
import { decideRequest } from '../service/decide-request.js';
import { loadContext } from '../service/load-context.js';

const ctx = loadContext({});
const base = {
  payer: 'bcbsal',
  dateOfService: '2025-09-15',
  drug: 'ketamine',
  route: 'intravenous',
};

function decided(input: Record<string, unknown>, explain = false) {
  const r = decideRequest(input, ctx, { explain });
  assert.ok(r.ok, JSON.stringify(!r.ok && r.error));
  return r.determination;
}

describe('engine', () => {
  it('is deterministic: the same request gives the same determination', () => {
    const req = { ...base, diagnosisCodes: ['F33.1', 'G90.521'], procedureCodes: ['96365'] };
    assert.deepEqual(decided(req), decided(req));
  });

  it('carries nothing from one decision to the next: interleaved requests decide as alone', () => {
    const a = { ...base, diagnosisCodes: ['F33.1', 'G90.521'], procedureCodes: ['96365'] };
    const b = {
      ...base,
      drug: undefined,
      route: undefined,
      diagnosisCodes: ['Z99.89', 'Z99.81'],
      procedureCodes: ['96372', 'J2001'],
    };
    const [a1, b1] = [decided(a), decided(b)];
    assert.deepEqual(decided(a), a1);
    assert.deepEqual(decided(b), b1);
    assert.notDeepEqual(a1, b1);
  });

  it('shares the request-independent warnings: built once, frozen, not rebuilt per decision', () => {
    // bcbsm after its announced review date, and a date past the newest ICD-10-CM release.
    const req = {
      ...base,
      payer: 'bcbsm',
      dateOfService: '2026-11-02',
      diagnosisCodes: ['G90.521'],
    };
    const [a, b] = [decided(req), decided(req)];
    for (const code of ['policy-review-overdue', 'code-set-date']) {
      const wa = a.warnings.find((w) => w.code === code);
      assert.ok(wa, `${code} missing`);
      assert.equal(
        wa,
        b.warnings.find((w) => w.code === code),
        `${code} rebuilt`,
      );
      assert.ok(Object.isFrozen(wa), `${code} not frozen`);
    }
  });

  it('shares code and silence warnings: one frozen object per code (and date), per silence and subject', () => {
    const req = {
      ...base,
      procedureCodes: ['96365', 'J9999'],
      diagnosisCodes: ['G43.909', 'G90.5'],
    };
    const [a, b] = [decided(req), decided({ ...req, diagnosisCodes: ['g43909', 'G90.5'] })];
    assert.deepEqual(
      a.warnings.map((w) => w.code),
      ['header-code', 'code-not-in-shipped-set', 'text-silent'],
    );
    a.warnings.forEach((w, i) => {
      assert.equal(w, b.warnings[i], `${w.code} rebuilt`);
      assert.ok(Object.isFrozen(w), `${w.code} not frozen`);
    });
    // A header on another date says so: the date is in the words.
    const later = decided({ ...req, dateOfService: '2025-09-16' }).warnings[0]!;
    assert.match(later.message, /header \(non-billable\) code on 2025-09-16/);
  });

  it('names every diagnosis a silence touches, and shares the warning of one diagnosis', () => {
    const req = { ...base, procedureCodes: ['96365'], diagnosisCodes: ['F17.210'] };
    const silent = (d: ReturnType<typeof decided>) =>
      d.warnings.find((w) => w.code === 'text-silent');
    const [a, b] = [silent(decided(req)), silent(decided(req))];
    assert.match(a!.message, /PTSD\) \(F17\.210 \(substance-use\)\); this answer/);
    assert.equal(a, b, 'text-silent rebuilt');
    assert.ok(Object.isFrozen(a));
    const both = silent(decided({ ...req, diagnosisCodes: ['F17.210', 'F10.20'] }));
    assert.match(both!.message, /\(F17\.210 \(substance-use\), F10\.20 \(substance-use\)\)/);
  });

  it('shares out-of-scope reasons: one frozen list per policy, drug, route and diagnoses', () => {
    const oos = (input: Record<string, unknown>) => {
      const [a, b] = [decided(input), decided(input)];
      assert.equal(a.outcome, 'out-of-scope');
      assert.equal(a.reasons, b.reasons, `${a.reasons[0]?.rule} rebuilt`);
      assert.ok(Object.isFrozen(a.reasons));
      return a.reasons[0]!;
    };
    // A diagnosis no statement speaks to, alone and with another; then for another drug.
    const one = oos({ ...base, diagnosisCodes: ['Z99.89'] });
    assert.equal(one.rule, 'scope:indication');
    assert.match(one.text, /speak to Z99\.89 for ketamine\.$/);
    const two = oos({ ...base, diagnosisCodes: ['Z99.89', 'Z99.81'] });
    assert.match(two.text, /speak to Z99\.89, Z99\.81 for ketamine\.$/);
    const other = oos({ ...base, drug: 'lidocaine', diagnosisCodes: ['Z99.89'] });
    assert.match(other.text, /speak to Z99\.89 for lidocaine\.$/);
    // The same diagnoses for another drug, and in the other order, have words of their own.
    const twoOther = oos({ ...base, drug: 'lidocaine', diagnosisCodes: ['Z99.89', 'Z99.81'] });
    assert.match(twoOther.text, /speak to Z99\.89, Z99\.81 for lidocaine\.$/);
    const reversed = oos({ ...base, diagnosisCodes: ['Z99.81', 'Z99.89'] });
    assert.match(reversed.text, /speak to Z99\.81, Z99\.89 for ketamine\.$/);
    // Found by the diagnoses in order: a longer list sharing a prefix has its own words.
    const three = oos({ ...base, diagnosisCodes: ['Z99.89', 'Z99.81', 'Z99.11'] });
    assert.match(three.text, /speak to Z99\.89, Z99\.81, Z99\.11 for ketamine\.$/);
    assert.notEqual(three, two);
    // Before the first version.
    assert.match(oos({ ...base, dateOfService: '2001-01-02' }).rule!, /^version:/);
  });

  it('imports nothing that does I/O', () => {
    const dir = join(packageRoot(), 'src/engine');
    const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter(
      (f) => f.endsWith('.ts') && !f.endsWith('.test.ts'),
    );
    assert.ok(files.length >= 5);
    for (const f of files) {
      const text = readFileSync(join(dir, f), 'utf8');
      assert.doesNotMatch(
        text,
        /from ['"]node:|from ['"](fs|path|http|net|child_process)['"]|process\.env|Date\.now\(|new Date\(\)/,
        `${f} reaches outside the engine`,
      );
      for (const m of text.matchAll(/from '(\.\.\/[^']+)'/g)) {
        // Resolved from the src directory: the engine's own modules, the model, pure terminology.
        const target = relative(join(dir, '..'), join(dir, dirname(f), m[1]!))
          .split(sep)
          .join('/');
        assert.match(
          target,
          /^(model|engine|terminology\/(code-format|code-system|code-validity|drugs|indications|terminology))\b/,
          `${f} imports ${m[1]}`,
        );
      }
    }
  });

  it('gives every reason of a decided outcome a verbatim citation', () => {
    for (const payer of ctx.policySet.payers) {
      const d = decided({ ...base, payer, diagnosisCodes: ['G90.521'] });
      assert.equal(d.outcome, 'not-covered', payer);
      for (const r of d.reasons) assert.ok(r.citation?.quote, `${payer}: ${r.text}`);
    }
  });

  it('passes over comorbidity codes in no value set and decides on the first that is', () => {
    const d = decided({ ...base, diagnosisCodes: ['E78.5', 'G90.521'] });
    assert.equal(d.indication, 'crps');
    assert.equal(d.outcome, 'not-covered');
  });

  it('lets the first applicable diagnosis decide and names a later one that differs', () => {
    const d = decided({ ...base, payer: 'bcbsri', diagnosisCodes: ['G89.3', 'G89.29'] });
    assert.equal(d.outcome, 'out-of-scope');
    assert.equal(d.indication, 'cancer-pain');
    const w = d.warnings.find((x) => x.code === 'other-diagnosis-differs');
    assert.ok(w && w.message.includes('G89.29'), JSON.stringify(d.warnings));
  });

  it('does not warn when later diagnoses agree', () => {
    const d = decided({ ...base, diagnosisCodes: ['G90.521', 'M79.7'] });
    assert.deepEqual(d.warnings, []);
  });

  it('names a drug that conflicts with the drug code', () => {
    const d = decided({ ...base, procedureCodes: ['J2001'], diagnosisCodes: ['G90.521'] });
    assert.ok(d.warnings.some((w) => w.code === 'drug-code-conflict' && w.subject === 'J2001'));
    assert.equal(d.drug, 'ketamine');
  });

  it('names a route that conflicts with the administration code', () => {
    const d = decided({
      ...base,
      route: 'intramuscular',
      procedureCodes: ['96365'],
      diagnosisCodes: ['G90.521'],
    });
    assert.ok(d.warnings.some((w) => w.code === 'route-code-conflict' && w.subject === '96365'));
    assert.equal(d.outcome, 'out-of-scope');
  });

  it('asks for the route when codes allow routes the policy decides differently', () => {
    const d = decided({
      ...base,
      route: undefined,
      procedureCodes: ['96365', '96372'],
      diagnosisCodes: ['G90.521'],
    });
    assert.equal(d.outcome, 'needs-info');
    assert.deepEqual(d.missing, ['route']);
  });

  it('traces only when asked, and then names version, value-set entry and rule', () => {
    assert.equal(decided({ ...base, diagnosisCodes: ['G90.521'] }).trace, undefined);
    const steps = decided({ ...base, diagnosisCodes: ['G90.521'] }, true).trace!.map(
      (t) => `${t.step}: ${t.detail}`,
    );
    assert.ok(steps.some((s) => s.startsWith('version: bcbsal-mp-446: version 2024-11')));
    assert.ok(steps.some((s) => s.includes('G90.521 is in value set crps (entry G90.5)')));
    assert.ok(steps.some((s) => s.startsWith('statement:') && s.includes('chronic-pain')));
  });

  it('carries the policy-set revision on every determination', () => {
    assert.equal(
      decided({ ...base, diagnosisCodes: ['G90.521'] }).revision,
      ctx.policySet.revision,
    );
  });
});
