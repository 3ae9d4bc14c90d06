// node dist/bench/decisions-digest.js [LINES]: SHA-256 digests of what the engine answers, for
// checking that a change meant to be a pure speed-up leaves every answer byte-identical. Run it
// before and after the change and compare the digests (they change whenever a policy, a value
// set or the determination's shape changes, so they are compared, never pinned).
//
// The requests: every scenario case, and LINES (default 20,000) generated claim lines of every
// payer (bench/generate-claims.ts, seeded), each also varied (no drug or route and an IM/SC
// code; diagnoses reversed; an indication given outright; no diagnosis; unknown and header
// codes; Medicare primary). Each is answered, in one interleaved pass so that whatever the
// engine keeps from one request meets the next: by decideRequest() with and without the trace,
// by decide() under four asOf dates (one with the trace), and every tenth by compareRequest().
// Then the generated lines are screened as NDJSON into NDJSON rows and CSV rows, under an
// asOf, and as a version diff, with the screener the CLI runs.
import { createHash } from 'node:crypto';
import { chunkProcessor, type JobSpec } from '../src/adapters/batch/chunk-job.js';
import { decide } from '../src/engine/decide.js';
import { loadRejectedScenarioCases, loadScenarioCases } from '../src/policies/scenario-cases.js';
import { compareRequest, decideRequest } from '../src/service/decide-request.js';
import { loadContext } from '../src/service/load-context.js';
import { validateCoverageRequest } from '../src/service/validate-request.js';
import { generateLines, toNdjson } from './generate-claims.js';

const LINES = Number(process.argv[2] ?? process.env.DIGEST_LINES ?? 20_000);
const AS_OF = ['2016-03-01', '2020-07-15', '2024-10-01', '2026-12-31'];
const FAMILIES = ['crps', 'depression', 'anesthesia', 'chronic-pain', 'migraine', 'ptsd', 'ocd'];

const ctx = loadContext();

function variants(o: Record<string, unknown>, i: number): Record<string, unknown>[] {
  const dx = (o.diagnosisCodes as string[] | undefined) ?? [];
  const out: Record<string, unknown>[] = [o];
  const rest = { ...o };
  delete rest.drug;
  delete rest.route;
  out.push({ ...rest, procedureCodes: ['96372'] });
  out.push({ ...o, diagnosisCodes: [...dx].reverse() });
  out.push({ ...o, indication: FAMILIES[i % FAMILIES.length], diagnosisCodes: dx.slice(1) });
  out.push({ ...rest, diagnosisCodes: [] });
  out.push({ ...o, diagnosisCodes: [...dx, i % 2 ? 'G89' : 'Z99.89', 'F33.9'] });
  out.push({ ...o, medicarePrimary: true, groupPolicy: i % 3 === 0 });
  return out;
}

function requests(): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const c of [...loadScenarioCases(), ...loadRejectedScenarioCases()])
    out.push(c.request as Record<string, unknown>);
  let i = 0;
  for (const g of generateLines(LINES, 17)) {
    const o = JSON.parse(toNdjson(g)) as Record<string, unknown>;
    delete o.claimId;
    delete o.claimLine;
    out.push(...variants(o, i++));
  }
  return out;
}

const decisions = createHash('sha256');
let count = 0;
const add = (h: ReturnType<typeof createHash>, x: unknown) => {
  h.update(JSON.stringify(x));
  h.update('\n');
  count++;
};

for (const [i, r] of requests().entries()) {
  add(decisions, decideRequest(r, ctx));
  add(decisions, decideRequest(r, ctx, { explain: true }));
  const v = validateCoverageRequest(r, ctx);
  if (v.ok)
    for (const [k, asOf] of AS_OF.entries())
      add(decisions, decide(v.value, ctx.policySet, ctx.terminology, { asOf, trace: k === 1 }));
  if (i % 10 === 0) add(decisions, compareRequest(r, ctx));
}
console.log(`decisions: ${decisions.digest('hex')} (${count})`);

const text = [...generateLines(LINES, 23)].map(toNdjson).join('\n') + '\n';
const bytes = Buffer.from(text);
const jobs: [string, JobSpec['settings']][] = [
  ['ndjson', { output: 'ndjson' }],
  ['csv', { output: 'csv' }],
  ['ndjson --as-of 2020-07-15', { output: 'ndjson', asOf: '2020-07-15' }],
  ['ndjson --diff-versions', { output: 'ndjson', diff: ['2018-01-01', '2026-01-01'] }],
];
for (const [label, settings] of jobs) {
  const job = chunkProcessor(ctx, { format: 'ndjson', settings });
  const h = createHash('sha256');
  // Chunks of 4,096 lines, as the pipeline cuts them.
  let start = 0;
  let line = 1;
  while (start < bytes.length) {
    let end = start;
    for (let k = 0; k < 4096 && end < bytes.length; k++) end = bytes.indexOf(10, end) + 1;
    h.update(job.run(bytes.subarray(start, end), line));
    line += 4096;
    start = end;
  }
  h.update(
    JSON.stringify(job.screener.finish(), (_k, v: unknown) => (v instanceof Map ? [...v] : v)),
  );
  console.log(`screen ${label}: ${h.digest('hex')}`);
}
