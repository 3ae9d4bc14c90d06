// npm run bench: medpolicy against other ways to encode the same policy, in one process, in
// paired rounds, on the same requests.
//
// The policy is BCBSAL MP-446; the workload is BENCH_REQUESTS (default 20,000) generated BCBSAL
// claim lines (bench/generate-claims.ts, seeded: every run decides the same requests). The
// contenders: medpolicy; MP-446 hand-encoded in JsonLogic and compiled by json-logic-engine
// (`new LogicEngine().build(rule)`), the same rules interpreted by json-logic-js, MP-446 in
// json-rules-engine, and MP-446 hand-written in plain TypeScript as fast as we could (the limit).
// All decide with medpolicy's value sets (bench/peers/). Before anything is timed, every
// contender decides every request of the workload and every BCBSAL scenario case on both paths
// below, and the run stops unless all give the same outcome, basis, version, indication,
// missing fields and code-date flags (or all refuse the request).
//
// What each timed path includes:
//  1. decideRequest() against the peers, from the raw request object (as parsed from JSON):
//     medpolicy: src/service/decide-request.ts, what the CLI, HTTP and CRD call (validation,
//       normalization, decide(), the full Determination with reasons, quotes, warnings);
//     peers: their request checks (bench/peers/validate-request.ts: fields, date, vocabularies,
//       drug name, code formats), deriving the facts (bench/peers/mp446-facts.ts: drug,
//       routes, indication families of the diagnoses) and their rules.
//  2. decide() against the peers, from what each has already derived:
//     medpolicy: src/engine/decide.ts on requests validated and normalized beforehand (it still
//       resolves the drug, infers routes, classifies the diagnoses and checks code dates);
//     peers: their rules on facts derived beforehand (drug, routes and families already found),
//       which leaves them less to do than decide().
// Neither path parses JSON or records anything.
//
// Rounds: the contenders take turns (A B C D E A B C D E …), each turn the same
// BENCH_ROUND_REQUESTS (default 2,000) requests, BENCH_ROUNDS (default 20 per path: the
// workload twice) after BENCH_WARMUP (default 2) untimed ones. Rates are decisions per
// CPU-second of this process (steadier than wall-clock time on a shared machine; wall-clock is
// shown beside), and medpolicy ÷ peer is taken within each round. With the defaults the run
// takes about a minute of CPU time, most of it json-rules-engine's (the agreement check and its
// turns); BENCH_ROUNDS and BENCH_REQUESTS scale it.
import { decide } from '../src/engine/decide.js';
import type { NormalizedRequest } from '../src/model/normalized-request.js';
import { loadRejectedScenarioCases, loadScenarioCases } from '../src/policies/scenario-cases.js';
import { decideRequest } from '../src/service/decide-request.js';
import { loadContext } from '../src/service/load-context.js';
import { validateCoverageRequest } from '../src/service/validate-request.js';
import { disagreements } from './peers/agreement.js';
import { mp446Facts, type Mp446Facts, type PeerDecision } from './peers/mp446-facts.js';
import { mp446Peers, type Peer } from './peers/peers.js';
import { bcbsalRequests } from './peers/workload.js';
import {
  pairedRounds,
  printRounds,
  printTarget,
  type Contender,
  type Timings,
} from './support/paired-rounds.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
const PER_ROUND = Number(process.env.BENCH_ROUND_REQUESTS ?? 2_000);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

const ctx = loadContext({});
const peers = mp446Peers(ctx.terminology, new Set(['bcbsal']));
const requests = bcbsalRequests(REQUESTS);
const normalized: NormalizedRequest[] = [];
const facts: Mp446Facts[] = [];
const outcomes = new Map<string, number>();
for (const r of requests) {
  const v = validateCoverageRequest(r, ctx);
  const o = v.ok ? decide(v.value, ctx.policySet, ctx.terminology).outcome : 'refused';
  outcomes.set(o, (outcomes.get(o) ?? 0) + 1);
  if (!v.ok) continue;
  normalized.push(v.value);
  facts.push(mp446Facts(r, ctx.terminology));
}
console.log(
  `workload: ${fmt(requests.length)} generated BCBSAL MP-446 requests (${[...outcomes]
    .sort((a, b) => b[1] - a[1])
    .map(([o, n]) => `${o} ${fmt(n)}`)
    .join(', ')})`,
);

// The peers encode the questions MP-446 asks, not the answers: cases giving facts are left out.
const cases = [...loadScenarioCases(), ...loadRejectedScenarioCases()].filter(
  (c) => c.policy === 'bcbsal-mp-446' && c.request.facts === undefined,
);
const checkStart = Date.now();
const found = await disagreements([...cases.map((c) => c.request), ...requests], ctx, peers);
if (found.length > 0) {
  console.log(`agreement check FAILED: ${found.length} disagreements; the first:`);
  console.log(JSON.stringify(found.slice(0, 5), null, 2));
  process.exit(1);
}
console.log(
  `agreement: ${peers.map((p) => p.name).join(', ')} decide every one of the ${fmt(requests.length)} requests and the policy's ${cases.length} scenario cases as medpolicy does, from the raw request and from facts (${((Date.now() - checkStart) / 1000).toFixed(0)} s)`,
);

const score = (d: PeerDecision | null) => (d === null ? 0 : d.missing.length + 1);

function peerContender(p: Peer, path: 'request' | 'facts'): Contender {
  const input: readonly unknown[] = path === 'request' ? requests : facts;
  const one = (path === 'request' ? p.fromRequest : p.fromFacts) as (
    x: unknown,
  ) => PeerDecision | null | Promise<PeerDecision | null>;
  const name = p.name === 'json-logic-engine' ? 'json-logic-engine (compiled)' : p.name;
  if (p.async)
    return {
      name,
      async run(from, to) {
        let n = 0;
        for (let i = from; i < to; i++) n += score(await one(input[i]));
        return n;
      },
    };
  return {
    name,
    run(from, to) {
      let n = 0;
      for (let i = from; i < to; i++) n += score(one(input[i]) as PeerDecision | null);
      return n;
    },
  };
}

const options = { rounds: ROUNDS, perRound: PER_ROUND, warmup: WARMUP };

console.log(
  `\n1. decideRequest() from the raw request object, ${ROUNDS} rounds of ${fmt(PER_ROUND)} requests. Timed: medpolicy = validation, normalization, decide() (the full Determination); peers = the same request checks, deriving the facts (drug, routes, families), the rules. No JSON parsing.`,
);
const viaRequest = await pairedRounds(
  [
    {
      name: 'medpolicy decideRequest()',
      run(from, to) {
        let n = 0;
        for (let i = from; i < to; i++) {
          const r = decideRequest(requests[i], ctx);
          n += r.ok ? r.determination.reasons.length : 0;
        }
        return n;
      },
    },
    ...peers.map((p) => peerContender(p, 'request')),
  ],
  { ...options, size: requests.length },
);
printRounds(viaRequest);

console.log(
  `\n2. decide() on what each has derived, ${ROUNDS} rounds of ${fmt(PER_ROUND)} requests. Timed: medpolicy = decide() on requests validated and normalized beforehand (drug, routes, diagnoses and code dates still its work); peers = the rules on facts derived beforehand.`,
);
const viaFacts = await pairedRounds(
  [
    {
      name: 'medpolicy decide()',
      run(from, to) {
        let n = 0;
        for (let i = from; i < to; i++)
          n += decide(normalized[i]!, ctx.policySet, ctx.terminology).reasons.length;
        return n;
      },
    },
    ...peers.map((p) => peerContender(p, 'facts')),
  ],
  { ...options, size: normalized.length },
);
printRounds(viaFacts);

const jle = (t: Timings[]) => t.find((e) => e.name.startsWith('json-logic-engine'))!;
console.log('');
printTarget('decideRequest()', viaRequest[0]!, jle(viaRequest), 1.5);
printTarget('decide()', viaFacts[0]!, jle(viaFacts), 3);
