import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Progress } from './progress.js';

describe('screening progress line', () => {
  it('shows lines, lines/s, a bar and the ETA, redrawn in place, and never a line content', () => {
    let out = '';
    const stream = { write: (s: string) => ((out += s), true) } as unknown as NodeJS.WriteStream;
    const p = new Progress(stream, 1000);
    p.advance(250, 1234);
    p.done();
    const last = out.split('\r').at(-1)!;
    assert.match(last, /^1,234 lines {2}[\d,]+ lines\/s {2}\[#{6}\.{18}\] 25% {2}ETA \d+s/);
    assert.ok(out.endsWith('\n'));
  });
});
