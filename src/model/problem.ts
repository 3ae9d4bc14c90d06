/**
 * One problem shape for every adapter. The code decides the HTTP status, the CLI exit status
 * and the FHIR OperationOutcome issue type (FHIR R4 IssueType codes) from a single table.
 */
export const PROBLEM_TYPES = {
  'invalid-json': { status: 400, title: 'Malformed JSON', issue: 'structure' },
  'too-large': { status: 413, title: 'Request too large', issue: 'too-large' },
  'wrong-type': { status: 422, title: 'Wrong type', issue: 'structure' },
  'unknown-field': { status: 422, title: 'Unknown field', issue: 'structure' },
  'missing-field': { status: 422, title: 'Missing required field', issue: 'required' },
  'unknown-value': { status: 422, title: 'Unknown value', issue: 'value' },
  'unknown-payer': { status: 422, title: 'Unknown payer', issue: 'not-found' },
  'invalid-date': { status: 422, title: 'Invalid date', issue: 'value' },
  'malformed-code': { status: 422, title: 'Malformed code', issue: 'code-invalid' },
  'invalid-value': { status: 422, title: 'Invalid value', issue: 'value' },
  'unsupported-media-type': {
    status: 415,
    title: 'Unsupported media type',
    issue: 'not-supported',
  },
  'not-found': { status: 404, title: 'Not found', issue: 'not-found' },
  unauthorized: { status: 401, title: 'Unauthorized', issue: 'login' },
  'rate-limited': { status: 429, title: 'Too many requests', issue: 'throttled' },
  'idempotency-key-reused': { status: 422, title: 'Idempotency key reused', issue: 'conflict' },
  'store-unavailable': { status: 503, title: 'Audit store unavailable', issue: 'transient' },
  internal: { status: 500, title: 'Internal error', issue: 'exception' },
} as const;

export type ProblemCode = keyof typeof PROBLEM_TYPES;

export interface Problem {
  code: ProblemCode;
  status: number;
  title: string;
  detail: string;
  /** JSON Pointer to the offending part of the request. */
  path: string;
  hint?: string;
}

export function problem(code: ProblemCode, detail: string, path: string, hint?: string): Problem {
  const type = PROBLEM_TYPES[code];
  const p: Problem = { code, status: type.status, title: type.title, detail, path };
  if (hint !== undefined) p.hint = hint;
  return p;
}

/** The contract's error object: the first problem at top level, all of them in `problems`. */
export interface ErrorObject {
  error: Problem & { problems?: Problem[] };
}

export function errorObject(problems: Problem[]): ErrorObject {
  const [first, ...rest] = problems;
  if (!first) throw new Error('errorObject needs at least one problem');
  return rest.length === 0 ? { error: first } : { error: { ...first, problems } };
}
