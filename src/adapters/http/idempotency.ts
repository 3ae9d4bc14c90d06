import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuditEventV1 } from '../../model/audit-event.js';
import type { AuditStore, IdempotentAnswer } from '../../store/audit-store.js';
import { ProblemError, sendError, sendProblem } from './problem-json.js';
import { problem, type ErrorObject } from '../../model/problem.js';

const KEY = /^[\x21-\x7e]{1,255}$/;

export type Answer =
  | {
      status: number;
      /** The JSON body, serialized once: sent, and kept under an idempotency key, as is. */
      body: string;
      events: AuditEventV1[];
      headers?: Record<string, string>;
    }
  | { error: ErrorObject };

function idempotencyKey(request: FastifyRequest): string | undefined {
  const raw = request.headers['idempotency-key'];
  if (raw === undefined) return undefined;
  const key = Array.isArray(raw) ? raw[0] : raw;
  if (key === undefined || !KEY.test(key)) {
    throw new ProblemError(
      problem(
        'invalid-value',
        'the Idempotency-Key header must be 1 to 255 visible ASCII characters',
        '/headers/idempotency-key',
        'use a UUID per logical request',
      ),
    );
  }
  return key;
}

/**
 * Records the answer's events and only then sends it. With an Idempotency-Key, the events and
 * the answer are committed together; a retry with the same key and body gets the first answer
 * (marked Idempotent-Replayed) and records nothing new; the same key with another body is refused.
 */
export async function answerRecorded(
  request: FastifyRequest,
  reply: FastifyReply,
  store: AuditStore,
  compute: () => Answer,
): Promise<FastifyReply> {
  const key = idempotencyKey(request);
  if (key === undefined) {
    const answer = compute();
    // A rejected request decides nothing, so there is nothing to record or to replay.
    if ('error' in answer) return sendError(reply, answer.error);
    await store.record(answer.events);
    return send(reply, answer.status, answer.body, answer.headers);
  }
  const requestHash = createHash('sha256')
    .update(`${request.method} ${request.routeOptions.url ?? ''}\n${JSON.stringify(request.body)}`)
    .digest('hex');
  const seen = await store.findIdempotent(request.requester, key);
  if (seen) return replay(reply, seen, requestHash);
  const answer = compute();
  if ('error' in answer) return sendError(reply, answer.error);
  const r = await store.recordIdempotent(
    request.requester,
    key,
    { requestHash, status: answer.status, body: answer.body },
    answer.events,
  );
  if (!r.stored) return replay(reply, r.first, requestHash);
  return send(reply, answer.status, answer.body, answer.headers);
}

function replay(reply: FastifyReply, first: IdempotentAnswer, requestHash: string): FastifyReply {
  if (first.requestHash !== requestHash) {
    return sendProblem(
      reply,
      'idempotency-key-reused',
      'this Idempotency-Key was already used with a different request',
      '/headers/idempotency-key',
      'use a new key for a new request',
    );
  }
  reply.header('idempotent-replayed', 'true');
  return send(reply, first.status, first.body);
}

function send(
  reply: FastifyReply,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): FastifyReply {
  for (const [k, v] of Object.entries(headers)) reply.header(k, v);
  return reply.code(status).type('application/json; charset=utf-8').send(body);
}
