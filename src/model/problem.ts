/**
 * One problem shape for every adapter. The code decides the HTTP status, the CLI exit status
 * and the FHIR OperationOutcome issue type (FHIR R4 IssueType codes) from a single table; its
 * `hint` is what a client can do when the raiser has nothing more specific to say, so that every
 * error answered over HTTP carries one.
 */
export const PROBLEM_TYPES = {
  'invalid-json': {
    status: 400,
    title: 'Malformed JSON',
    issue: 'structure',
    hint: 'send one JSON object',
  },
  'bad-request': {
    status: 400,
    title: 'Bad request',
    issue: 'structure',
    hint: 'send a well-formed HTTP/1.1 request',
  },
  'too-deep': {
    status: 400,
    title: 'Nested too deeply',
    issue: 'too-costly',
    hint: 'no request of this service nests JSON more than 100 levels deep',
  },
  'request-timeout': {
    status: 408,
    title: 'Request timeout',
    issue: 'timeout',
    hint: 'send the whole request promptly',
  },
  'headers-too-large': {
    status: 431,
    title: 'Request header fields too large',
    issue: 'too-large',
    hint: 'send a shorter URL and fewer or shorter headers',
  },
  'invalid-url': {
    status: 400,
    title: 'Malformed URL',
    issue: 'structure',
    hint: 'percent-encode the path as UTF-8 (RFC 3986)',
  },
  'too-large': {
    status: 413,
    title: 'Request too large',
    issue: 'too-large',
    hint: 'send a smaller request',
  },
  'uri-too-long': {
    status: 414,
    title: 'URI too long',
    issue: 'too-large',
    hint: 'send a shorter path; ids are at most 100 characters',
  },
  'wrong-type': {
    status: 422,
    title: 'Wrong type',
    issue: 'structure',
    hint: 'send each field with the type /openapi.json gives it',
  },
  'unknown-field': {
    status: 422,
    title: 'Unknown field',
    issue: 'structure',
    hint: 'remove the field; /openapi.json lists the accepted ones',
  },
  'missing-field': {
    status: 422,
    title: 'Missing required field',
    issue: 'required',
    hint: 'add the field; /openapi.json lists the required ones',
  },
  'unknown-value': {
    status: 422,
    title: 'Unknown value',
    issue: 'value',
    hint: 'use one of the values the detail lists',
  },
  'unknown-payer': {
    status: 422,
    title: 'Unknown payer',
    issue: 'not-found',
    hint: 'GET /v1/policies lists the payers',
  },
  'unknown-drug': {
    status: 422,
    title: 'Unknown drug',
    issue: 'code-invalid',
    hint: 'name the drug by its generic name, salt form or brand (policies/valuesets/drugs.yaml)',
  },
  'unknown-fact': {
    status: 422,
    title: 'Unknown fact',
    issue: 'code-invalid',
    hint: 'name facts by the ids of policies/valuesets/facts.yaml',
  },
  'conflicting-fact': {
    status: 422,
    title: 'Conflicting fact',
    issue: 'conflict',
    hint: 'give the value once: as the request field or as the fact, not both with different values',
  },
  'invalid-date': {
    status: 422,
    title: 'Invalid date',
    issue: 'value',
    hint: 'use a calendar date as YYYY-MM-DD, e.g. 2025-09-15',
  },
  'malformed-code': {
    status: 422,
    title: 'Malformed code',
    issue: 'code-invalid',
    hint: 'send ICD-10-CM, CPT or HCPCS codes as written, e.g. G90.521 or 96365',
  },
  'invalid-value': {
    status: 422,
    title: 'Invalid value',
    issue: 'value',
    hint: 'correct the value at the path given; /openapi.json describes each field',
  },
  'unsupported-media-type': {
    status: 415,
    title: 'Unsupported media type',
    issue: 'not-supported',
    hint: 'send Content-Type: application/json (or application/fhir+json on FHIR routes)',
  },
  'not-found': {
    status: 404,
    title: 'Not found',
    issue: 'not-found',
    hint: 'see /openapi.json or /docs for the routes',
  },
  'method-not-allowed': {
    status: 405,
    title: 'Method not allowed',
    issue: 'not-supported',
    hint: 'see /openapi.json for the methods each route takes',
  },
  unauthorized: {
    status: 401,
    title: 'Unauthorized',
    issue: 'login',
    hint: 'send Authorization: Bearer <key>',
  },
  'rate-limited': {
    status: 429,
    title: 'Too many requests',
    issue: 'throttled',
    hint: 'slow down; see the Retry-After header',
  },
  'idempotency-key-reused': {
    status: 422,
    title: 'Idempotency key reused',
    issue: 'conflict',
    hint: 'use a new key for a new request',
  },
  'store-unavailable': {
    status: 503,
    title: 'Audit store unavailable',
    issue: 'transient',
    hint: 'retry after the Retry-After header',
  },
  internal: {
    status: 500,
    title: 'Internal error',
    issue: 'exception',
    hint: 'report the request id to the operator',
  },
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

/** The problem with its code's general hint when it has none of its own. */
export function withHint(p: Problem): Problem {
  return p.hint !== undefined ? p : { ...p, hint: PROBLEM_TYPES[p.code].hint };
}
