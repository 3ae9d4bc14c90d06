// The benchmarks' workload: generated BCBSAL claim lines (bench/generate-claims.ts, seeded, so
// every run decides the same requests) as raw CoverageRequest objects, the claim envelope left
// out. About one line in 2,000 is malformed, as in a real feed: every engine must refuse it.
import { generateLines, toNdjson } from '../generate-claims.js';

export function bcbsalRequests(count: number, seed = 446): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  // One generated line in six is BCBSAL's; the generator stops at its count, so ask for enough.
  for (const g of generateLines(count * 8, seed)) {
    if (g.payer !== 'bcbsal') continue;
    const o = JSON.parse(toNdjson(g)) as Record<string, unknown>;
    delete o.claimId;
    delete o.claimLine;
    out.push(o);
    if (out.length === count) break;
  }
  return out;
}
