import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { equalsWords, storeWords, viewOf, wordCount, wordsOf } from './byte-words.js';

describe('byte words', () => {
  it('are little-endian, the last zero-padded', () => {
    assert.deepEqual([...wordsOf(Uint8Array.of(1, 2, 3, 4, 5))], [0x04030201, 5]);
    assert.deepEqual([...wordsOf(Uint8Array.of(0xff, 0xfe, 0xfd))], [0xfdfeff]);
    assert.deepEqual([...wordsOf(new Uint8Array(0))], []);
  });

  it('tell apart strings that differ in any one byte, at any offset and length', () => {
    // The bytes sit at an odd offset of a larger buffer, as a token does in a line.
    const line = Buffer.from('xx"procedureCodes":["96365"]');
    for (let n = 0; n <= 17; n++) {
      const s = 3;
      const words = new Int32Array(wordCount(n) + 1).fill(-1);
      storeWords(line, viewOf(line), s, n, words, 1);
      assert.ok(equalsWords(line, viewOf(line), s, n, words, 1), `length ${n}`);
      for (let at = 0; at < n; at++) {
        const other = Buffer.from(line);
        other[s + at] = other[s + at]! ^ 0x20;
        assert.ok(!equalsWords(other, viewOf(other), s, n, words, 1), `length ${n}, byte ${at}`);
      }
    }
  });
});
