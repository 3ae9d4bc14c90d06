// npm run bench:screen — batch screening throughput, NDJSON in to NDJSON out, on generated
// realistic claim lines (bench/generate-claims.ts), and the same policy logic in two generic
// rule engines, side by side.
//
//  1. `medpolicy screen FILE --out /dev/null` as a child process, with 1 and with 2 worker
//     threads, BENCH_RUNS times each (default 3): lines/s = lines / wall-clock time of the whole
//     process (start-up and policy loading included). Medians are reported, with min and max.
//  2. Peers: BCBSAL MP-446 in JsonLogic and in json-rules-engine (bench/peers/), checked first
//     to agree with medpolicy on every scenario case of the policy; then medpolicy's screener,
//     JsonLogic and json-rules-engine each screen the same BCBSAL lines in this process (parse,
//     decide, serialize a row), and lines/s and medpolicy's ratio over each are printed; then
//     the same with the requests already parsed (decisions only).
//
// BENCH_LINES (default 2,000,000) sets the file size; BENCH_PEER_LINES (default 100,000) the
// peers' input; BENCH_OTHER_LINES (default 300,000) the CSV and X12 runs; BENCH_MEMORY_LINES
// (default 10,000,000; 0 skips it) the run whose peak RSS is reported. The machine is shared:
// figures are medians of noisy runs.
import { spawnSync } from 'node:child_process';
import {
  createReadStream,
  createWriteStream,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { setFlagsFromString } from 'node:v8';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chunkProcessor } from '../src/adapters/batch/chunk-job.js';
import { ENVELOPE } from '../src/adapters/batch/screener.js';
import { decide } from '../src/engine/decide.js';
import { fastValidator } from '../src/service/validate-request-fast.js';
import { packageRoot } from '../src/package-root.js';
import { loadScenarioCases } from '../src/policies/scenario-cases.js';
import { decideRequest } from '../src/service/decide-request.js';
import { loadContext } from '../src/service/load-context.js';
import {
  CSV_GENERATED_HEADER,
  generateLines,
  SYNTHETIC_NDC_MAP,
  toCsv,
  toNdjson,
  toX12,
} from './generate-claims.js';
import { comparable, normalizePeer } from './peers/agreement.js';
import { decideJsonLogic } from './peers/json-logic.js';
import { decideJsonRulesEngine } from './peers/json-rules-engine.js';
import { mp446Facts, rowOf, type PeerDecision } from './peers/mp446-facts.js';

const LINES = Number(process.env.BENCH_LINES ?? 2_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const PEER_LINES = Number(process.env.BENCH_PEER_LINES ?? 100_000);
const OTHER_LINES = Number(process.env.BENCH_OTHER_LINES ?? 300_000);
const MEMORY_LINES = Number(process.env.BENCH_MEMORY_LINES ?? 10_000_000);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const dir = mkdtempSync(join(tmpdir(), 'medpolicy-bench-'));
const bin = join(packageRoot(), 'bin/medpolicy.js');

async function writeLines(path: string, lines: Iterable<string>): Promise<number> {
  const out = createWriteStream(path);
  let n = 0;
  let buf = '';
  for (const l of lines) {
    buf += l.endsWith('\n') ? l : l + '\n';
    n++;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
  return n;
}

function* ndjson(count: number, seed: number, filter?: (payer: string) => boolean) {
  for (const g of generateLines(filter ? count * 8 : count, seed)) {
    if (filter && !filter(g.payer)) continue;
    yield toNdjson(g);
  }
}

function screenRun(
  file: string,
  workers: number,
  extra: string[] = [],
): {
  ms: number;
  lines: number;
  inner: number;
  cpuMs: number;
  innerMs: number;
  peakRssMb: number;
  steady: number;
} {
  const summary = join(dir, 'summary.json');
  const args = ['screen', file, '--no-progress', '--out', '/dev/null', '--summary', summary];
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [bin, ...args, '--workers', String(workers), ...extra], {
    encoding: 'utf8',
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0 && r.status !== 1) throw new Error(`screen failed: ${r.stderr}`);
  const s = JSON.parse(readFileSync(summary, 'utf8')) as {
    lines: number;
    run: { elapsedMs: number; cpuMs: number; peakRssMb: number; steadyLinesPerSecond: number };
  };
  return {
    ms,
    lines: s.lines,
    inner: (s.lines / s.run.elapsedMs) * 1000,
    cpuMs: s.run.cpuMs,
    innerMs: s.run.elapsedMs,
    peakRssMb: s.run.peakRssMb,
    steady: s.run.steadyLinesPerSecond,
  };
}

async function main(): Promise<void> {
  console.log(`generating ${fmt(LINES)} claim lines (NDJSON) …`);
  const file = join(dir, 'claims.ndjson');
  const n = await writeLines(file, ndjson(LINES, 42));

  const results: Record<
    number,
    {
      wall: number[];
      inner: number[];
      steady: number[];
      cpu: number[];
      cores: number[];
      rss: number[];
    }
  > = {};
  for (let i = 0; i < RUNS; i++)
    for (const w of [1, 2]) {
      const r = screenRun(file, w);
      if (r.lines !== n) throw new Error(`screen wrote ${r.lines} rows for ${n} lines`);
      (results[w] ??= { wall: [], inner: [], steady: [], cpu: [], cores: [], rss: [] }).wall.push(
        (n / r.ms) * 1000,
      );
      results[w]!.rss.push(r.peakRssMb);
      results[w]!.steady.push(r.steady);
      results[w]!.inner.push(r.inner);
      results[w]!.cpu.push((n / r.cpuMs) * 1000);
      // CPU time over wall time: how many cores the run actually got on a shared machine.
      results[w]!.cores.push(r.cpuMs / r.innerMs);
    }
  console.log(
    `\nmedpolicy screen, NDJSON → NDJSON, ${fmt(n)} lines, ${RUNS} runs each (median [min, max]):`,
  );
  for (const w of [1, 2]) {
    const r = results[w]!;
    console.log(
      `  ${w} worker${w > 1 ? 's' : ' '}: ${fmt(median(r.wall))} lines/s [${fmt(Math.min(...r.wall))}, ${fmt(Math.max(...r.wall))}] whole process; ${fmt(median(r.inner))} lines/s inside the run; ${fmt(median(r.steady))} lines/s after the first tenth; ${fmt(median(r.cpu))} lines per CPU-second; ${median(r.cores).toFixed(2)} cores used; peak RSS ${Math.max(...r.rss)} MB`,
    );
  }
  const one = median(results[1]!.wall);
  const two = median(results[2]!.wall);
  console.log(`  2 workers / 1 worker: ${(two / one).toFixed(2)}x (target 1.7x)`);
  const steadyRatio = median(results[2]!.steady) / median(results[1]!.steady);
  console.log(
    `  the same after the first tenth of the file (start-up left out): ${steadyRatio.toFixed(2)}x`,
  );
  console.log(`  1 worker target 500,000 lines/s: ${one >= 500_000 ? 'met' : 'NOT met'}`);

  // Flat memory: the peak RSS of a run over MEMORY_LINES lines (the target: under 256 MB for
  // 10 million). The file is the same claims written again until it has that many lines.
  if (MEMORY_LINES > 0) {
    const big = join(dir, 'claims-big.ndjson');
    let written = 0;
    while (written < MEMORY_LINES) {
      // Streamed, so this process stays small (a child's peak RSS is read from VmHWM anyway).
      await pipeline(createReadStream(file), createWriteStream(big, { flags: 'a' }));
      written += n;
    }
    console.log(`\npeak RSS over ${fmt(written)} lines (target < 256 MB):`);
    for (const w of [1, 2]) {
      const r = screenRun(big, w);
      console.log(
        `  ${w} worker${w > 1 ? 's' : ' '}: ${r.peakRssMb} MB ${r.peakRssMb < 256 ? '(met)' : '(NOT met)'}; ${fmt((r.lines / r.ms) * 1000)} lines/s`,
      );
    }
    rmSync(big);
  }
  rmSync(file);

  // The other input formats, same claims, one run each (they have no throughput target).
  const csvFile = join(dir, 'claims.csv');
  await writeLines(csvFile, [
    CSV_GENERATED_HEADER,
    ...[...generateLines(OTHER_LINES, 42)].map(toCsv),
  ]);
  const x12File = join(dir, 'claims.837');
  await writeLines(x12File, toX12(generateLines(OTHER_LINES, 42)));
  const ndcMap = join(dir, 'ndc.csv');
  writeFileSync(ndcMap, SYNTHETIC_NDC_MAP);
  console.log(`\nother formats, ${fmt(OTHER_LINES)} lines, one run (whole process):`);
  for (const [label, f, w, extra] of [
    ['CSV, 1 worker ', csvFile, 1, []],
    ['CSV, 2 workers', csvFile, 2, []],
    ['X12 837P      ', x12File, 1, ['--ndc-map', ndcMap]],
  ] as const) {
    const r = screenRun(f, w, [...extra]);
    console.log(`  ${label}: ${fmt((r.lines / r.ms) * 1000)} lines/s (${fmt(r.lines)} rows)`);
  }
  rmSync(csvFile);
  rmSync(x12File);

  // Peers. They run in this process under the V8 flag `medpolicy screen` sets for itself (see
  // src/adapters/cli/screen.ts): without it, V8 sometimes pretenured the per-line objects of
  // whichever engine ran while the long-lived inputs below were still young.
  setFlagsFromString('--no-allocation-site-pretenuring');
  const ctx = loadContext({});
  const cases = loadScenarioCases().filter((c) => c.policy === 'bcbsal-mp-446');
  let agreeLogic = 0;
  let agreeRules = 0;
  for (const c of cases) {
    const r = decideRequest(c.request, ctx);
    if (!r.ok) continue;
    const ours = JSON.stringify(comparable(r.determination));
    const f = mp446Facts(c.request, ctx.terminology);
    if (JSON.stringify(normalizePeer(decideJsonLogic(f))) === ours) agreeLogic++;
    if (JSON.stringify(normalizePeer(await decideJsonRulesEngine(f))) === ours) agreeRules++;
  }
  console.log(
    `\npeers on BCBSAL MP-446: agreement with medpolicy on the policy's ${cases.length} scenario cases: JsonLogic ${agreeLogic}/${cases.length}, json-rules-engine ${agreeRules}/${cases.length}`,
  );
  const peerText = [...ndjson(PEER_LINES, 43, (p) => p === 'bcbsal')].slice(0, PEER_LINES);

  // Like the screen pipeline, every engine works through chunks of about 4,000 lines and builds
  // one output string per chunk (a single string for all lines would measure the collector).
  const CHUNK = 4096;
  const chunkLines: string[][] = [];
  for (let i = 0; i < peerText.length; i += CHUNK) chunkLines.push(peerText.slice(i, i + CHUNK));
  // medpolicy's chunks go through what the screen pipeline runs on each chunk (UTF-8 bytes in,
  // encoded rows out).
  const chunkBytes = chunkLines.map((c) => Buffer.from(c.join('\n') + '\n'));
  const ours = () => {
    const job = chunkProcessor(ctx, { format: 'ndjson', settings: { output: 'ndjson' } });
    let n = 0;
    let line = 1;
    for (let i = 0; i < chunkBytes.length; i++) {
      n += job.run(chunkBytes[i]!, line).length;
      line += chunkLines[i]!.length;
    }
    return n;
  };
  const peer = (decideOne: (f: ReturnType<typeof mp446Facts>) => PeerDecision) => () => {
    let n = 0;
    for (const chunk of chunkLines) {
      let out = '';
      for (const line of chunk) {
        const req = JSON.parse(line) as Record<string, unknown>;
        out += rowOf(decideOne(mp446Facts(req, ctx.terminology)));
      }
      n += out.length;
    }
    return n;
  };
  const peerAsync = async () => {
    let n = 0;
    for (const chunk of chunkLines) {
      let out = '';
      for (const line of chunk) {
        const req = JSON.parse(line) as Record<string, unknown>;
        out += rowOf(await decideJsonRulesEngine(mp446Facts(req, ctx.terminology)));
      }
      n += out.length;
    }
    return n;
  };
  const time = async (f: () => number | Promise<number>) => {
    const start = process.hrtime.bigint();
    await f();
    return (peerText.length / (Number(process.hrtime.bigint() - start) / 1e6)) * 1000;
  };
  const rates: Record<string, number[]> = { medpolicy: [], JsonLogic: [], 'json-rules-engine': [] };
  await time(ours); // warm-up
  await time(peer(decideJsonLogic));
  for (let i = 0; i < RUNS; i++) {
    rates.medpolicy!.push(await time(ours));
    rates.JsonLogic!.push(await time(peer(decideJsonLogic)));
    rates['json-rules-engine']!.push(await time(peerAsync));
  }
  const m = Object.fromEntries(Object.entries(rates).map(([k, v]) => [k, median(v)])) as Record<
    string,
    number
  >;
  console.log(
    `same ${fmt(peerText.length)} BCBSAL lines, one thread, parse → decide → row (median of ${RUNS}):`,
  );
  for (const [k, v] of Object.entries(m))
    console.log(
      `  ${k.padEnd(18)} ${fmt(v).padStart(10)} lines/s${k === 'medpolicy' ? '' : `   medpolicy is ${(m.medpolicy! / v).toFixed(1)}x`}`,
    );
  const faster = Math.max(m.JsonLogic!, m['json-rules-engine']!);
  console.log(
    `  target ≥ 10x the faster peer: ${m.medpolicy! / faster >= 10 ? 'met' : 'NOT met'} (${(m.medpolicy! / faster).toFixed(1)}x)`,
  );

  // The same, decisions only: each engine gets the requests already parsed (JSON parsing is the
  // same cost for all three and dominates the figures above). medpolicy validates, normalizes
  // and decides; the peers build their facts and apply their rules.
  const parsed = peerText.map((l) => JSON.parse(l) as Record<string, unknown>);
  const fast = fastValidator(ctx);
  const decideOurs = () => {
    let n = 0;
    for (const req of parsed) {
      const v = fast.validate(req, ENVELOPE);
      if (v.ok) n += decide(v.value, ctx.policySet, ctx.terminology).reasons.length;
    }
    return n;
  };
  const decidePeer = (decideOne: (f: ReturnType<typeof mp446Facts>) => PeerDecision) => () => {
    let n = 0;
    for (const req of parsed) n += decideOne(mp446Facts(req, ctx.terminology)).missing.length;
    return n;
  };
  const decidePeerAsync = async () => {
    let n = 0;
    for (const req of parsed)
      n += (await decideJsonRulesEngine(mp446Facts(req, ctx.terminology))).missing.length;
    return n;
  };
  const only: Record<string, number[]> = { medpolicy: [], JsonLogic: [], 'json-rules-engine': [] };
  await time(decideOurs);
  await time(decidePeer(decideJsonLogic));
  for (let i = 0; i < RUNS; i++) {
    only.medpolicy!.push(await time(decideOurs));
    only.JsonLogic!.push(await time(decidePeer(decideJsonLogic)));
    only['json-rules-engine']!.push(await time(decidePeerAsync));
  }
  const d = Object.fromEntries(Object.entries(only).map(([k, v]) => [k, median(v)])) as Record<
    string,
    number
  >;
  console.log(`decisions only, requests already parsed (median of ${RUNS}):`);
  for (const [k, v] of Object.entries(d))
    console.log(
      `  ${k.padEnd(18)} ${fmt(v).padStart(10)} lines/s${k === 'medpolicy' ? '' : `   medpolicy is ${(d.medpolicy! / v).toFixed(1)}x`}`,
    );
  rmSync(dir, { recursive: true, force: true });
}

await main();
