import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { packageRoot } from '../../package-root.js';
import { loadContext } from '../../service/load-context.js';
import { normalizeNdc } from './csv-reader.js';
import { payerMapKey } from './payer-map.js';
import { Screener } from './screener.js';
import { screenX12 } from './x12-837p-reader.js';

const ctx = loadContext({});
const sample = readFileSync(join(packageRoot(), 'test/fixtures/batch/sample.837'));

async function screenPieces(
  pieces: Buffer[],
  ndc?: ReadonlyMap<string, string>,
  payers?: ReadonlyMap<string, string>,
): Promise<string> {
  const s = new Screener(ctx, { output: 'ndjson' });
  let out = '';
  const chunks = (async function* () {
    for (const p of pieces) yield p;
  })();
  await screenX12(
    chunks,
    s,
    async (d) => void (out += Buffer.from(d).toString()),
    ndc,
    payers,
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

// X12 5010 declares its own separators in ISA (fixed-length, 106 characters): the element
// separator is its 4th character, the repetition separator ISA11, the component separator
// ISA16, and the segment terminator the character after ISA16. A real-style 837P with '^'
// (ISA11) and '>' (ISA16) used to fail every line: composites were split on ':'.
describe('X12 837P separators as the interchange declares them', () => {
  const fixture = (name: string) => readFileSync(join(packageRoot(), 'test/fixtures/batch', name));
  const ndc = new Map([[normalizeNdc('42023011310'), 'ketamine']]);
  const rows = (out: string) =>
    out
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  it("screens every line of a file with '>' components and '^' repetitions", async () => {
    const text = fixture('real-style-caret-component.837');
    assert.equal(text.toString()[104], '>');
    assert.equal(text.toString()[82], '^');
    const out = rows(await screenPieces([text], ndc));
    assert.deepEqual(
      out.map((r) => [r['claimId'], r['claimLine'], r['error'] ? 'error' : r['outcome']]),
      [
        ['NPI2025-0917-01', '1', 'not-covered'],
        ['NPI2025-0917-01', '2', 'not-covered'],
        ['NPI2025-0917-01', '3', 'not-covered'],
        ['NPI2025-0917-02', '1', 'needs-info'],
      ],
    );
    assert.equal(out[0]!['payer'], 'bcbsal');
    assert.equal(out[0]!['indication'], 'crps'); // HI ABK>G90521, pointers 1>2
  });

  it("reads the same claims whatever the component separator: '>' gives what ':' gives", async () => {
    const caret = fixture('real-style-caret-component.837');
    const colon = Buffer.from(caret.toString().replaceAll('>', ':'));
    assert.equal(await screenPieces([caret], ndc), await screenPieces([colon], ndc));
  });

  it('reads a file whose segment terminator is a newline (no ~), in pieces too', async () => {
    const caret = await screenPieces([fixture('real-style-caret-component.837')], ndc);
    const nl = fixture('newline-terminated.837');
    assert.equal(nl.toString()[105], '\n');
    assert.ok(!nl.includes('~'));
    assert.equal(await screenPieces([nl], ndc), caret);
    const byByte = [...nl].map((b) => Buffer.from([b]));
    assert.equal(await screenPieces(byByte, ndc), caret);
  });

  it('matches --payer-map ids in any case, and names an unmapped id as the 837 gives it', async () => {
    const text = fixture('real-style-caret-component.837')
      .toString()
      .replace('PI*BCBSAL~', 'PI*AbC00510~');
    const mapped = rows(
      await screenPieces([Buffer.from(text)], ndc, new Map([[payerMapKey('abc00510'), 'bcbsal']])),
    );
    assert.deepEqual([...new Set(mapped.map((r) => r['payer']))], ['bcbsal']);
    const unmapped = rows(await screenPieces([Buffer.from(text)], ndc, new Map()));
    const err = unmapped[0]!['error'] as { code: string; detail: string; hint: string };
    assert.equal(err.code, 'unknown-payer');
    assert.match(err.detail, /'AbC00510'/);
    assert.doesNotMatch(err.detail, /abc00510/);
    assert.match(err.hint, /--payer-map/);
  });
});
