import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEM_TYPES, withHint, type Problem } from '../../../model/problem.js';
import { operationOutcome, type IssueType } from '../../pas/operation-outcome.js';
import { problemsFromError, RETRY_AFTER_SECONDS } from '../problem-json.js';

/** Prefetch and PAS bundles are larger than a CoverageRequest. */
export const FHIR_BODY_LIMIT = 1024 * 1024;

/** The first problem as an OperationOutcome, with the same status and hint as problem+json. */
export function sendOperationOutcome(reply: FastifyReply, problems: Problem[]): FastifyReply {
  const p = withHint(problems[0]!);
  const type = PROBLEM_TYPES[p.code];
  if (type.status === 503) reply.header('retry-after', String(RETRY_AFTER_SECONDS));
  return reply
    .code(type.status)
    .type('application/fhir+json; charset=utf-8')
    .send(
      operationOutcome(type.issue as IssueType, `${p.detail} (${p.hint})`, p.path || undefined),
    );
}

/** The FHIR and CDS Hooks endpoints answer errors as OperationOutcome, from the same problems. */
export function fhirErrorHandler(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  return sendOperationOutcome(reply, problemsFromError(error, request));
}
