import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { windowOn, type CodeSystem } from './code-system.js';
import { dateNumber } from '../model/calendar-date.js';
import { billableOn, codeValidities } from './code-validity.js';
import { loadTerminology } from './load-terminology.js';

const t = loadTerminology({});

/** Every date a window starts or ends on, and the days either side: where validity changes. */
function edges(cs: CodeSystem, codes: Iterable<string>): string[] {
  const dates = new Set(['1899-12-31', '2015-09-30', '2015-10-01', '2025-09-15', '2099-01-01']);
  for (const code of codes)
    for (const w of cs.get(code)?.windows ?? []) {
      for (const d of [w.from, w.to]) {
        if (d === undefined) continue;
        const day = Date.parse(`${d}T00:00:00Z`);
        for (const delta of [-1, 0, 1])
          dates.add(new Date(day + delta * 86_400_000).toISOString().slice(0, 10));
      }
    }
  return [...dates];
}

const CHANGED_ICD10CM = [
  'G905',
  'G9050',
  'G90521',
  'R51',
  'R519',
  'F32A',
  'I472',
  'I4720',
  'G43E09',
  'M5450',
  'M545',
  'F0390',
];

describe('code validity, precomputed per code', () => {
  for (const system of ['icd10cm', 'hcpcs', 'cpt'] as const) {
    it(`${system}: billable on a date exactly when the window in force that day is billable`, () => {
      const cs = t[system];
      // ICD-10-CM is large (listing it takes seconds): every value-set entry, and codes whose
      // status changed (headers that gained children, codes added or deleted).
      const sample =
        system === 'icd10cm'
          ? [...t.indications.entries.keys(), ...CHANGED_ICD10CM]
          : [...cs.all()].map((r) => r.code);
      sample.push('ZZZ99', 'Q9999', '0000T');
      const dates = edges(cs, sample);
      assert.ok(
        sample.length > 5 && dates.length > 5,
        `${sample.length} codes, ${dates.length} dates`,
      );
      const validities = codeValidities(cs);
      let billable = 0;
      for (const code of sample) {
        const v = validities.get(code);
        assert.equal(validities.get(code), v, 'computed once');
        for (const d of dates) {
          const record = cs.get(code);
          const expected = record ? windowOn(record, d)?.billable === true : false;
          assert.equal(billableOn(v, dateNumber(d)), expected, `${code} on ${d}`);
          if (expected) billable++;
        }
      }
      assert.ok(billable > 0);
      if (system === 'icd10cm')
        assert.ok(
          sample.some((c) => (cs.get(c)?.windows.length ?? 0) > 1),
          'a code whose status changed',
        );
    });
  }
});
