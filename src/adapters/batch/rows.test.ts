import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RowBuffer, csvField } from './rows.js';

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
