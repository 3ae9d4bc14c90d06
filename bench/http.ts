// npm run bench:http: POST /v1/determinations under load, recorded in the real PostgreSQL and in
// the embedded store (PGlite), in turn; BENCH_STORE=embedded|postgres|both (default both).
// The service runs as its own process (as deployed); autocannon drives it from this one over
// loopback with the scenario corpus's requests in turn. Afterwards the store must hold exactly
// one record per 200. Targets on the 2-core machine: >= 5,000 requests/s with p99 <= 20 ms on
// PostgreSQL; <= 90 µs of service CPU per determination; the embedded service's peak resident
// memory <= 300 MiB (its database lives in the same process).
import autocannon from 'autocannon';
import { loadScenarioCases } from '../src/policies/scenario-cases.js';
import {
  cpuMs,
  postgresCpuMs,
  rssMiB,
  startFloor,
  startServe,
  type BenchStore,
} from './support/serve-process.js';

const TARGET_RPS = 5_000;
const TARGET_P99_MS = 20;
const TARGET_CPU_US = 90;
const TARGET_EMBEDDED_PEAK_RSS_MIB = 300;
// A fixed number of requests (not a duration) so that none is cut off mid-flight: the store's
// count must equal the 200s exactly.
const total = Number(process.env['BENCH_REQUESTS'] ?? 50_000);
const connections = Number(process.env['BENCH_CONNECTIONS'] ?? 16);
const stores = storesToRun(process.env['BENCH_STORE'] ?? 'both');

const bodies = loadScenarioCases().map((c) => JSON.stringify(c.request));
const requests = bodies.map((body) => ({
  method: 'POST' as const,
  path: '/v1/determinations',
  headers: { 'content-type': 'application/json' },
  body,
}));

let allMet = true;
for (const store of stores) allMet = (await run(store)) && allMet;
// The floor under the CPU figure on this machine now: the same load on servers that do nothing
// but read, parse and answer. BENCH_FLOOR=0 skips it.
if (process.env['BENCH_FLOOR'] !== '0') {
  for (const kind of ['node', 'fastify'] as const) {
    const floor = await startFloor(kind);
    await autocannon({ url: floor.base, connections, amount: 5_000, requests });
    const cpu0 = cpuMs(floor.pid);
    await autocannon({ url: floor.base, connections, amount: total, requests });
    const us = ((cpuMs(floor.pid) - cpu0) * 1000) / total;
    await floor.stop();
    console.log(
      `floor: ${kind === 'node' ? 'bare Node http' : 'one minimal Fastify route'} (parse, answer 1.7 KB) ${us.toFixed(0)} µs/request`,
    );
  }
}
console.log(allMet ? 'all targets met' : 'targets NOT all met');

async function run(store: BenchStore): Promise<boolean> {
  const service = await startServe(store);
  const base = service.base;
  // Warm the JIT and the connection pool, then measure.
  const warmup = await autocannon({ url: base, connections, amount: 5_000, requests });
  const cpu0 = {
    server: cpuMs(service.pid),
    postgres: postgresCpuMs(),
    loadgen: process.cpuUsage(),
  };
  const result = await autocannon({ url: base, connections, amount: total, requests });
  const loadgen = process.cpuUsage(cpu0.loadgen);
  const perRequest = {
    server: ((cpuMs(service.pid) - cpu0.server) * 1000) / total,
    postgres: ((postgresCpuMs() - cpu0.postgres) * 1000) / total,
    loadgen: (loadgen.user + loadgen.system) / total,
  };
  // Read before it stops: the peak since start, warm-up and opening the database included.
  const rss = rssMiB(service.pid);

  await service.stop();
  // Group commit: how many determinations each commit carried, warm-up included.
  const commits = await service.commitsInto('determinations');
  const stored = await service.count('determinations');
  await service.discard();

  const ok = result['2xx'];
  const warm = warmup['2xx'];
  // autocannon's `duration` is rounded; start and finish are exact.
  const seconds = (result.finish.getTime() - result.start.getTime()) / 1000;
  const rps = (result['2xx'] + result.non2xx) / seconds;
  const p99 = result.latency.p99;
  const embedded = store === 'embedded';
  console.log(
    `POST /v1/determinations, ${embedded ? 'embedded (PGlite)' : 'PostgreSQL'} store, ${connections} connections, ${total} requests in ${seconds.toFixed(2)} s`,
  );
  console.log(`  requests/s  ${Math.round(rps)}${embedded ? '' : ` (target >= ${TARGET_RPS})`}`);
  console.log(
    `  latency     p50 ${result.latency.p50} ms, p90 ${result.latency.p90} ms, p99 ${p99} ms${embedded ? '' : ` (target <= ${TARGET_P99_MS} ms)`}, max ${result.latency.max} ms`,
  );
  console.log(
    `  responses   ${ok} x 200, ${result.non2xx} other, ${result.errors} errors, ${result.timeouts} timeouts`,
  );
  const accounted = stored === warm + ok;
  // On the embedded store the database is in the service: PostgreSQL's figure is others' work.
  console.log(
    `  cpu         ${perRequest.server.toFixed(0)} µs/determination in the service${embedded ? ' (its database included)' : ''} (target <= ${TARGET_CPU_US}), ${embedded ? '' : `${perRequest.postgres.toFixed(0)} in PostgreSQL, `}${perRequest.loadgen.toFixed(0)} in the load generator`,
  );
  console.log(
    `  memory      service peak RSS ${rss.peak.toFixed(0)} MiB${embedded ? ` (target <= ${TARGET_EMBEDDED_PEAK_RSS_MIB})` : ''}, ${rss.now.toFixed(0)} MiB at the end; at start-up, with child processes, ${service.startPeakTreeMiB.toFixed(0)} MiB`,
  );
  console.log(
    `  commits     ${commits} transactions wrote the ${stored} records: ${(stored / commits).toFixed(1)} per commit`,
  );
  console.log(
    `  stored      ${stored} records for ${warm + ok} answers of 200 (warm-up ${warm} + run ${ok}): ${accounted ? 'equal' : 'MISMATCH'}`,
  );
  const correct = result.non2xx === 0 && result.errors === 0 && accounted;
  const fast = embedded || (rps >= TARGET_RPS && p99 <= TARGET_P99_MS);
  const lean = !embedded || rss.peak <= TARGET_EMBEDDED_PEAK_RSS_MIB;
  const frugal = perRequest.server <= TARGET_CPU_US;
  const pass = correct && fast && lean && frugal;
  console.log(pass ? '  target met' : '  target NOT met');
  return pass;
}

function storesToRun(choice: string): BenchStore[] {
  if (choice === 'both') return ['embedded', 'postgres'];
  if (choice === 'embedded' || choice === 'postgres') return [choice];
  throw new Error(`BENCH_STORE must be embedded, postgres or both, not '${choice}'`);
}
