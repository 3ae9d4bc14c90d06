import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Progress, SteadyRate } from './progress.js';

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

describe('steady rate', () => {
  it('counts only the lines after the first tenth of the file', async () => {
    const r = new SteadyRate(1000);
    r.advance(50, 500);
    assert.equal(r.linesPerSecond(), undefined, 'not yet a tenth');
    r.advance(60, 600); // the tenth is passed here: these lines are start-up too
    assert.equal(r.linesPerSecond(), undefined, 'no line after the mark yet');
    await new Promise((res) => setTimeout(res, 20));
    r.advance(100, 40);
    const rate = r.linesPerSecond()!;
    // 40 lines in about 20 ms: about 2,000 lines/s, never the 1,140 lines counted in all.
    assert.ok(rate > 0 && rate <= 40 / 0.019, `rate ${rate}`);
  });

  it('has no figure for standard input, whose size is unknown', () => {
    const r = new SteadyRate(undefined);
    r.advance(1e6, 1e4);
    assert.equal(r.linesPerSecond(), undefined);
  });
});
