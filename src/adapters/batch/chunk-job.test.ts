import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadContext } from '../../service/load-context.js';
import { chunkProcessor } from './chunk-job.js';
import { parseHeader } from './csv-reader.js';

// A request the byte reader takes, with a diagnosis the policy decides.
const request = {
  payer: 'bcbsal',
  dateOfService: '2025-03-01',
  drug: 'ketamine',
  route: 'intravenous',
  procedureCodes: ['96365'],
  diagnosisCodes: ['G90.50'],
};

describe('screening a chunk', () => {
  it('numbers NDJSON lines right across a large chunk, bad lines included', () => {
    const good = (i: number) =>
      JSON.stringify({
        claimId: `C${i}`,
        claimLine: 1,
        ...request,
        // Padding, so that 1,000 lines span several 64 KB pieces.
        ...{ setting: 'outpatient', lineOfBusiness: 'commercial', planType: 'ppo' },
      });
    const bad = new Set([1, 333, 777, 1000]);
    let text = '';
    for (let i = 1; i <= 1000; i++) text += (bad.has(i) ? '{"payer": ' : good(i)) + '\n';
    assert.ok(text.length > 3 * 64 * 1024, 'the chunk spans several pieces');
    const p = chunkProcessor(loadContext(), { format: 'ndjson', settings: { output: 'ndjson' } });
    const rows = p
      .run(Buffer.from(text), 41)
      .toString()
      .trimEnd()
      .split('\n')
      .map((r) => JSON.parse(r) as { sourceLine: number; claimId?: string; error?: unknown });
    assert.equal(rows.length, 1000);
    rows.forEach((r, i) => {
      assert.equal(r.sourceLine, 41 + i);
      if (bad.has(i + 1)) assert.ok(r.error, `line ${i + 1} is an error row`);
      else assert.equal(r.claimId, `C${i + 1}`);
    });
    assert.equal(p.screener.failed, bad.size);
  });

  it('writes the same row bytes from the byte reader as from JSON.parse, claim ids of any text', () => {
    // Ids and line numbers the reader takes (copied from the input) and ones it leaves to
    // JSON.parse (escapes, fractions): the rows must not tell them apart.
    const envelopes: Record<string, unknown>[] = [
      { claimId: 'C1', claimLine: 1 },
      { claimId: 'Ç-😀', claimLine: '2a' },
      { claimId: 'a\u007fb\u2028c', claimLine: 123456789012345 },
      { claimId: 'q"uote\\', claimLine: 'é' },
      { claimId: 'tab\t', claimLine: 1.5 },
      { claimId: 42, claimLine: 4294967296 },
      { claimLine: 7 },
      { claimId: '' },
      {},
    ];
    const text = envelopes.map((e) => JSON.stringify({ ...e, ...request })).join('\n') + '\n';
    for (const output of ['ndjson', 'csv'] as const) {
      const rows = (general: boolean) => {
        const p = chunkProcessor(loadContext(), { format: 'ndjson', settings: { output } });
        if (!general) return p.run(Buffer.from(text), 1).toString();
        // A chunk that is not valid UTF-8 goes the general way, every line of it: one bad
        // line first, then the same lines.
        const bad = Buffer.concat([Buffer.from([0xff, 0x0a]), Buffer.from(text)]);
        return p.run(bad, 0).toString().split('\n').slice(1).join('\n');
      };
      assert.equal(rows(false), rows(true), output);
      assert.equal(rows(false).split('\n').length, envelopes.length + 1);
    }
  });

  it('numbers CSV lines right across the pieces a large chunk is decoded in', () => {
    const header = 'claim_id,line_number,payer,date_of_service,procedure_code,diagnosis_codes,drug';
    // A quoted claim id holding a line break: one record on two lines, so numbering must
    // follow physical lines, whichever piece the record falls in.
    const record = (i: number) =>
      i % 100 === 0
        ? `"C${i}\nsecond line",1,bcbsal,2025-03-01,96365,G90.50,ketamine`
        : `C${i},1,bcbsal,2025-03-01,96365,G90.50,ketamine${' '.repeat(200)}`;
    let text = '';
    for (let i = 1; i <= 1000; i++) text += record(i) + '\n';
    assert.ok(text.length > 3 * 64 * 1024, 'the chunk spans several pieces');
    const p = chunkProcessor(loadContext(), {
      format: 'csv',
      settings: { output: 'ndjson' },
      csv: parseHeader(header),
    });
    const rows = p
      .run(Buffer.from(text), 2)
      .toString()
      .trimEnd()
      .split('\n')
      .map((r) => JSON.parse(r) as { sourceLine: number; claimId?: string });
    assert.equal(rows.length, 1000);
    let line = 2;
    rows.forEach((r, k) => {
      const i = k + 1;
      assert.equal(r.sourceLine, line, `record ${i}`);
      assert.equal(r.claimId, i % 100 === 0 ? `C${i}\nsecond line` : `C${i}`);
      line += i % 100 === 0 ? 2 : 1;
    });
  });
});
