import type { NormalizedRequest } from '../model/normalized-request.js';
import type { DecisionContext } from './load-context.js';
import { acceptRequest, fastChecksOf } from './validate-request-fast.js';
import {
  fullyValidateCompareRequest,
  fullyValidateCoverageRequest,
  type Validated,
} from './validate-request-full.js';

export type { Validated };

// One validation path for every adapter (CLI, HTTP, CDS Hooks, PAS, screening): plain checks
// accept a valid request; only one they cannot accept goes to the schema validator, which names
// its problems. Both give the same answer for every input (validate-request-fast.test.ts).

export function validateCoverageRequest(
  input: unknown,
  ctx: DecisionContext,
): Validated<NormalizedRequest> {
  const value = acceptRequest(input, fastChecksOf(ctx), true);
  return value ? { ok: true, value } : fullyValidateCoverageRequest(input, ctx);
}

/** A compare request: a CoverageRequest without payer, normalized once for every payer. */
export function validateCompareRequest(
  input: unknown,
  ctx: DecisionContext,
): Validated<Omit<NormalizedRequest, 'payer'>> {
  const value = acceptRequest(input, fastChecksOf(ctx), false);
  return value ? { ok: true, value } : fullyValidateCompareRequest(input, ctx);
}
