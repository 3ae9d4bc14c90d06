import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { main } from './main.js';

// Two small releases, written as CMS order files: what an analyst gets each October.
function orderFile(dir: string, name: string, codes: [string, 0 | 1, string][]): string {
  const path = join(dir, name);
  const line = ([code, flag, short]: [string, 0 | 1, string], i: number) =>
    `${String(i + 1).padStart(5, '0')} ${code.padEnd(7)} ${flag} ${short.padEnd(60)} ${short}`;
  writeFileSync(path, codes.map(line).join('\r\n') + '\r\n');
  return path;
}

const dir = mkdtempSync(join(tmpdir(), 'medpolicy-codes-'));
const common: [string, 0 | 1, string][] = [
  ['G43', 0, 'Migraine'],
  ['G437', 0, 'Chronic migraine without aura'],
  ['G4370', 0, 'Chronic migraine without aura, not intractable'],
  ['G43709', 1, 'Chronic migraine w/o aura, not intractable, w/o stat migr'],
  ['G43E', 0, 'Chronic migraine with aura'],
  ['G43E0', 0, 'Chronic migraine with aura, not intractable'],
  ['G43E09', 1, 'Chronic migraine with aura, not ntrct, without stat migr'],
  ['F43', 0, 'Reaction to severe stress, and adjustment disorders'],
  ['M797', 1, 'Fibromyalgia'],
];
const fy2026 = orderFile(dir, 'icd10cm_order_2026.txt', [
  ...common,
  ['F438', 1, 'Other reactions to severe stress'],
  ['G905', 1, 'Complex regional pain syndrome I (CRPS I)'],
]);
const fy2027 = orderFile(dir, 'icd10cm_order_2027.txt', [
  ...common,
  ['F438', 0, 'Other reactions to severe stress'],
  ['F4381', 1, 'Prolonged grief disorder'],
  ['G43E2', 0, 'Chronic migraine with aura, other'],
  ['G43E21', 1, 'Chronic migraine with aura, other, intractable'],
  ['G43F', 0, 'Migraine, new kind'],
  ['G43F0', 1, 'Migraine, new kind, unspecified'],
]);
const requests = join(dir, 'requests.ndjson');
writeFileSync(
  requests,
  [
    {
      claimId: 'A',
      claimLine: 1,
      payer: 'bcbsri',
      dateOfService: '2026-11-02',
      drug: 'ketamine',
      route: 'intravenous',
      diagnosisCodes: ['G43.F0'],
    },
    {
      claimId: 'B',
      claimLine: 1,
      payer: 'bcbsal',
      dateOfService: '2026-11-02',
      drug: 'ketamine',
      route: 'intravenous',
      diagnosisCodes: ['F43.8'],
    },
    {
      claimId: 'C',
      claimLine: 1,
      payer: 'bcbsma',
      dateOfService: '2026-11-02',
      drug: 'ketamine',
      route: 'intravenous',
      diagnosisCodes: ['G90.5'],
    },
    {
      claimId: 'D',
      claimLine: 1,
      payer: 'bcbsma',
      dateOfService: '2026-11-02',
      drug: 'ketamine',
      route: 'intravenous',
      diagnosisCodes: ['M79.7'],
    },
  ]
    .map((r) => JSON.stringify(r))
    .join('\n'),
);

async function run(...args: string[]): Promise<{ status: number; text: string }> {
  const lines: string[] = [];
  const status = await main(
    ['codes', ...args],
    (s) => lines.push(s),
    (s) => lines.push(s),
  );
  return { status, text: lines.join('\n') };
}

describe('medpolicy codes diff', () => {
  it('reports what a new release changes for each value set and policy', async () => {
    const { status, text } = await run(
      'diff',
      '--from',
      fy2026,
      '--to',
      fy2027,
      '--format',
      'json',
    );
    assert.equal(status, 0, text);
    const d = JSON.parse(text) as {
      counts: Record<string, number>;
      families: {
        family: string;
        entering: { code: string }[];
        leaving: { code: string; kind: string }[];
        statusChanged: { code: string; kind: string }[];
      }[];
      ambiguous: { code: string; placement: { entry: string; broaderFamily: string } }[];
      staleEntries: { entry: string }[];
      policies: { policy: string }[];
    };
    assert.deepEqual(d.counts, { added: 5, deleted: 1, 'became-header': 1, 'became-billable': 0 });
    const fam = (id: string) => d.families.find((f) => f.family === id);
    assert.deepEqual(
      fam('chronic-daily-headache')?.entering.map((c) => c.code),
      ['G43E2', 'G43E21'],
      'a branch under G43.E belongs to chronic migraine',
    );
    assert.deepEqual(
      fam('psychiatric')?.entering.map((c) => c.code),
      ['F4381'],
    );
    assert.deepEqual(
      fam('psychiatric')?.statusChanged.map((c) => `${c.code}:${c.kind}`),
      ['F438:became-header'],
    );
    assert.deepEqual(
      fam('crps')?.leaving.map((c) => `${c.code}:${c.kind}`),
      ['G905:deleted'],
    );
    assert.equal(fam('migraine'), undefined, 'G43.F is not guessed to be migraine');
    assert.deepEqual(
      d.ambiguous.map((a) => [a.code, a.placement.entry, a.placement.broaderFamily]),
      [
        ['G43F', 'G43', 'migraine'],
        ['G43F0', 'G43', 'migraine'],
      ],
    );
    assert.ok(
      d.staleEntries.some((e) => e.entry === 'G90.5'),
      'G90.5 is no longer a code',
    );
    assert.ok(d.policies.some((p) => p.policy === 'bcbsri-iv-anesthetics-chronic-pain'));
  });

  it('re-decides recorded requests under both releases and names those that change', async () => {
    const { status, text } = await run(
      'diff',
      '--from',
      fy2026,
      '--to',
      fy2027,
      '--requests',
      requests,
    );
    assert.equal(status, 0, text);
    assert.match(text, /re-decided under FY2026 and under FY2027: 4 of 4/);
    assert.match(text, /Answer changes \(0\)/);
    // Unknown before, valid after, and in neither case guessed to be migraine.
    assert.match(
      text,
      /A\/1 bcbsri 2026-11-02 G43\.F0: out-of-scope → out-of-scope; warnings gone unknown-code:G43\.F0\n/,
    );
    assert.match(text, /B\/1 bcbsal 2026-11-02 F43\.8: .*new warnings header-code:F43\.8/);
    assert.match(text, /C\/1 bcbsma 2026-11-02 G90\.5: .*new warnings unknown-code:G90\.5/);
    assert.doesNotMatch(text, /D\/1/, 'fibromyalgia is decided alike');
  });

  it('is refused without --to, and names the loaded releases when one is not there', async () => {
    assert.equal((await run('diff')).status, 2);
    const r = await run('diff', '--to', 'FY2019');
    assert.equal(r.status, 2);
    assert.match(r.text, /FY2019 is not a loaded release \(loaded: FY2021, FY2022, FY2022-04/);
  });
});
