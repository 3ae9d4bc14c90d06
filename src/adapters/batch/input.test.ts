import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { csvPieceEnds } from './input.js';

function pieces(text: string, target: number): string[] {
  const b = Buffer.from(text);
  const out: string[] = [];
  let start = 0;
  for (const end of csvPieceEnds(b, target)) {
    out.push(b.subarray(start, end).toString());
    start = end;
  }
  return out;
}

describe('cutting a CSV chunk into pieces of whole records', () => {
  it('cuts at the last newline within the target', () => {
    assert.deepEqual(pieces('aa\nbb\ncc\ndd\n', 7), ['aa\nbb\n', 'cc\ndd\n']);
  });

  it('never cuts inside a quoted field that holds a newline', () => {
    const text = 'a,1\n"two\nlines",2\nb,3\n';
    for (let target = 1; target <= text.length; target++) {
      const p = pieces(text, target);
      assert.equal(p.join(''), text, `target ${target}`);
      for (const piece of p)
        assert.equal(
          (piece.match(/"/g) ?? []).length % 2,
          0,
          `target ${target}: ${JSON.stringify(p)}`,
        );
    }
  });

  it('gives one piece for a chunk within the target, and for an empty one', () => {
    assert.deepEqual(pieces('a\nb\n', 100), ['a\nb\n']);
    assert.deepEqual(csvPieceEnds(Buffer.alloc(0), 10), [0]);
  });
});
