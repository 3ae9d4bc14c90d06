import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { getHeapStatistics } from 'node:v8';
import { PgliteHost } from './pglite-host.js';

// Its own file, so its own process: V8's wasm compiler memory is counted per process, and
// another test's PGlite on this thread would add to it.
test('the embedded database runs without the optimizing compiler’s working memory', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'medpolicy-wasm-memory-'));
  const host = await PgliteHost.open(dir);
  try {
    await host.exec('CREATE TABLE t (id serial PRIMARY KEY, body jsonb NOT NULL)');
    // Enough work on the parser and executor to make their functions hot (tier-up candidates).
    for (let i = 0; i < 300; i++) {
      await host.query('INSERT INTO t (body) VALUES ($1)', [
        JSON.stringify({ i, s: 'x'.repeat(i) }),
      ]);
      await host.query('SELECT id, body->>$1 AS v FROM t ORDER BY id DESC LIMIT 5', ['i']);
    }
    // Tier-up compiles in the background; give it time to happen if it is going to.
    await new Promise((r) => setTimeout(r, 1000));
  } finally {
    await host.close();
    rmSync(dir, { recursive: true, force: true });
  }
  // V8 adds its process-wide wasm compiler memory to every isolate's malloced-memory figures.
  // Optimizing PostgreSQL’s hot functions peaked at 58-98 MiB of it; baseline code at about 10.
  const peakMiB = getHeapStatistics().peak_malloced_memory / 2 ** 20;
  assert.ok(peakMiB < 30, `V8 malloc'd memory peaked at ${peakMiB.toFixed(1)} MiB`);
});
