import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pairedRounds, type Contender } from '../bench/support/paired-rounds.js';

// The benchmarks' turns (bench/support/paired-rounds.ts): with minTurnMs, a contender whose slice
// is quick runs several consecutive slices a turn and a slow one runs one, and each turn's rate
// counts every slice it ran.

/** A contender that spends `ms` of wall-clock time on each slice and records the slices it ran. */
function busy(name: string, ms: number): Contender & { ran: number[] } {
  const ran: number[] = [];
  return {
    name,
    ran,
    run(from) {
      ran.push(from);
      const until = process.hrtime.bigint() + BigInt(Math.round(ms * 1e6));
      while (process.hrtime.bigint() < until);
      return 1;
    },
  };
}

describe('paired rounds', () => {
  it('runs one slice a turn without minTurnMs, in order through the workload', async () => {
    const a = busy('a', 0.1);
    const t = await pairedRounds([a], { rounds: 3, perRound: 10, size: 60, warmup: 2 });
    assert.deepEqual(a.ran, [0, 10, 20, 30, 40]);
    assert.equal(t[0]!.slicesPerTurn, 1);
    assert.equal(t[0]!.cpu.length, 3);
  });

  it('with minTurnMs but no warm-up rounds to count from, runs one slice a turn', async () => {
    const a = busy('a', 0.1);
    const t = await pairedRounds([a], {
      rounds: 2,
      perRound: 10,
      size: 60,
      warmup: 0,
      minTurnMs: 20,
    });
    assert.deepEqual(a.ran, [0, 10]);
    assert.equal(t[0]!.slicesPerTurn, 1);
    assert.ok(t[0]!.cpu.every((rate) => rate > 0 && Number.isFinite(rate)));
  });

  it('with minTurnMs, gives a quick contender consecutive slices a turn and a slow one a single slice', async () => {
    const quick = busy('quick', 0.2);
    const slow = busy('slow', 30);
    const t = await pairedRounds([quick, slow], {
      rounds: 2,
      perRound: 10,
      size: 60,
      warmup: 4,
      minTurnMs: 20,
    });
    // 20 ms of 0.2 ms slices is 100, capped at the workload's 6 slices; of 30 ms slices, 1.
    assert.equal(t[0]!.slicesPerTurn, 6);
    assert.equal(t[1]!.slicesPerTurn, 1);
    // Warm-up turns are one slice each; the first timed round starts where the rounds' order
    // puts it (slice 4) and wraps around the workload.
    assert.deepEqual(quick.ran.slice(4), [40, 50, 0, 10, 20, 30, 50, 0, 10, 20, 30, 40]);
    assert.deepEqual(slow.ran, [0, 10, 20, 30, 40, 50]);
    // A turn's rate counts all its slices: 60 items in about 1.2 ms against 10 in 30 ms, so the
    // quick one's rate is about 150 times the slow one's (25 times if it counted only one slice).
    for (let i = 0; i < 2; i++) {
      const ratio = t[0]!.cpu[i]! / t[1]!.cpu[i]!;
      assert.ok(ratio > 40, `quick ÷ slow items per CPU-second: ${ratio.toFixed(1)}`);
    }
  });
});
