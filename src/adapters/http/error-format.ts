import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Problem } from '../../model/problem.js';
import { problemsFromError, sendProblems } from './problem-json.js';
import { sendOperationOutcome } from './routes/fhir-errors.js';

const FHIR_ROUTES = ['/fhir', '/cds-services'];

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

/** Whether a path is one of the FHIR or CDS Hooks routes, or under them. */
function underFhir(path: string): boolean {
  return FHIR_ROUTES.some((p) => path === p || path.startsWith(`${p}/`));
}

/** Whether a request target, as sent, aims at the FHIR or CDS Hooks routes. */
export function aimsAtFhir(target: string): boolean {
  return underFhir(lenientPath(target));
}

/** Whether the route (matched, or the one the URL was aiming at) speaks FHIR rather than problem+json. */
export function speaksFhir(request: FastifyRequest): boolean {
  const route = request.routeOptions?.url;
  return route !== undefined ? underFhir(route) : aimsAtFhir(request.url);
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

/** Every error a route, hook or parser raises, in the format of the route it concerns. */
export function routeErrorHandler(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  return sendInRouteFormat(request, reply, problemsFromError(error, request));
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
