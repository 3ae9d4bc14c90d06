import type { DeterminationV1 } from '../model/determination.js';
import { errorObject, problem, type ErrorObject } from '../model/problem.js';
import { decide, type DecideOptions } from '../engine/decide.js';
import type { DecisionContext } from './load-context.js';
import { validateCompareRequest, validateCoverageRequest } from './validate-request.js';
import { forPayer } from '../model/normalized-request.js';

export type DecisionResult =
  { ok: true; determination: DeterminationV1 } | { ok: false; error: ErrorObject };

export interface DecideRequestOptions {
  explain?: boolean;
}

const NO_OPTIONS: DecideRequestOptions = Object.freeze({});

/** The one entry point every adapter calls: validate, normalize, decide. */
export function decideRequest(
  input: unknown,
  ctx: DecisionContext,
  opts: DecideRequestOptions = NO_OPTIONS,
): DecisionResult {
  const v = validateCoverageRequest(input, ctx);
  if (!v.ok) return { ok: false, error: errorObject(v.problems) };
  return {
    ok: true,
    determination: decide(v.value, ctx.policySet, ctx.terminology, decideOptions(opts)),
  };
}

// Shared, so the per-request path allocates no options object.
const WITH_TRACE: DecideOptions = Object.freeze({ trace: true });
const WITHOUT_TRACE: DecideOptions = Object.freeze({ trace: false });
const decideOptions = (opts: DecideRequestOptions) =>
  opts.explain === true ? WITH_TRACE : WITHOUT_TRACE;

export type CompareResult =
  { ok: true; determinations: DeterminationV1[] } | { ok: false; error: ErrorObject };

/** The same request decided for every payer, in payer order. */
export function compareRequest(
  input: unknown,
  ctx: DecisionContext,
  opts: DecideRequestOptions = NO_OPTIONS,
): CompareResult {
  const v = validateCompareRequest(input, ctx);
  if (!v.ok) return { ok: false, error: errorObject(v.problems) };
  const determinations = ctx.policySet.payers.map((payer) =>
    decide(forPayer(v.value, payer), ctx.policySet, ctx.terminology, decideOptions(opts)),
  );
  return { ok: true, determinations };
}

/** Parses request text; malformed JSON is an error object, never a guess. */
export function parseRequestText(
  text: string,
): { ok: true; value: unknown } | { ok: false; error: ErrorObject } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (e) {
    return {
      ok: false,
      error: errorObject([
        problem(
          'invalid-json',
          `the request is not valid JSON: ${(e as Error).message}`,
          '',
          'send one JSON object (or NDJSON: one object per line)',
        ),
      ]),
    };
  }
}
