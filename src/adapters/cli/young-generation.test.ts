import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getHeapSpaceStatistics } from 'node:v8';
import { stopYoungGenerationGrowth } from './young-generation.js';

const newSpaceMiB = () =>
  getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!.space_size / 2 ** 20;

// Its own file, so its own process: the flag holds for the rest of the process.
test('the young generation keeps its size under an allocation load that grows it by default', () => {
  stopYoungGenerationGrowth();
  // Objects that survive a scavenge or two, as a busy service's in-flight requests do: V8 grows
  // the young generation when many survive.
  const window: unknown[] = [];
  for (let i = 0; i < 2_000_000; i++) {
    window.push({ i, s: `request ${i}`, a: [i, i + 1] });
    if (window.length > 50_000) window.splice(0, 10_000);
  }
  assert.ok(window.length > 0);
  // By default it grows to 32 MiB here; without growth it stays at its first size (2 MiB).
  assert.ok(newSpaceMiB() <= 4, `the new space grew to ${newSpaceMiB()} MiB`);
});
