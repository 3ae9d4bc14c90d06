// npm run bench: in-process determinations per second on one core, over the scenario corpus
// (every payer, every outcome, history, warnings). Requests are validated once up front; the
// loop times decide() alone, the engine's per-request path.
import { decide } from '../src/engine/decide.js';
import type { NormalizedRequest } from '../src/model/normalized-request.js';
import { loadScenarioCases } from '../src/policies/scenario-cases.js';
import { loadContext } from '../src/service/load-context.js';
import { validateCoverageRequest } from '../src/service/validate-request.js';

const TARGET = 1_000_000;
const seconds = Number(process.env.BENCH_SECONDS ?? 3);
const ctx = loadContext({});
const requests: NormalizedRequest[] = [];
for (const c of loadScenarioCases()) {
  const v = validateCoverageRequest(c.request, ctx);
  if (v.ok) requests.push(v.value);
}
const outcomes = new Map<string, number>();
for (const r of requests) {
  const o = decide(r, ctx.policySet, ctx.terminology).outcome;
  outcomes.set(o, (outcomes.get(o) ?? 0) + 1);
}

function run(budgetMs: number): { n: number; ms: number; cpuMs: number } {
  let n = 0;
  let sink = 0;
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(budgetMs * 1e6));
  for (;;) {
    for (let i = 0; i < requests.length; i++)
      sink += decide(requests[i]!, ctx.policySet, ctx.terminology).reasons.length;
    n += requests.length;
    if (process.hrtime.bigint() >= deadline) break;
  }
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const used = process.cpuUsage(cpu);
  if (sink < 0) console.log(sink);
  return { n, ms, cpuMs: (used.user + used.system) / 1000 };
}

run(500); // warm-up: let the JIT settle
const rounds = [run((seconds * 1000) / 3), run((seconds * 1000) / 3), run((seconds * 1000) / 3)];
// Wall time is what a caller sees; CPU time leaves out what a shared host steals from the process.
const rates = rounds.map((r) => (r.n / r.ms) * 1000).sort((a, b) => a - b);
const cpuRates = rounds.map((r) => (r.n / r.cpuMs) * 1000).sort((a, b) => a - b);
const median = rates[1]!;
console.log(
  `scenario set: ${requests.length} requests (${[...outcomes].map(([o, n]) => `${o} ${n}`).join(', ')})`,
);
console.log(
  `determinations/s (one core, in process): median ${Math.round(median).toLocaleString('en-US')}  [min ${Math.round(rates[0]!).toLocaleString('en-US')}, max ${Math.round(rates[2]!).toLocaleString('en-US')}]`,
);
console.log(
  `determinations per CPU-second (one core): median ${Math.round(cpuRates[1]!).toLocaleString('en-US')}`,
);
console.log(`target ${TARGET.toLocaleString('en-US')}/s: ${median >= TARGET ? 'met' : 'NOT met'}`);
