import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Problem } from '../../model/problem.js';
import { problemsFromError, sendProblems } from './problem-json.js';
import { sendOperationOutcome } from './routes/fhir-errors.js';

const FHIR_PREFIXES = ['/fhir/', '/cds-services'];

/**
 * The path as a router would read it, for choosing an error's format only: %XX escapes of ASCII
 * decoded, anything undecodable left as sent (a malformed URL still needs an answer).
 */
function lenientPath(url: string): string {
  const path = url.split('?')[0] ?? '';
  return path.replace(/%([0-7][0-9a-f])/gi, (_m, hex: string) =>
    String.fromCharCode(parseInt(hex, 16)),
  );
}

/** Whether the route (matched, or the one the URL was aiming at) speaks FHIR rather than problem+json. */
export function speaksFhir(request: FastifyRequest): boolean {
  const route = request.routeOptions?.url ?? lenientPath(request.url);
  return FHIR_PREFIXES.some((p) => route.startsWith(p));
}

/** Errors raised outside any route's handler (404s, URLs the router cannot read) in the route's format. */
export function sendInRouteFormat(
  request: FastifyRequest,
  reply: FastifyReply,
  problems: Problem[],
): FastifyReply {
  return speaksFhir(request)
    ? sendOperationOutcome(reply, problems)
    : sendProblems(reply, problems);
}

export function frameworkErrorHandler(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  reply.header('x-request-id', request.id);
  reply.header('cache-control', 'no-store');
  return sendInRouteFormat(request, reply, problemsFromError(error, request));
}
