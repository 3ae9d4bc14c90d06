import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { indexSource, locateQuote, locateRange } from './quote-locator.js';

describe('quote locator', () => {
  const text = 'Title\n\n  Coverage is   provided\nwhen medically\n  necessary. 𝒳 mark𝒳end\n';
  const source = indexSource('p.md', text);

  it('finds a quote across line breaks and doubled spaces, by line and by original range', () => {
    const quote = 'provided when medically necessary.';
    assert.equal(locateQuote(source, quote), 3);
    const range = locateRange(source, quote);
    assert.ok(range);
    assert.equal(text.slice(...range), 'provided\nwhen medically\n  necessary.');
  });

  it('maps offsets past astral characters', () => {
    const range = locateRange(source, 'mark𝒳end');
    assert.ok(range);
    assert.equal(text.slice(...range), 'mark𝒳end');
  });

  it('misses unfound and empty quotes', () => {
    assert.equal(locateRange(source, 'not covered'), undefined);
    assert.equal(locateRange(source, '  '), undefined);
    assert.equal(locateQuote(source, 'not covered'), undefined);
  });

  it('treats as whitespace exactly what /\\s/ does, for every UTF-16 unit', () => {
    // indexSource tests units against its own table instead of a regular expression.
    for (let c = 0; c < 0x10000; c++) {
      const ch = String.fromCharCode(c);
      const expected = /\s/.test(ch) ? 'a b' : `a${ch}b`;
      const got = indexSource('p', `a${ch}b`).normalized;
      assert.equal(got, expected, `U+${c.toString(16).padStart(4, '0')}`);
    }
  });
});
