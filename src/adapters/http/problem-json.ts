import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import {
  problem,
  withHint,
  type ErrorObject,
  type Problem,
  type ProblemCode,
} from '../../model/problem.js';
import { StoreRejectedValueError, StoreUnavailableError } from '../../service/audit-port.js';
import { closest } from '../../model/suggest.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';
export const RETRY_AFTER_SECONDS = 2;

/** RFC 9457 body: the contract's error fields at top level, every problem in `problems`. */
export function problemBody(given: Problem[], requestId: string): Record<string, unknown> {
  const problems = given.map(withHint);
  const [first] = problems;
  if (!first) throw new Error('problemBody needs a problem');
  const body: Record<string, unknown> = {
    type: `urn:medpolicy:problem:${first.code}`,
    title: first.title,
    status: first.status,
    detail: first.detail,
    code: first.code,
    path: first.path,
    instance: `urn:medpolicy:request:${requestId}`,
    hint: first.hint,
  };
  if (problems.length > 1) body['problems'] = problems;
  return body;
}

export function sendProblems(reply: FastifyReply, problems: Problem[]): FastifyReply {
  const status = problems[0]?.status ?? 500;
  if (status === 503) reply.header('retry-after', String(RETRY_AFTER_SECONDS));
  return reply
    .code(status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(problemBody(problems, reply.request.id));
}

export function sendError(reply: FastifyReply, error: ErrorObject): FastifyReply {
  const { problems, ...first } = error.error;
  return sendProblems(reply, problems ?? [first]);
}

export function sendProblem(
  reply: FastifyReply,
  code: ProblemCode,
  detail: string,
  path = '',
  hint?: string,
): FastifyReply {
  return sendProblems(reply, [problem(code, detail, path, hint)]);
}

/** Carries a problem out of a content-type parser or hook into the error handler. */
export class ProblemError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail);
  }
}

/**
 * What went wrong, as problems, whatever raised it: our own ProblemError, the store, Fastify's
 * parsers and schema checks, the rate limiter, or a bug (logged, never shown). Both error
 * renderings (problem+json here, OperationOutcome on the FHIR routes) start from this.
 */
export function problemsFromError(error: FastifyError, request: FastifyRequest): Problem[] {
  if (error instanceof ProblemError) return [error.problem];
  if (error instanceof StoreUnavailableError) {
    request.log.warn({ err: { message: error.message } }, 'audit store unavailable');
    return [
      problem(
        'store-unavailable',
        'the answer could not be recorded, so it is not given; retry shortly',
        '',
        `retry after ${RETRY_AFTER_SECONDS} seconds`,
      ),
    ];
  }
  if (error instanceof StoreRejectedValueError) {
    return [
      problem(
        'invalid-value',
        'a value of this request is not one the database can hold or search by (for example a date that does not exist, a number out of range, or a NUL character)',
        '',
        'correct the request; retrying it unchanged gives the same answer',
      ),
    ];
  }
  if (error.validation) return validationProblems(error, request);
  switch (error.code) {
    case 'FST_ERR_BAD_URL':
      return [problem('invalid-url', 'the URL holds a percent-escape that is not UTF-8', '')];
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return [problem('uri-too-long', 'a path segment of the URL is too long', '')];
    case 'FST_ERR_CTP_BODY_TOO_LARGE': {
      const limit = request.routeOptions.bodyLimit ?? 0;
      return [
        problem(
          'too-large',
          'the request body is larger than this route accepts',
          '',
          `send at most ${Math.floor(limit / 1024)} KiB`,
        ),
      ];
    }
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return [
        problem(
          'unsupported-media-type',
          `content type '${request.headers['content-type'] ?? ''}' is not accepted`,
          '/headers/content-type',
          'send Content-Type: application/json (or application/fhir+json), in UTF-8',
        ),
      ];
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return [
        problem(
          'invalid-json',
          `the request body is not valid JSON: ${error.message}`,
          '',
          'send one JSON object',
        ),
      ];
  }
  if (error.statusCode === 429) {
    return [problem('rate-limited', error.message, '', 'slow down; see the Retry-After header')];
  }
  if (error.statusCode === 415) {
    return [
      problem(
        'unsupported-media-type',
        error.message,
        '/headers/content-type',
        'send Content-Type: application/json (or application/fhir+json), in UTF-8',
      ),
    ];
  }
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return [problem('invalid-value', error.message, '')];
  }
  request.log.error({ err: { message: error.message, stack: error.stack } }, 'unhandled error');
  return [
    problem('internal', 'the service failed; the failure is logged with this request id', ''),
  ];
}

/** Fastify's schema errors (query string, path) in our problem shape, naming the field. */
function validationProblems(error: FastifyError, request: FastifyRequest): Problem[] {
  const where =
    (error as FastifyError & { validationContext?: string }).validationContext ?? 'request';
  return (error.validation ?? []).slice(0, 20).map((v) => {
    const params = v.params as Record<string, unknown>;
    const base = `/${where}${v.instancePath}`;
    if (v.keyword === 'additionalProperties') {
      const field = String(params['additionalProperty']);
      const schema = (
        request.routeOptions.schema as Record<string, { properties?: object }> | undefined
      )?.[where === 'querystring' ? 'querystring' : where];
      const known = Object.keys(schema?.properties ?? {});
      const guess = closest(field, known);
      return problem(
        'unknown-field',
        `${where} parameter '${field}' is not accepted`,
        `${base}/${field}`,
        guess ? `did you mean '${guess}'?` : `accepted: ${known.join(', ')}`,
      );
    }
    if (v.keyword === 'required') {
      const field = String(params['missingProperty']);
      return problem(
        'missing-field',
        `${where} parameter '${field}' is required`,
        `${base}/${field}`,
      );
    }
    if (v.keyword === 'enum') {
      const allowed = params['allowedValues'] as unknown[];
      const sent =
        request.query && where === 'querystring'
          ? valueOf(request.query, v.instancePath)
          : undefined;
      const guess = typeof sent === 'string' ? closest(sent, allowed.map(String)) : undefined;
      return problem(
        'unknown-value',
        `${base.slice(1)} must be one of: ${allowed.join(', ')}`,
        base,
        guess ? `did you mean '${guess}'?` : `use one of: ${allowed.join(', ')}`,
      );
    }
    if (v.keyword === 'pattern' || v.keyword === 'format') {
      const description = (v as { parentSchema?: { description?: string } }).parentSchema
        ?.description;
      const field = base.split('/').pop() ?? '';
      return problem(
        'invalid-value',
        `${where} parameter '${field}' is not in the form it takes`,
        base,
        description ? `give ${description}` : undefined,
      );
    }
    return problem('invalid-value', `${base.slice(1)} ${v.message ?? 'is invalid'}`, base);
  });
}

function valueOf(query: unknown, pointer: string): unknown {
  const key = pointer.split('/')[1];
  return key === undefined ? undefined : (query as Record<string, unknown>)[key];
}
