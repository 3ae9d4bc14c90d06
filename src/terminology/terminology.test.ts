import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { packageRoot } from '../package-root.js';
import { decideRequest } from '../service/decide-request.js';
import { loadContext } from '../service/load-context.js';
import { parseOrderFile, releaseFromFileName } from './cms-order-file.js';
import { classifyProcedureCode, normalizeIcd10cm } from './code-format.js';
import { windowOn } from './code-system.js';
import { loadTerminology, readIndicationValueSets } from './load-terminology.js';

const shipped = loadTerminology({});
const FY2021 = join(packageRoot(), '../shared/data/icd10cm-fy2021/icd10cm-order-Jan-2021.txt.gz');

describe('code formats', () => {
  it('accepts ICD-10-CM with or without the dot, in either case', () => {
    assert.equal(normalizeIcd10cm('G90.521'), 'G90521');
    assert.equal(normalizeIcd10cm('g90521'), 'G90521');
    assert.equal(normalizeIcd10cm(' f32.a '), 'F32A');
    assert.equal(
      normalizeIcd10cm('QA0.0101'),
      'QA00101',
      'FY2026 brought a letter in the second place',
    );
  });
  it('rejects what is not shaped like an ICD-10-CM code', () => {
    for (const bad of [
      'G9',
      '90.521',
      'G90.5211X',
      'G905.21',
      'ketamine',
      '',
      'G90..5',
      'CRPS',
      'ABC',
    ]) {
      assert.equal(normalizeIcd10cm(bad), undefined, bad);
    }
  });
  it('tells CPT numbers from HCPCS Level II codes and rejects the rest', () => {
    assert.deepEqual(classifyProcedureCode('96365'), { system: 'cpt', code: '96365' });
    assert.deepEqual(classifyProcedureCode('0001T'), { system: 'cpt', code: '0001T' });
    assert.deepEqual(classifyProcedureCode('j3490'), { system: 'hcpcs', code: 'J3490' });
    for (const bad of ['9636', 'J349', 'Z1234', 'G90.521', 'IV'])
      assert.equal(classifyProcedureCode(bad), undefined, bad);
  });
});

describe('CMS ICD-10-CM order files', () => {
  it('parses the fixed columns and rejects a line that does not fit, with its number', () => {
    const ok =
      '00001 A00     0 Cholera                                                      Cholera\n00002 A000    1 Cholera due to Vibrio cholerae 01, biovar cholerae           long';
    assert.deepEqual(parseOrderFile(ok), [
      { code: 'A00', billable: false, short: 'Cholera' },
      { code: 'A000', billable: true, short: 'Cholera due to Vibrio cholerae 01, biovar cholerae' },
    ]);
    assert.throws(
      () => parseOrderFile(ok + '\nnot a line'),
      /order file:3: not a CMS ICD-10-CM order-file line/,
    );
  });
  it('reads the fiscal year and effective window from CMS file names', () => {
    assert.deepEqual(releaseFromFileName('icd10cm_order_2026.txt'), {
      label: 'FY2026',
      fiscalYear: 2026,
      effectiveFrom: '2025-10-01',
      effectiveTo: '2026-09-30',
    });
    assert.equal(releaseFromFileName('icd10cm-order-Jan-2021.txt.gz').effectiveFrom, '2020-10-01');
    assert.equal(releaseFromFileName('icd10cm-order-April-2024.txt').effectiveFrom, '2024-04-01');
    assert.throws(() => releaseFromFileName('codes.txt'), /MEDPOLICY_ICD10CM_FY/);
  });

  it(
    'loads the complete FY2021 release an operator points at',
    { skip: existsSync(FY2021) ? false : `${FY2021} not present` },
    () => {
      const t = loadTerminology({ icd10cmFiles: [FY2021], icd10cmOnlyLoaded: true });
      assert.equal(t.icd10cm.version, 'ICD-10-CM FY2021 (loaded from CMS files)');
      assert.deepEqual(t.icd10cm.covers, { from: '2020-10-01', to: '2021-09-30' });
      assert.ok([...t.icd10cm.all()].length > 90_000);
      assert.equal(windowOn(t.icd10cm.get('G905')!, '2021-01-01')!.billable, false);
      assert.equal(windowOn(t.icd10cm.get('G90521')!, '2021-01-01')!.billable, true);
      assert.ok(t.icd10cm.get('Z79891'));
      assert.equal(t.icd10cm.get('I4720'), undefined, 'I47.20 came in FY2023');
    },
  );

  it(
    'decides against the loaded release: codes it lacks and dates it does not cover are named',
    { skip: existsSync(FY2021) ? false : `${FY2021} not present` },
    () => {
      const ctx = loadContext({ icd10cmFiles: [FY2021], icd10cmOnlyLoaded: true });
      const r = decideRequest(
        {
          payer: 'bcbsma',
          dateOfService: '2025-09-15',
          drug: 'lidocaine',
          route: 'intravenous',
          diagnosisCodes: ['I47.20', 'Z79.891'],
        },
        ctx,
      );
      assert.ok(r.ok);
      const codes = r.determination.warnings.map((w) => `${w.code}:${w.subject}`);
      assert.ok(codes.includes('unknown-code:I47.20'), codes.join());
      assert.ok(codes.includes('code-set-date:icd10cm'), codes.join());
      assert.ok(!codes.some((c) => c.endsWith('Z79.891')), 'Z79.891 is in the complete release');
      const inYear = decideRequest(
        {
          payer: 'bcbsma',
          dateOfService: '2021-03-01',
          drug: 'ketamine',
          route: 'intravenous',
          diagnosisCodes: ['G90.5'],
        },
        ctx,
      );
      assert.ok(inYear.ok);
      assert.deepEqual(
        inYear.determination.warnings.map((w) => w.code),
        ['header-code'],
      );
    },
  );
});

describe('shipped ICD-10-CM history', () => {
  const icd = shipped.icd10cm;
  it('says what it is', () => {
    assert.match(icd.version, /ICD-10-CM FY2021 to FY2026/);
  });
  it('knows R51 was billable before FY2021 and a header after', () => {
    assert.equal(windowOn(icd.get('R51')!, '2019-05-01')!.billable, true);
    assert.equal(windowOn(icd.get('R51')!, '2021-05-01')!.billable, false);
    assert.equal(windowOn(icd.get('R519')!, '2019-05-01'), undefined);
  });
  it('knows codes added after the base release from their effective date', () => {
    assert.equal(windowOn(icd.get('F32A')!, '2021-09-30'), undefined);
    assert.equal(windowOn(icd.get('F32A')!, '2021-10-01')!.billable, true);
    assert.equal(windowOn(icd.get('I472')!, '2022-10-01')!.billable, false);
    assert.equal(windowOn(icd.get('I4720')!, '2022-10-01')!.billable, true);
  });
  it('holds no code before ICD-10-CM began', () => {
    assert.equal(windowOn(icd.get('G90521')!, '2015-09-30'), undefined);
  });
  it('knows the HCPCS lidocaine codes from 10/1/24 and S0013 until its termination', () => {
    assert.equal(windowOn(shipped.hcpcs.get('J2003')!, '2024-09-30'), undefined);
    assert.ok(windowOn(shipped.hcpcs.get('J2003')!, '2024-10-01'));
    assert.ok(windowOn(shipped.hcpcs.get('S0013')!, '2025-12-31'));
    assert.equal(windowOn(shipped.hcpcs.get('S0013')!, '2026-01-01'), undefined);
    assert.equal(shipped.hcpcs.get('J3490')!.drug, undefined);
  });
});

describe('indication value sets', () => {
  // Representative codes of the seed families, pinned by hand. A family an analyst adds to the value
  // sets needs no row here: the corpus-derived checks below cover every family in the file.
  const REPRESENTATIVES: Record<string, string[]> = {
    'chronic-pain': ['G89.29', 'G89.4', 'G89.21'],
    'chronic-neuropathic-pain': ['G50.0'],
    'neuropathy-unspecified': ['M79.2', 'G62.9'],
    crps: ['G90.521', 'G90.50', 'G56.41', 'G57.73'],
    'postherpetic-neuralgia': ['B02.23', 'B02.29'],
    'diabetic-neuropathy': ['E11.42', 'E10.40', 'E13.41', 'E08.42', 'E09.40'],
    'phantom-limb-pain': ['G54.6'],
    'central-pain': ['G89.0'],
    'chronic-daily-headache': ['G43.709', 'G43.719', 'G44.229', 'G44.51', 'G44.52', 'G44.041'],
    fibromyalgia: ['M79.7'],
    migraine: ['G43.009', 'G43.119', 'G43.909'],
    'headache-unspecified': ['R51.9', 'G44.40'],
    'cancer-pain': ['G89.3'],
    'acute-pain': ['G89.18', 'G89.11'],
    'cardiac-arrhythmia': ['I47.20', 'I48.91', 'I49.9'],
    psychiatric: ['F41.1', 'F20.9', 'F43.22', 'F60.3', 'F90.0', 'F32.81', 'F34.1', 'F99'],
    depression: ['F32.2', 'F33.1', 'F32.A', 'F33.41'],
    'bipolar-disorder': ['F31.2', 'F31.0'],
    'bipolar-depression': ['F31.31', 'F31.4', 'F31.5', 'F31.76'],
    ocd: ['F42.2', 'F42.9'],
    ptsd: ['F43.10', 'F43.12'],
    'suicidal-ideation': ['R45.851'],
    'substance-use': ['F10.20', 'F11.20', 'F19.10'],
    'neurocognitive-developmental': ['F03.90', 'F84.0', 'F70'],
  };
  const idx = shipped.indications;

  it('classifies representative codes of every family', () => {
    for (const [family, codes] of Object.entries(REPRESENTATIVES)) {
      for (const code of codes)
        assert.equal(idx.classify(normalizeIcd10cm(code)!)?.family, family, code);
    }
  });
  // One pass over the whole code set (about 98,000 codes) for both tests below.
  const familiesWithCodes = new Set<string>();
  for (const r of shipped.icd10cm.all()) {
    const f = idx.classify(r.code)?.family;
    if (f) familiesWithCodes.add(f);
  }
  it('every family the value sets give codes places at least one shipped code in itself', () => {
    const file = readIndicationValueSets();
    const withCodes = file.families.filter((f) => (f.codes?.length ?? 0) > 0).map((f) => f.id);
    assert.ok(withCodes.length >= Object.keys(REPRESENTATIVES).length);
    for (const f of withCodes)
      assert.ok(familiesWithCodes.has(f), `${f}: its codes match no shipped ICD-10-CM code`);
    for (const f of familiesWithCodes)
      assert.ok(withCodes.includes(f), `${f} classifies codes but lists none`);
  });
  it('leaves unrelated codes unclassified', () => {
    for (const code of ['E78.5', 'I10', 'G54.7', 'Z79.891', 'M54.50'])
      assert.equal(idx.classify(normalizeIcd10cm(code)!), undefined, code);
  });
  it('places families in the hierarchy the statements rely on', () => {
    assert.ok(idx.lineage('crps').has('chronic-pain'));
    assert.ok(idx.lineage('treatment-resistant-depression').has('psychiatric'));
    assert.ok(idx.lineage('substance-use').has('mental-health'));
    assert.ok(!idx.lineage('substance-use').has('psychiatric'));
    assert.ok(!idx.lineage('cancer-pain').has('chronic-pain'));
  });
  it('matches only codes that exist in the shipped ICD-10-CM set', () => {
    for (const family of Object.keys(REPRESENTATIVES))
      assert.ok(familiesWithCodes.has(family), `${family} matches no shipped code`);
  });
});
