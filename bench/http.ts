// npm run bench:http: POST /v1/determinations under load, recorded in the real PostgreSQL.
// The service runs as its own process (as deployed); autocannon drives it from this one over
// loopback with the scenario corpus's requests in turn. Afterwards the store must hold exactly
// one record per 200. Target on the 2-core machine: >= 5,000 requests/s with p99 <= 20 ms.
import autocannon from 'autocannon';
import { loadScenarioCases } from '../src/policies/scenario-cases.js';
import { cpuMs, postgresCpuMs, startServeOnPostgres } from './support/serve-process.js';

const TARGET_RPS = 5_000;
const TARGET_P99_MS = 20;
// A fixed number of requests (not a duration) so that none is cut off mid-flight: the store's
// count must equal the 200s exactly.
const total = Number(process.env['BENCH_REQUESTS'] ?? 50_000);
const connections = Number(process.env['BENCH_CONNECTIONS'] ?? 16);

const service = await startServeOnPostgres();
const base = service.base;

const bodies = loadScenarioCases().map((c) => JSON.stringify(c.request));
const requests = bodies.map((body) => ({
  method: 'POST' as const,
  path: '/v1/determinations',
  headers: { 'content-type': 'application/json' },
  body,
}));

// Warm the JIT and the connection pool, then measure.
const warmup = await autocannon({ url: base, connections, amount: 5_000, requests });
const cpu0 = { server: cpuMs(service.pid), postgres: postgresCpuMs(), loadgen: process.cpuUsage() };
const result = await autocannon({ url: base, connections, amount: total, requests });
const loadgen = process.cpuUsage(cpu0.loadgen);
const perRequest = {
  server: ((cpuMs(service.pid) - cpu0.server) * 1000) / total,
  postgres: ((postgresCpuMs() - cpu0.postgres) * 1000) / total,
  loadgen: (loadgen.user + loadgen.system) / total,
};

await service.stop();
const stored = await service.count('determinations');
await service.db.drop();

const ok = result['2xx'];
const warm = warmup['2xx'];
// autocannon's `duration` is rounded; start and finish are exact.
const seconds = (result.finish.getTime() - result.start.getTime()) / 1000;
const rps = (result['2xx'] + result.non2xx) / seconds;
const p99 = result.latency.p99;
console.log(
  `POST /v1/determinations, PostgreSQL store, ${connections} connections, ${total} requests in ${seconds.toFixed(2)} s`,
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
  `  cpu         ${perRequest.server.toFixed(0)} µs/request in the service, ${perRequest.postgres.toFixed(0)} in PostgreSQL, ${perRequest.loadgen.toFixed(0)} in the load generator`,
);
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
