import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { decideRequest } from '../service/decide-request.js';
import { loadContext } from '../service/load-context.js';
import { parseHcpcsFile } from './cms-hcpcs-file.js';
import { windowOn } from './code-system.js';

/** A record laid out at the CMS contractor-file positions (1-based inclusive columns). */
function record(fields: {
  code: string;
  id: string;
  long: string;
  short?: string;
  added?: string;
  term?: string;
  action?: string;
}): string {
  const line = Array(320).fill(' ');
  const put = (from: number, text: string) =>
    [...text].forEach((ch, i) => (line[from - 1 + i] = ch));
  put(1, fields.code);
  put(6, '00100');
  put(11, fields.id);
  put(12, fields.long.padEnd(80).slice(0, 80));
  put(92, (fields.short ?? '').padEnd(28).slice(0, 28));
  if (fields.added) put(269, fields.added);
  if (fields.term) put(285, fields.term);
  put(293, fields.action ?? 'N');
  return line.join('');
}

const FILE = [
  record({
    code: 'J2001',
    id: '3',
    long: 'Injection, lidocaine hcl for intravenous infusion, 10 mg',
    short: 'Lidocaine injection',
    added: '20040101',
  }),
  record({
    code: 'J2003',
    id: '3',
    long: 'Injection, lidocaine hydrochloride, 1 mg',
    short: 'Inj lidocaine hcl 1 mg',
    added: '20241001',
    action: 'A',
  }),
  record({
    code: 'J3490',
    id: '3',
    long: 'Unclassified drugs',
    short: 'Drugs unclassified',
    added: '19840101',
  }),
  record({
    code: 'S0013',
    id: '3',
    long: 'Esketamine, nasal spray, 1 mg',
    short: 'Esketamine nasal spray',
    added: '20190701',
    term: '20251231',
    action: 'D',
  }),
  record({
    code: 'Q9999',
    id: '3',
    long: 'A long descriptor that runs past what one record of eighty characters can hold,',
    short: 'Long one',
    added: '20200101',
  }),
  record({ code: 'Q9999', id: '4', long: 'so it continues on the next record' }),
  record({
    code: '96365',
    id: '3',
    long: 'AMA descriptor text that must not be loaded',
    added: '19980101',
  }),
  record({ code: '25   ', id: '7', long: 'Modifier' }).replace(/^25 {3}/, 'XX25 '),
].join('\n');

describe('CMS HCPCS contractor file', () => {
  it('reads Level II procedure records with their dates and continued descriptors', () => {
    const entries = parseHcpcsFile(FILE.split('\n').slice(0, 7).join('\n'));
    assert.deepEqual(
      entries.map((e) => e.code),
      ['J2001', 'J2003', 'J3490', 'S0013', 'Q9999'],
    );
    assert.deepEqual(entries[1], {
      code: 'J2003',
      long: 'Injection, lidocaine hydrochloride, 1 mg',
      short: 'Inj lidocaine hcl 1 mg',
      added: '2024-10-01',
    });
    assert.equal(entries[3]!.terminated, '2025-12-31');
    assert.match(entries[4]!.long, /can hold, so it continues on the next record$/);
  });

  it('skips CPT codes, whose descriptors are the AMA’s', () => {
    assert.ok(
      !parseHcpcsFile(FILE.split('\n').slice(0, 7).join('\n')).some((e) => e.code === '96365'),
    );
  });

  it('rejects a line that is not a HCPCS record, naming the line', () => {
    assert.throws(
      () => parseHcpcsFile(`${FILE.split('\n')[0]}\nthis is not it`, 'HCPC2025_JAN_ANWEB.txt'),
      /HCPC2025_JAN_ANWEB\.txt:2: not a CMS HCPCS record/,
    );
  });

  it('loads when an operator points MEDPOLICY_HCPCS at it, keeping the drug each code names', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hcpcs-'));
    const path = join(dir, 'HCPC2025_JAN_ANWEB_v2.txt');
    writeFileSync(path, FILE.split('\n').slice(0, 7).join('\n') + '\n');
    const ctx = loadContext({ hcpcsFile: path });
    assert.equal(ctx.terminology.hcpcs.version, 'HCPCS 2025 JAN (loaded from CMS file)');
    assert.equal(ctx.terminology.hcpcs.get('J2003')!.drug, 'lidocaine');
    assert.equal(windowOn(ctx.terminology.hcpcs.get('S0013')!, '2026-01-02'), undefined);
    const r = decideRequest(
      {
        payer: 'bcbsal',
        dateOfService: '2024-09-01',
        procedureCodes: ['96365', 'J2003', 'J9999'],
        diagnosisCodes: ['M79.7'],
      },
      ctx,
    );
    assert.ok(r.ok);
    const warnings = r.determination.warnings.map((w) => `${w.code}:${w.subject}`);
    assert.ok(warnings.includes('code-not-effective:J2003'), warnings.join());
    assert.ok(warnings.includes('unknown-code:J9999'), warnings.join());
    assert.equal(r.determination.drug, 'lidocaine');
  });
});
