import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { packageRoot } from '../package-root.js';
import { decideRequest } from '../service/decide-request.js';
import { loadContext } from '../service/load-context.js';
import type { IcdRelease } from './cms-order-file.js';
import { windowOn } from './code-system.js';
import { extendHistory, historyCodeSystem, ICD10CM_START } from './icd10cm.js';
import {
  DESCRIPTIONS_FILE,
  formatDescriptionsTsv,
  formatHistoryTsv,
  HISTORY_FILE,
  readHistoryFiles,
} from './icd10cm-history-file.js';
import { historyFromReleases, windowsFromStatuses } from './icd10cm-history.js';
import { readReleaseDirs } from './icd10cm-release-dirs.js';
import { compileIndications } from './indications.js';
import { loadTerminology, TERMINOLOGY_YAML } from './load-terminology.js';
import type { IndicationValueSetFile } from '../model/policy.js';
import { yamlPackage } from '../lazy-packages.js';

const root = packageRoot();
const DATA = join(root, '../shared/data');
const noData = existsSync(join(DATA, 'icd10cm-fy2026'))
  ? false
  : `${DATA} (the CMS release files) is not present`;
const shipped = loadTerminology({});
const icd = shipped.icd10cm;
const status = (code: string, date: string) => {
  const r = icd.get(code);
  const w = r ? windowOn(r, date) : undefined;
  return !w ? 'not-valid' : w.billable ? 'billable' : 'header';
};

/** A hand-made release, as an operator's order file would give it. */
function release(fiscalYear: number, codes: [string, boolean][]): IcdRelease {
  return {
    label: `FY${fiscalYear}`,
    fiscalYear,
    effectiveFrom: `${fiscalYear - 1}-10-01`,
    effectiveTo: `${fiscalYear}-09-30`,
    entries: codes.map(([code, billable]) => ({ code, billable, short: `${code} test` })),
  };
}

describe('the shipped ICD-10-CM history', () => {
  it('is exactly what the CMS release files give', { skip: noData }, () => {
    const { releases, sources } = readReleaseDirs(DATA);
    const history = historyFromReleases(releases);
    assert.equal(
      readFileSync(join(root, HISTORY_FILE), 'utf8'),
      formatHistoryTsv(history, sources),
      `rebuild: node dist/scripts/build-icd10cm-history.js`,
    );
    assert.equal(
      gunzipSync(readFileSync(join(root, DESCRIPTIONS_FILE))).toString('utf8'),
      formatDescriptionsTsv(history),
    );
    // And, read back through the loader, every release holds exactly its order file's codes and flags.
    const source = readHistoryFiles(join(root, HISTORY_FILE), join(root, DESCRIPTIONS_FILE));
    assert.deepEqual(
      source.releases.map((r) => r.label),
      releases.map((r) => r.label),
    );
    releases.forEach((r, i) => {
      for (const e of r.entries)
        assert.equal(
          source.statuses(e.code)?.charAt(i),
          e.billable ? '1' : '0',
          `${r.label} ${e.code}`,
        );
      const held = [...source.codes()].filter((c) => source.statuses(c)!.charAt(i) !== '-').length;
      assert.equal(held, r.entries.length, `${r.label} holds ${r.entries.length} codes`);
    });
  });

  it('holds every release from FY2021 to FY2026, April updates included', () => {
    assert.deepEqual(
      icd.releases!.map((r) => `${r.label} ${r.effectiveFrom}..${r.effectiveTo}`),
      [
        'FY2021 2020-10-01..2021-09-30',
        'FY2022 2021-10-01..2022-03-31',
        'FY2022 (April update) 2022-04-01..2022-09-30',
        'FY2023 2022-10-01..2023-03-31',
        'FY2023 (April update) 2023-04-01..2023-09-30',
        'FY2024 2023-10-01..2024-09-30',
        'FY2025 2024-10-01..2025-09-30',
        'FY2026 2025-10-01..2026-09-30',
      ],
    );
    assert.deepEqual(icd.covers, { from: ICD10CM_START, to: '2026-09-30' });
    assert.match(icd.version, /^ICD-10-CM FY2021 to FY2026 \(8 CMS releases, shipped\)$/);
  });

  it('makes a code added in a release valid from its first day', () => {
    assert.equal(status('G43E09', '2023-09-30'), 'not-valid');
    assert.equal(status('G43E09', '2023-10-01'), 'billable');
    assert.equal(status('F4381', '2022-09-30'), 'not-valid');
    assert.equal(status('F4381', '2022-10-01'), 'billable');
    assert.equal(status('F4381', '2025-09-15'), 'billable');
    assert.equal(status('Z28310', '2022-03-31'), 'not-valid', 'added by the April 2022 update');
    assert.equal(status('Z28310', '2022-04-01'), 'billable');
  });

  it('makes a code deleted in a release invalid from its first day', () => {
    assert.equal(status('T407X1A', '2021-09-30'), 'billable');
    assert.equal(status('T407X1A', '2021-10-01'), 'not-valid');
    assert.equal(status('O350XX0', '2022-09-30'), 'billable');
    assert.equal(status('O350XX0', '2022-10-01'), 'not-valid');
  });

  it('follows a code that became a header', () => {
    assert.equal(status('F438', '2022-09-30'), 'billable');
    assert.equal(status('F438', '2022-10-01'), 'header');
    assert.equal(status('F438', '2025-09-15'), 'header');
    assert.equal(status('G43E', '2025-09-15'), 'header');
  });

  it('reads FY2021 back to 2015-10-01 with the curated corrections', () => {
    assert.equal(status('G90521', '2016-05-01'), 'billable');
    assert.equal(status('R51', '2019-05-01'), 'billable');
    assert.equal(status('R51', '2020-10-01'), 'header');
    assert.equal(status('R519', '2019-05-01'), 'not-valid');
  });

  it('knows FY2026 codes whose second character is a letter', () => {
    assert.equal(status('QA00101', '2025-10-01'), 'billable');
    assert.equal(status('QA00101', '2025-09-30'), 'not-valid');
  });

  it('shows the CMS description, read only when asked for', () => {
    assert.equal(
      icd.get('G43E09')!.display,
      'Chronic migraine with aura, not ntrct, without stat migr',
    );
    assert.equal(icd.get('ZZZ9'), undefined);
  });
});

describe('validity windows from release statuses', () => {
  const releases = historyFromReleases([
    release(2024, [
      ['A01', true],
      ['A02', false],
    ]),
    release(2025, [
      ['A01', true],
      ['A02', true],
      ['A03', true],
    ]),
    release(2026, [
      ['A02', true],
      ['A03', false],
    ]),
  ]).releases;
  it('opens a window on the day a release takes effect and ends it the day before the next', () => {
    assert.deepEqual(windowsFromStatuses('11-', releases), [
      { from: '2023-10-01', to: '2025-09-30', billable: true },
    ]);
    assert.deepEqual(windowsFromStatuses('011', releases), [
      { from: '2023-10-01', to: '2024-09-30', billable: false },
      { from: '2024-10-01', billable: true },
    ]);
    assert.deepEqual(windowsFromStatuses('-10', releases), [
      { from: '2024-10-01', to: '2025-09-30', billable: true },
      { from: '2025-10-01', billable: false },
    ]);
  });
});

describe('operator-loaded releases', () => {
  const fy2027 = release(2027, [
    ['G43', false],
    ['G43E', false],
    ['G43E2', false],
    ['G43E21', true],
    ['G43F', false],
    ['G43F0', true],
  ]);
  const dir = mkdtempSync(join(tmpdir(), 'medpolicy-icd-'));
  const file = join(dir, 'icd10cm_order_2027.txt');
  writeFileSync(
    file,
    fy2027.entries
      .map(
        (e, i) =>
          `${String(i + 1).padStart(5, '0')} ${e.code.padEnd(7)} ${e.billable ? 1 : 0} ${e.short.padEnd(60)} ${e.short}`,
      )
      .join('\r\n') + '\r\n',
  );

  it('extend the shipped history: an FY2027 order file needs no new medpolicy release', () => {
    const t = loadTerminology({ icd10cmFiles: [file] });
    assert.equal(t.icd10cm.releases!.at(-1)!.label, 'FY2027');
    assert.match(
      t.icd10cm.version,
      /FY2021 to FY2027 \(shipped through FY2026; FY2027 loaded from CMS files\)/,
    );
    assert.equal(windowOn(t.icd10cm.get('G43E21')!, '2026-10-01')!.billable, true);
    assert.equal(windowOn(t.icd10cm.get('G43E21')!, '2026-09-30'), undefined);
    assert.equal(
      windowOn(t.icd10cm.get('G43E09')!, '2026-09-30')!.billable,
      true,
      'the shipped history is kept',
    );
    assert.equal(
      windowOn(t.icd10cm.get('G43E09')!, '2026-10-01'),
      undefined,
      'absent from the loaded FY2027 file',
    );
    const ctx = loadContext({ icd10cmFiles: [file] });
    const r = decideRequest(
      {
        payer: 'bcbsri',
        dateOfService: '2026-11-01',
        drug: 'ketamine',
        route: 'intravenous',
        diagnosisCodes: ['G43.E21'],
      },
      ctx,
    );
    assert.ok(r.ok);
    assert.deepEqual(r.determination.warnings, [], 'FY2027 is loaded: no date warning');
    assert.equal(r.determination.indication, 'chronic-daily-headache');
  });

  it('place a code added later under a named subcategory in its family, and flag a new branch of a divided entry', () => {
    const source = extendHistory(
      readHistoryFiles(join(root, HISTORY_FILE), join(root, DESCRIPTIONS_FILE)),
      [fy2027],
    );
    const cs = historyCodeSystem(source, {
      version: 'test',
      provenance: 'test',
      readBackTo: ICD10CM_START,
    });
    const file = yamlPackage().parse(
      readFileSync(join(root, TERMINOLOGY_YAML.indications.path), 'utf8'),
    ) as IndicationValueSetFile;
    const idx = compileIndications(file, cs);
    assert.equal(
      idx.classify('G43E21')?.family,
      'chronic-daily-headache',
      'G43.E2- is under G43.E',
    );
    assert.equal(idx.classify('G43F0'), undefined, 'G43.F is a branch of G43 nobody placed');
    const a = idx.ambiguity('G43F0')!;
    assert.deepEqual(
      [a.entry, a.broaderFamily, a.branch, a.branchFrom],
      ['G43', 'migraine', 'G43F', '2026-10-01'],
    );
    assert.ok(a.otherFamilies.includes('chronic-daily-headache'));
    assert.equal(
      idx.classify('G43009')?.family,
      'migraine',
      'episodic migraine stays where it was',
    );
    assert.equal(idx.ambiguity('G43009'), undefined);
  });

  it('can be used alone (MEDPOLICY_ICD10CM_ONLY)', () => {
    const t = loadTerminology({ icd10cmFiles: [file], icd10cmOnlyLoaded: true });
    assert.equal(t.icd10cm.version, 'ICD-10-CM FY2027 (loaded from CMS files)');
    assert.equal(t.icd10cm.get('G43E09'), undefined);
  });
});

describe('value sets reviewed against an older release', () => {
  const file = yamlPackage().parse(
    readFileSync(join(root, TERMINOLOGY_YAML.indications.path), 'utf8'),
  ) as IndicationValueSetFile;
  it('name every entry after a category or subcategory in the code set', () => {
    for (const [prefix, m] of compileIndications(file, icd).entries) {
      if (!m.entry.includes('-'))
        assert.ok(icd.get(prefix), `${m.entry} (${m.family}) is not an ICD-10-CM code`);
    }
  });
  it('flag a code in a branch added since, under a divided entry, instead of guessing its family', () => {
    const withoutAura = {
      ...file,
      reviewedAgainst: 'FY2023',
      families: file.families.map((f) => ({
        ...f,
        codes: f.codes?.filter((c) => c.match !== 'G43.E'),
      })),
    };
    const idx = compileIndications(withoutAura as IndicationValueSetFile, icd);
    assert.equal(idx.classify('G43E09'), undefined);
    assert.equal(idx.ambiguity('G43E09')?.branch, 'G43E');
    // A branch that was there at review time is placed by its nearest named ancestor.
    assert.equal(idx.classify('G43909')?.family, 'migraine');
    const t = { ...shipped, indications: idx };
    const r = decideRequest(
      {
        payer: 'bcbsri',
        dateOfService: '2025-09-15',
        drug: 'ketamine',
        route: 'intravenous',
        diagnosisCodes: ['G43.E09'],
      },
      { terminology: t, policySet: loadContext().policySet },
    );
    assert.ok(r.ok);
    const w = r.determination.warnings.find((x) => x.code === 'ambiguous-indication');
    assert.ok(w, JSON.stringify(r.determination.warnings));
    assert.match(
      w.message,
      /G43\.E09 is under G43 \(migraine\).*G43\.E \(in ICD-10-CM from 2023-10-01\).*reviewed against FY2023/,
    );
    assert.notEqual(r.determination.indication, 'migraine');
  });
});

describe('dates of service past the newest release', () => {
  it('are decided with a warning naming the release in force', () => {
    const r = decideRequest(
      {
        payer: 'bcbsal',
        dateOfService: '2026-11-01',
        drug: 'ketamine',
        route: 'intravenous',
        diagnosisCodes: ['G43.E09'],
      },
      loadContext({}),
    );
    assert.ok(r.ok);
    const w = r.determination.warnings.filter((x) => x.code === 'code-set-date');
    assert.equal(w.length, 1);
    assert.match(
      w[0]!.message,
      /^date of service 2026-11-01 is after the newest ICD-10-CM release loaded \(FY2026, effective 2025-10-01 to 2026-09-30\)/,
    );
    const inRange = decideRequest(
      {
        payer: 'bcbsal',
        dateOfService: '2026-09-30',
        drug: 'ketamine',
        route: 'intravenous',
        diagnosisCodes: ['G43.E09'],
      },
      loadContext({}),
    );
    assert.ok(inRange.ok);
    assert.deepEqual(inRange.determination.warnings, []);
  });
});
