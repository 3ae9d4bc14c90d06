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
});
