// npm run bench:http: POST /v1/determinations under load, recorded in the real PostgreSQL.
// The service runs as its own process (as deployed); autocannon drives it from this one over
// loopback with the scenario corpus's requests in turn. Afterwards the store must hold exactly
// one record per 200. Target on the 2-core machine: >= 5,000 requests/s with p99 <= 20 ms.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { packageRoot } from '../src/package-root.js';
import { loadScenarioCases } from '../src/policies/scenario-cases.js';
import { freshDatabase } from '../test/support/postgres.js';

const TARGET_RPS = 5_000;
const TARGET_P99_MS = 20;
// A fixed number of requests (not a duration) so that none is cut off mid-flight: the store's
// count must equal the 200s exactly.
const total = Number(process.env['BENCH_REQUESTS'] ?? 50_000);
const connections = Number(process.env['BENCH_CONNECTIONS'] ?? 16);

const db = await freshDatabase();
const child = spawn(
  process.execPath,
  [join(packageRoot(), 'bin', 'medpolicy.js'), 'serve', '--port', '0', '--log-level', 'warn'],
  { env: { ...process.env, DATABASE_URL: db.url }, stdio: ['ignore', 'ignore', 'pipe'] },
);
let err = '';
child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
const base = await new Promise<string>((resolve, reject) => {
  const timer = setInterval(() => {
    const m = /medpolicy serving at (http:\/\/\S+) /.exec(err);
    if (m) {
      clearInterval(timer);
      resolve(m[1]!);
    } else if (child.exitCode !== null) {
      clearInterval(timer);
      reject(new Error(`serve exited:\n${err}`));
    }
  }, 50);
});

const bodies = loadScenarioCases().map((c) => JSON.stringify(c.request));
const requests = bodies.map((body) => ({
  method: 'POST' as const,
  path: '/v1/determinations',
  headers: { 'content-type': 'application/json' },
  body,
}));

// Warm the JIT and the connection pool, then measure.
const warmup = await autocannon({ url: base, connections, amount: 5_000, requests });
const result = await autocannon({ url: base, connections, amount: total, requests });

child.kill('SIGTERM');
await once(child, 'exit');
const client = new pg.Client({ connectionString: db.url });
await client.connect();
const stored = Number(
  (await client.query<{ n: string }>('SELECT count(*)::text AS n FROM determinations')).rows[0]!.n,
);
await client.end();
await db.drop();

const ok = result['2xx'];
const warm = warmup['2xx'];
const rps = (result['2xx'] + result.non2xx) / result.duration;
const p99 = result.latency.p99;
console.log(
  `POST /v1/determinations, PostgreSQL store, ${connections} connections, ${total} requests in ${result.duration.toFixed(1)} s`,
);
console.log(`  requests/s  ${Math.round(rps)} (target >= ${TARGET_RPS})`);
console.log(
  `  latency     p50 ${result.latency.p50} ms, p90 ${result.latency.p90} ms, p99 ${p99} ms (target <= ${TARGET_P99_MS} ms), max ${result.latency.max} ms`,
);
console.log(
  `  responses   ${ok} x 200, ${result.non2xx} other, ${result.errors} errors, ${result.timeouts} timeouts`,
);
const accounted = stored === warm + ok;
console.log(
  `  stored      ${stored} records for ${warm + ok} answers of 200 (warm-up ${warm} + run ${ok}): ${accounted ? 'equal' : 'MISMATCH'}`,
);
const pass =
  rps >= TARGET_RPS &&
  p99 <= TARGET_P99_MS &&
  result.non2xx === 0 &&
  result.errors === 0 &&
  accounted;
console.log(pass ? '  target met' : '  target NOT met');
