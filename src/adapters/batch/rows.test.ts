import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BufferPool } from './buffer-pool.js';
import type { DeterminationV1 } from '../../model/determination.js';
import { RowBuffer, csvField, writeNdjsonRow, writeNdjsonRowFrom } from './rows.js';

describe('output rows', () => {
  it('a row buffer grows as needed and keeps UTF-8 exact', () => {
    const b = new RowBuffer(10);
    const rows: string[] = [];
    for (let i = 0; i < 5000; i++) rows.push(`{"claimId":"Ç-${i}-😀-€"}\n`);
    for (const r of rows) b.push(r);
    assert.equal(b.take().toString('utf8'), rows.join(''));
  });

  it('quotes CSV fields that need it', () => {
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('two\nlines'), '"two\nlines"');
    assert.equal(csvField('plain'), 'plain');
    assert.equal(csvField(undefined), '');
  });
});

describe('rows written in pieces', () => {
  it('writes strings and numbers exactly as JSON.stringify does', () => {
    const strings = [
      'C000000001',
      '',
      'a"b',
      'back\\slash',
      'tab\there',
      '\u0001',
      'Ç-😀',
      '\u007f',
      '\ud800',
    ];
    const numbers = [
      0,
      7,
      10,
      99,
      100,
      4294967295,
      4294967296,
      -1,
      1.5,
      1e21,
      Number.MAX_SAFE_INTEGER,
    ];
    const b = new RowBuffer(4);
    let expected = '';
    for (const s of strings) {
      b.jsonString(s);
      expected += JSON.stringify(s);
    }
    for (const n of numbers) {
      b.number(n);
      b.ascii(',');
      expected += JSON.stringify(n) + ',';
    }
    assert.equal(b.take().toString('utf8'), Buffer.from(expected).toString('utf8'));
  });

  it('hands out each batch of rows in a buffer of its own', () => {
    const b = new RowBuffer(4);
    b.ascii('first\n');
    const one = b.take();
    b.ascii('second\n');
    const two = b.take();
    assert.equal(one.toString(), 'first\n');
    assert.equal(two.toString(), 'second\n');
    assert.notEqual(one.buffer, two.buffer);
    assert.equal(b.length, 0);
  });
});

describe('buffer pool', () => {
  it('reuses a buffer that fits, and drops ones too small instead of keeping them', () => {
    const pool = new BufferPool();
    const a = pool.take(1000);
    pool.give(a.buffer as ArrayBuffer);
    assert.equal(pool.take(900).buffer, a.buffer, 'reused');
    // A pool full of small buffers, then rows grow: the larger buffer must still be kept.
    for (let i = 0; i < 8; i++) pool.give(pool.take(1000).buffer as ArrayBuffer);
    for (let i = 0; i < 8; i++) pool.give(Buffer.allocUnsafeSlow(1000).buffer as ArrayBuffer);
    const big = pool.take(a.length * 4);
    pool.give(big.buffer as ArrayBuffer);
    assert.equal(pool.take(a.length * 4).buffer, big.buffer, 'the larger buffer was reused');
  });
});

describe('decided NDJSON rows', () => {
  it('end with missing fields and warnings as JSON writes them, from values or bytes', () => {
    const tail = ',"payer":"bcbsal","outcome":"covered"';
    const words = [[], ['drug'], ['drug', 'route', 'é"'], ['code-not-billable']];
    const line = Buffer.from('{"claimId":"Ç-1","claimLine":12}');
    const e = { idStart: 12, idEnd: 16, lineStart: 30, lineEnd: 32, lineIsNumber: true };
    for (let round = 0; round < 2; round++)
      // the second time from the cached bytes
      for (const missing of words)
        for (const codes of words) {
          const d = { missing, warnings: codes.map((code) => ({ code })) };
          let want = `{"sourceLine":7,"claimId":"Ç-1","claimLine":12${tail}`;
          if (missing.length > 0) want += `,"missing":${JSON.stringify(missing)}`;
          if (codes.length > 0) want += `,"warnings":${JSON.stringify(codes)}`;
          want += '}\n';
          const b = new RowBuffer(4);
          const ref = { sourceLine: 7, claimId: 'Ç-1', claimLine: 12 };
          writeNdjsonRow(b, ref, Buffer.from(tail), d as unknown as DeterminationV1);
          writeNdjsonRowFrom(b, 7, line, e, Buffer.from(tail), d as unknown as DeterminationV1);
          assert.equal(b.take().toString(), want + want);
        }
  });

  it('write the source line number as JSON does, on either side of 31 and 32 bits', () => {
    const line = Buffer.from('{"claimId":"C1"}');
    const e = { idStart: 12, idEnd: 14, lineStart: -1, lineEnd: -1, lineIsNumber: false };
    const d = { missing: [], warnings: [] } as unknown as DeterminationV1;
    const numbers = [0, 1, 9, 10, 99, 100, 65_535, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32];
    for (const n of [...numbers, 10 ** 15, Number.MAX_SAFE_INTEGER]) {
      const b = new RowBuffer(4);
      writeNdjsonRowFrom(b, n, line, e, Buffer.from(''), d);
      assert.equal(b.take().toString(), `{"sourceLine":${JSON.stringify(n)},"claimId":"C1"}\n`);
    }
  });
});
