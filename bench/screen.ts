// npm run bench:screen: batch screening throughput, NDJSON in to NDJSON out, on generated
// realistic claim lines (bench/generate-claims.ts), and the same policy in other engines.
//
//  1. `medpolicy screen FILE --out /dev/null` as a child process, with 1 and with 2 worker
//     threads, BENCH_RUNS times each (default 3): lines/s = lines / wall-clock time of the whole
//     process (start-up and policy loading included), lines/s inside the run, and "steady"
//     lines/s after the first tenth of the file. Medians are reported, with min and max.
//     Target: ≥ 350,000 lines/s per core steady (1 worker is one thread).
//  2. Peers: BCBSAL MP-446 in compiled json-logic-engine, json-logic-js, json-rules-engine and
//     hand-written TypeScript (bench/peers/), checked first to agree with medpolicy on every
//     scenario case of the policy and on the first BENCH_AGREE_LINES (default 5,000) lines.
//     Then every engine screens the same BCBSAL lines in this process, one thread, in paired
//     rounds (turns of whole 4,096-line chunks, about 50 ms each), parse to row: each line
//     becomes a request, a decision and an NDJSON row, and each chunk's rows one buffer. Two
//     ways, so that every engine gets the same parser:
//     A. all read with medpolicy's NDJSON byte reader (what `medpolicy screen` runs);
//     B. all parse with JSON.parse (medpolicy then validates; the peers check the request).
//     Targets, on the median of the per-round ratios: medpolicy ≥ 10× json-logic-js and
//     ≥ 2× compiled json-logic-engine.
//
// BENCH_LINES (default 2,000,000) sets the file size; BENCH_PEER_LINES (default 100,000) the
// peers' input; BENCH_SCREEN_ROUNDS (default 12) the peer rounds, after BENCH_SCREEN_WARMUP
// (default 24) untimed ones, each turn lasting about BENCH_TURN_MS (default 50; 0 for one chunk
// a turn); BENCH_OTHER_LINES (default 300,000) the CSV and X12 runs; BENCH_MEMORY_LINES
// (default 10,000,000; 0 skips it) the run whose peak RSS is reported. The machine is shared: figures are medians of noisy runs.
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
import { runInNewContext } from 'node:vm';
import { join } from 'node:path';
import { chunkProcessor } from '../src/adapters/batch/chunk-job.js';
import type * as ReaderModule from '../src/adapters/batch/ndjson-request-reader.js';
import { ENVELOPE, Screener } from '../src/adapters/batch/screener.js';
import { fastChecks } from '../src/service/validate-request-fast.js';
import { packageRoot } from '../src/package-root.js';
import { loadRejectedScenarioCases, loadScenarioCases } from '../src/policies/scenario-cases.js';
import { loadContext } from '../src/service/load-context.js';
import {
  CSV_GENERATED_HEADER,
  generateLines,
  SYNTHETIC_NDC_MAP,
  toCsv,
  toNdjson,
  toX12,
} from './generate-claims.js';
import { disagreements } from './peers/agreement.js';
import { errorRowOf, rowOf, type PeerDecision } from './peers/mp446-facts.js';
import { mp446Peers, type Peer } from './peers/peers.js';
import {
  pairedRounds,
  printRounds,
  printTarget,
  type Contender,
  type Timings,
} from './support/paired-rounds.js';

const LINES = Number(process.env.BENCH_LINES ?? 2_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const PEER_LINES = Number(process.env.BENCH_PEER_LINES ?? 100_000);
const AGREE_LINES = Number(process.env.BENCH_AGREE_LINES ?? 5_000);
const SCREEN_ROUNDS = Number(process.env.BENCH_SCREEN_ROUNDS ?? 12);
const SCREEN_WARMUP = Number(process.env.BENCH_SCREEN_WARMUP ?? 24);
const TURN_MS = Number(process.env.BENCH_TURN_MS ?? 50);
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
      `  ${w} worker${w > 1 ? 's' : ' '}: ${fmt(median(r.wall))} lines/s [${fmt(Math.min(...r.wall))}, ${fmt(Math.max(...r.wall))}] whole process; ${fmt(median(r.inner))} lines/s inside the run; ${fmt(median(r.steady))} lines/s [${fmt(Math.min(...r.steady))}, ${fmt(Math.max(...r.steady))}] after the first tenth; ${fmt(median(r.cpu))} lines per CPU-second; ${median(r.cores).toFixed(2)} cores used; peak RSS ${Math.max(...r.rss)} MB`,
    );
  }
  const one = median(results[1]!.wall);
  const two = median(results[2]!.wall);
  // Reported, not a target: issue 17's per-core rate replaced the screening issue's 1.7x.
  console.log(`  2 workers / 1 worker: ${(two / one).toFixed(2)}x`);
  const steadyRatio = median(results[2]!.steady) / median(results[1]!.steady);
  console.log(
    `  the same after the first tenth of the file (start-up left out): ${steadyRatio.toFixed(2)}x`,
  );
  // One worker is one thread (the main thread reads, screens and writes): per core. "Steady" is
  // after the first tenth of the file, start-up and policy loading left out.
  const steadyOne = median(results[1]!.steady);
  console.log(
    `  target: ≥ 350,000 lines/s per core steady (1 worker, after the first tenth, median): ${steadyOne >= 350_000 ? 'met' : 'NOT met'} (${fmt(steadyOne)} [${fmt(Math.min(...results[1]!.steady))}, ${fmt(Math.max(...results[1]!.steady))}]; ${fmt(median(results[1]!.cpu))} lines per CPU-second over the whole run)`,
  );

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
  const peers = mp446Peers(ctx.terminology, new Set(['bcbsal']));
  const peerText = [...ndjson(PEER_LINES, 43, (p) => p === 'bcbsal')].slice(0, PEER_LINES);
  const envelopeOf = (l: string) => {
    const o = JSON.parse(l) as Record<string, unknown>;
    delete o.claimId;
    delete o.claimLine;
    return o;
  };
  // The peers encode the questions MP-446 asks, not the answers: cases giving facts are left
  // out, as in bench/engine.ts (the generated lines give none).
  const cases = [...loadScenarioCases(), ...loadRejectedScenarioCases()].filter(
    (c) => c.policy === 'bcbsal-mp-446' && c.request.facts === undefined,
  );
  const checked = [
    ...cases.map((c) => c.request),
    ...peerText.slice(0, AGREE_LINES).map(envelopeOf),
  ];
  const found = await disagreements(checked, ctx, peers);
  if (found.length > 0) {
    console.log(`\npeers: agreement check FAILED (${found.length}); the first:`);
    console.log(JSON.stringify(found.slice(0, 3), null, 2));
    process.exit(1);
  }
  console.log(
    `\npeers on BCBSAL MP-446 (${peers.map((p) => p.name).join(', ')}): decide as medpolicy does on the policy's ${cases.length} scenario cases and the first ${fmt(Math.min(AGREE_LINES, peerText.length))} of the lines below`,
  );

  // Every engine screens the same chunks of about 4,000 lines, as the screen pipeline does,
  // and makes one output buffer of NDJSON rows per chunk, in turns (paired rounds, one chunk a
  // turn, one thread).
  const CHUNK = 4096;
  const chunkLines: string[][] = [];
  for (let i = 0; i + CHUNK <= peerText.length; i += CHUNK)
    chunkLines.push(peerText.slice(i, i + CHUNK));
  const chunkBytes = chunkLines.map((c) => Buffer.from(c.join('\n') + '\n'));
  const firstLine = (chunk: number) => 1 + chunk * CHUNK;
  // The same conditions for every engine, as in a long screening run: rounds begin once the JIT
  // has settled (24 rounds of 4,096 lines, about the first tenth that the CLI's steady rate
  // leaves out; with 2, medpolicy's larger code was still tiering up in the timed rounds), and
  // each turn ends with two minor collections (scavenges) timed as its own, so that every engine
  // pays for collecting its own young garbage and none for another's. Two, because a scavenge
  // only moves an object that survives its first one within the young generation; the next
  // promotes it. With one, the next engine's first scavenge promoted what the previous engine
  // left alive: medpolicy's turns after json-logic-js's were 3-4 % slower than with two (paired in
  // one process).
  //
  // Not a full collection: on Node 20, gc({ type: 'major' }) only scavenges (--trace-gc shows
  // "Scavenge ... testing"), and gc() with no argument, the real mark-compact, marks the whole
  // heap every engine shares (inputs, contexts, compiled rules): about 80 ms a turn, more than
  // most turns, which put every engine near 40,000 lines per CPU-second. So garbage an engine
  // promotes to the old generation is collected by mark-compacts in whichever turn they fall.
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (o: { type: 'minor' }) => void;
  const rounds = {
    rounds: SCREEN_ROUNDS,
    perRound: 1,
    size: chunkLines.length,
    warmup: SCREEN_WARMUP,
    endOfTurn: () => {
      gc({ type: 'minor' });
      gc({ type: 'minor' });
    },
    // Whole chunks a turn, as many as make it last about TURN_MS (0: one chunk a turn). With one
    // chunk a turn, medpolicy's turns (about 8 ms) were 12-20 % slower beside the JsonLogic
    // engines' (70-130 ms) than beside nothing; with 8 chunks a turn, about 5 % (measured with
    // each engine in a worker thread of its own). That is a cost of taking turns, which a long
    // run of one engine does not pay: caches refilled after another engine's turn, and the
    // others' collections falling in its turn (not told apart).
    ...(TURN_MS > 0 ? { minTurnMs: TURN_MS } : {}),
  };
  const turns =
    TURN_MS > 0
      ? `turns of whole ${fmt(CHUNK)}-line chunks, as many as last about ${TURN_MS} ms`
      : `turns of one ${fmt(CHUNK)}-line chunk`;
  // Every engine's rows of a chunk land in a buffer that is used again, as the CLI's are (a fresh
  // megabyte each chunk is page faults, not screening), each row as soon as it is made, as
  // medpolicy's are. A peer's rows kept as one growing string until the chunk's end lived through
  // several scavenges and were promoted: that made json-logic-js's turns about 30 % slower, and the
  // old generation it filled made every engine's scavenges slower (measured in one process, turns
  // alternated).
  const rowBuffer = Buffer.allocUnsafeSlow(16 << 20);
  const putRow = (o: number, row: string) => {
    const n = rowBuffer.write(row, o);
    if (o + n >= rowBuffer.length) throw new Error('rows of a chunk over 16 MB');
    return o + n;
  };
  // A peer's row for a request parsed with JSON.parse: its decision, or an error row where it
  // refused the request.
  const parsedRow = (decided: PeerDecision | null, q: Record<string, unknown>, line: number) =>
    decided
      ? rowOf(decided, line, q.claimId, q.claimLine, q.payer as string)
      : errorRowOf(line, '');
  const asLines = (t: Timings[]) =>
    t.map((e) => ({ ...e, cpu: e.cpu.map((v) => v * CHUNK), wall: e.wall.map((v) => v * CHUNK) }));

  // A. Every engine reads with medpolicy's own NDJSON reader (src/adapters/batch/
  // ndjson-request-reader.ts: bytes straight to a validated, normalized request; a line it
  // declines is parsed with JSON.parse and validated). medpolicy runs exactly what `medpolicy
  // screen` runs on a chunk; the peers get each line's request from the same reader's code.
  //
  // Each peer from its own copy of the reader's module, as each engine would have in a process of
  // its own: one copy shared its type feedback and optimized code between medpolicy and the
  // peers, whose calls differ (envelopeValues), and that made medpolicy's turns 4-7 % slower
  // (medpolicy 514-519k lines per CPU-second with a shared copy, 551-583k with its own, runs
  // alternated on one host).
  const readerModule = '../src/adapters/batch/ndjson-request-reader.js';
  const peerViaReader = async (p: Peer): Promise<Contender> => {
    const own = (await import(`${readerModule}?peer=${p.name}`)) as typeof ReaderModule;
    const reader = own.ndjsonRequestReader(fastChecks(ctx));
    const envelopeValues = own.envelopeValues;
    return {
      name: p.name,
      async run(chunk) {
        const b = chunkBytes[chunk]!;
        let line = firstLine(chunk);
        let o = 0;
        for (let pos = 0; pos < b.length; line++) {
          const nl = b.indexOf(10, pos);
          const r = reader.read(b, pos, nl);
          if (r !== undefined) {
            // The envelope as strings (and a number), as the reader gave them before it left them
            // as bytes for medpolicy's row writer: the peers' rows are written from values.
            const e = envelopeValues(reader.envelope, b);
            const d = p.fromNormalized(r);
            const decided = p.async ? await d : (d as PeerDecision);
            o = putRow(o, rowOf(decided, line, e.claimId, e.claimLine, r.payer));
          } else {
            const q = JSON.parse(b.toString('utf8', pos, nl)) as Record<string, unknown>;
            const d = p.fromRequest(q, ENVELOPE);
            const decided = p.async ? await d : (d as PeerDecision | null);
            o = putRow(o, parsedRow(decided, q, line));
          }
          pos = nl + 1;
        }
        return o;
      },
    };
  };
  const job = chunkProcessor(ctx, { format: 'ndjson', settings: { output: 'ndjson' } });
  const viaReader = await pairedRounds(
    [
      {
        name: 'medpolicy screen (chunk)',
        run(chunk) {
          const rows = job.run(chunkBytes[chunk]!, firstLine(chunk));
          job.screener.recycleRows(rows.buffer as ArrayBuffer);
          return rows.length;
        },
      },
      ...(await Promise.all(peers.map(peerViaReader))),
    ],
    rounds,
  );
  console.log(
    `\nA. one thread, the same BCBSAL lines, every engine reading with medpolicy's NDJSON reader, bytes → decision → row bytes (${SCREEN_ROUNDS} rounds, ${turns}):`,
  );
  printRounds(asLines(viaReader), 'lines', 'chunks');

  // B. Every engine parses each line with JSON.parse: medpolicy then validates (its fast
  // validator, the full one for anything unusual) and decides as the screener does for a line
  // its reader declines; the peers check the request (bench/peers/validate-request.ts), derive
  // their facts and apply their rules.
  const screener = new Screener(ctx, { output: 'ndjson' });
  const viaParse = await pairedRounds(
    [
      {
        name: 'medpolicy screen (JSON.parse)',
        run(chunk) {
          let line = firstLine(chunk);
          for (const l of chunkLines[chunk]!) {
            const o = JSON.parse(l) as { claimId?: string; claimLine?: number };
            screener.request(
              o,
              { sourceLine: line++, claimId: o.claimId, claimLine: o.claimLine },
              ENVELOPE,
            );
          }
          const rows = screener.takeRows();
          screener.recycleRows(rows.buffer as ArrayBuffer);
          return rows.length;
        },
      },
      ...peers.map((p): Contender => ({
        name: p.name,
        async run(chunk) {
          let line = firstLine(chunk);
          let o = 0;
          for (const l of chunkLines[chunk]!) {
            const q = JSON.parse(l) as Record<string, unknown>;
            const d = p.fromRequest(q, ENVELOPE);
            const decided = p.async ? await d : (d as PeerDecision | null);
            o = putRow(o, parsedRow(decided, q, line));
            line++;
          }
          return o;
        },
      })),
    ],
    rounds,
  );
  console.log(
    `\nB. the same, every engine parsing each line with JSON.parse, text → decision → row bytes (${SCREEN_ROUNDS} rounds, ${turns}):`,
  );
  printRounds(asLines(viaParse), 'lines', 'chunks');

  const byName = (t: Timings[], name: string) => t.find((e) => e.name === name)!;
  console.log('');
  for (const [label, t] of [
    ['A (same reader)', viaReader],
    ['B (JSON.parse) ', viaParse],
  ] as const) {
    printTarget(`${label} medpolicy`, t[0]!, byName(t, 'json-logic-js'), 10);
    printTarget(`${label} medpolicy`, t[0]!, byName(t, 'json-logic-engine'), 2);
  }
  rmSync(dir, { recursive: true, force: true });
}

await main();
