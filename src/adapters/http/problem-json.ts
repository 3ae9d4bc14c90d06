import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { problem, type ErrorObject, type Problem, type ProblemCode } from '../../model/problem.js';
import { StoreUnavailableError } from '../../service/audit-port.js';
import { closest } from '../../service/suggest.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';
export const RETRY_AFTER_SECONDS = 2;

/** RFC 9457 body: the contract's error fields at top level, every problem in `problems`. */
export function sendProblems(reply: FastifyReply, problems: Problem[]): FastifyReply {
  const [first] = problems;
  if (!first) throw new Error('sendProblems needs a problem');
  const body: Record<string, unknown> = {
    type: `urn:medpolicy:problem:${first.code}`,
    title: first.title,
    status: first.status,
    detail: first.detail,
    code: first.code,
    path: first.path,
    instance: `urn:medpolicy:request:${reply.request.id}`,
  };
  if (first.hint !== undefined) body['hint'] = first.hint;
  if (problems.length > 1) body['problems'] = problems;
  if (first.status === 503) reply.header('retry-after', String(RETRY_AFTER_SECONDS));
  return reply.code(first.status).type(PROBLEM_CONTENT_TYPE).send(body);
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
  if (error.validation) return validationProblems(error, request);
  switch (error.code) {
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
      return [
        problem(
          'unsupported-media-type',
          `content type '${request.headers['content-type'] ?? ''}' is not accepted`,
          '',
          'send Content-Type: application/json',
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
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return [problem('invalid-value', error.message, '')];
  }
  request.log.error({ err: { message: error.message, stack: error.stack } }, 'unhandled error');
  return [
    problem('internal', 'the service failed; the failure is logged with this request id', ''),
  ];
}

/** Every error Fastify or a route raises becomes problem+json; nothing leaks a stack. */
export function errorHandler(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  return sendProblems(reply, problemsFromError(error, request));
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
      const allowed = (params['allowedValues'] as unknown[]).join(', ');
      return problem('unknown-value', `${base.slice(1)} must be one of: ${allowed}`, base);
    }
    return problem('invalid-value', `${base.slice(1)} ${v.message ?? 'is invalid'}`, base);
  });
}
