import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEM_TYPES } from '../../../model/problem.js';
import { operationOutcome, type IssueType } from '../../pas/operation-outcome.js';
import { problemsFromError, RETRY_AFTER_SECONDS } from '../problem-json.js';

/** Prefetch and PAS bundles are larger than a CoverageRequest. */
export const FHIR_BODY_LIMIT = 1024 * 1024;

/** The FHIR and CDS Hooks endpoints answer errors as OperationOutcome, from the same problems. */
export function fhirErrorHandler(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  const [first] = problemsFromError(error, request);
  const p = first!;
  const type = PROBLEM_TYPES[p.code];
  if (type.status === 503) reply.header('retry-after', String(RETRY_AFTER_SECONDS));
  const diagnostics = p.hint ? `${p.detail} (${p.hint})` : p.detail;
  return reply
    .code(type.status)
    .type('application/fhir+json; charset=utf-8')
    .send(operationOutcome(type.issue as IssueType, diagnostics, p.path || undefined));
}
