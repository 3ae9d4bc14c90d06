import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { packageRoot } from '../../package-root.js';
import { loadContext } from '../../service/load-context.js';
import { Screener } from './screener.js';
import { screenX12 } from './x12-837p-reader.js';

const ctx = loadContext({});
const sample = readFileSync(join(packageRoot(), 'test/fixtures/batch/sample.837'));

async function screenPieces(pieces: Buffer[]): Promise<string> {
  const s = new Screener(ctx, { output: 'ndjson' });
  let out = '';
  const chunks = (async function* () {
    for (const p of pieces) yield p;
  })();
  await screenX12(
    chunks,
    s,
    async (d) => void (out += Buffer.from(d).toString()),
    undefined,
    undefined,
    undefined,
  );
  return out;
}

describe('X12 837P read in pieces', () => {
  it('gives the same rows however the input is cut, a cut right after a terminator included', async () => {
    const whole = await screenPieces([sample]);
    assert.equal(whole.trimEnd().split('\n').length, 3, whole);
    // Every segment its own read: each piece ends with the segment terminator (and its newline).
    const bySegment: Buffer[] = [];
    for (let start = 0, t = sample.indexOf('~'); t >= 0; t = sample.indexOf('~', t + 1)) {
      bySegment.push(sample.subarray(start, t + 1));
      start = t + 1;
      if (sample.indexOf('~', t + 1) < 0) bySegment.push(sample.subarray(start));
    }
    assert.equal(await screenPieces(bySegment), whole, 'cut after each terminator');
    const byByte = [...sample].map((b) => Buffer.from([b]));
    assert.equal(await screenPieces(byByte), whole, 'one byte at a time');
  });

  it('reads an interchange that ends with its terminator and no newline', async () => {
    const text = sample.toString().trimEnd();
    assert.ok(text.endsWith('~'));
    const whole = await screenPieces([Buffer.from(text)]);
    assert.equal(whole, await screenPieces([sample]));
  });

  it('says the input is not X12 instead of crashing when the parser fails', async () => {
    const notX12 = Buffer.from('{"payer":"bcbsal"}\n'.repeat(3000) + 'x~y*z~');
    await assert.rejects(screenPieces([notX12]), (e: Error) => {
      assert.equal(e.name, 'UsageError');
      assert.match(e.message, /X12 837P interchange/);
      return true;
    });
  });
});
