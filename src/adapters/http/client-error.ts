import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { problem, PROBLEM_TYPES, type Problem } from '../../model/problem.js';
import { operationOutcome, type IssueType } from '../pas/operation-outcome.js';
import { aimsAtFhir } from './error-format.js';
import { problemBody } from './problem-json.js';

/**
 * Requests that Node's HTTP parser refuses before any route runs (a method it does not know,
 * bytes that are not HTTP, headers over the limit, a request that never finishes) answered in
 * the same formats as every other error, instead of Fastify's plain JSON. The request line, when
 * it was read, says which format; a HEAD request gets no body, as HTTP requires.
 */
export function clientErrorHandler(
  err: Error & { code?: string; rawPacket?: unknown },
  socket: Socket,
): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const raw = Buffer.isBuffer(err.rawPacket) ? err.rawPacket.toString('latin1') : '';
  const [method = '', target = ''] = raw.split(' ', 3);
  const p = clientProblem(err.code);
  const fhir = aimsAtFhir(target);
  const body =
    method === 'HEAD'
      ? ''
      : JSON.stringify(
          fhir
            ? operationOutcome(PROBLEM_TYPES[p.code].issue as IssueType, `${p.detail} (${p.hint})`)
            : problemBody([p], randomUUID()),
        );
  const type = fhir ? 'application/fhir+json' : 'application/problem+json';
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${p.status} ${p.title}\r\nContent-Type: ${type}; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\n` +
        `Connection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

function clientProblem(code: string | undefined): Problem & { hint: string } {
  const p =
    code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? problem('request-timeout', 'the request did not arrive in time', '')
      : code === 'HPE_HEADER_OVERFLOW'
        ? problem('headers-too-large', 'the URL and headers are larger than this service reads', '')
        : problem('bad-request', 'the request is not well-formed HTTP/1.1', '');
  return { ...p, hint: PROBLEM_TYPES[p.code].hint };
}
