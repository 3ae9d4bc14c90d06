import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEM_TYPES } from '../../../model/problem.js';
import { StoreUnavailableError } from '../../../service/audit-port.js';
import { operationOutcome, type IssueType } from '../../pas/operation-outcome.js';
import { ProblemError, RETRY_AFTER_SECONDS } from '../problem-json.js';

/** Prefetch and PAS bundles are larger than a CoverageRequest. */
export const FHIR_BODY_LIMIT = 1024 * 1024;

const FASTIFY_CODES: Record<string, keyof typeof PROBLEM_TYPES> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'too-large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported-media-type',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid-json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid-json',
  FST_ERR_RATE_LIMIT_EXCEEDED: 'rate-limited',
};

/** The FHIR and CDS Hooks endpoints answer errors as OperationOutcome, from the same problem table. */
export function fhirErrorHandler(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  let code: keyof typeof PROBLEM_TYPES;
  let message = error.message;
  if (error instanceof ProblemError) {
    code = error.problem.code;
    message = error.problem.detail;
  } else if (error instanceof StoreUnavailableError) {
    request.log.warn({ err: { message: error.message } }, 'audit store unavailable');
    code = 'store-unavailable';
    message = 'the answer could not be recorded, so it is not given; retry shortly';
  } else if (error.code && FASTIFY_CODES[error.code]) {
    code = FASTIFY_CODES[error.code]!;
  } else if (error.statusCode === 429) {
    code = 'rate-limited';
  } else if (error.statusCode !== undefined && error.statusCode < 500) {
    code = 'invalid-value';
  } else {
    request.log.error({ err: { message: error.message, stack: error.stack } }, 'unhandled error');
    code = 'internal';
    message = 'the service failed; the failure is logged with this request id';
  }
  const type = PROBLEM_TYPES[code];
  if (type.status === 503) reply.header('retry-after', String(RETRY_AFTER_SECONDS));
  return reply
    .code(type.status)
    .type('application/fhir+json; charset=utf-8')
    .send(operationOutcome(type.issue as IssueType, message));
}
