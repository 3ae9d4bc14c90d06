import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { csvRequest, isoDate, parseHeader, parseRecord } from './csv-reader.js';

function records(text: string): { fields: string[]; lines: number; error?: string }[] {
  const out: { fields: string[]; lines: number; error?: string }[] = [];
  const fields: string[] = [];
  for (let pos = 0; pos < text.length;) {
    const r = parseRecord(text, pos, fields);
    out.push({ fields: [...fields], lines: r.lines, ...(r.error ? { error: r.error } : {}) });
    pos = r.end;
  }
  return out;
}

describe('CSV records', () => {
  it('reads plain, quoted, escaped-quote, CRLF and multi-line fields', () => {
    const r = records('a,b,c\r\n"x,1","say ""hi""",\n"two\nlines",2,3');
    assert.deepEqual(r, [
      { fields: ['a', 'b', 'c'], lines: 1 },
      { fields: ['x,1', 'say "hi"', ''], lines: 1 },
      { fields: ['two\nlines', '2', '3'], lines: 2 },
    ]);
  });

  it('a malformed record is one error and the next line is read as usual', () => {
    const r = records('1,"bad"q,3\n4,5,6\n7,un"quoted,9\n"never closed,1\n10,11,12\n');
    assert.equal(r.length, 5);
    assert.match(r[0]!.error!, /after the closing quote/);
    assert.deepEqual(r[1]!.fields, ['4', '5', '6']);
    assert.match(r[2]!.error!, /quote inside the unquoted field/);
    assert.match(r[3]!.error!, /never closed/);
    assert.deepEqual(r[4]!.fields, ['10', '11', '12']);
  });

  it('maps a claim line to a request: POS to setting, dates, Y/N, lists, NDC', () => {
    const layout = parseHeader(
      'Claim_ID,line_number,payer,date_of_service,place_of_service,procedure_code,ndc,diagnosis_codes,provider_participating',
    );
    const r = csvRequest(
      ['C1', '2', 'bcbsal', '20250915', '22', 'J3490', '0000-0000-01', 'G90.521|M79.7', 'N'],
      layout,
      new Map([['0000000001', 'ketamine']]),
    );
    assert.deepEqual(r, {
      ok: true,
      request: {
        payer: 'bcbsal',
        dateOfService: '2025-09-15',
        setting: 'outpatient',
        procedureCodes: ['J3490'],
        diagnosisCodes: ['G90.521', 'M79.7'],
        providerParticipating: false,
        drug: 'ketamine',
      },
    });
    assert.equal(isoDate('9/5/2025'), '2025-09-05');
    const bad = csvRequest(
      ['C1', '2', 'bcbsal', '2025-09-15', 'A1', '', '', '', ''],
      layout,
      undefined,
    );
    assert.ok(!bad.ok && bad.problem.path === '/place_of_service');
  });

  it('rejects a header with an unknown or missing column', () => {
    assert.throws(() => parseHeader('payer,date_of_service,colour'), /unknown CSV column "colour"/);
    assert.throws(
      () => parseHeader('payer,date_of_servise'),
      /unknown CSV column "date_of_servise" \(did you mean "date_of_service"\?\)/,
    );
    assert.throws(() => parseHeader('payer,claim_id'), /no "date_of_service" column/);
    assert.throws(() => parseHeader('payer,payer,date_of_service'), /appears twice/);
  });
});
