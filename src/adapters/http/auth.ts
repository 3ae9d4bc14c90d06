import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { problem } from '../../model/problem.js';
import { hashApiKey, type AuditStore } from '../../store/audit-store.js';
import { ProblemError } from './problem-json.js';
import { FixedWindowCounter, type WindowCounter } from './fixed-window.js';
import { sharedMinuteCounter } from './shared-rate-limit.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The API key id that asked, or "local" when keys are not required. */
    requester: string;
  }
  interface FastifyInstance {
    /** The service's checked-key cache, for the key admin to clear on a revocation. */
    keyAuth: KeyAuth;
  }
}

/**
 * How long a checked key is trusted without asking the store again: a key revoked through any
 * instance, or straight in the database, stops working within this time.
 */
export const KEY_CACHE_MS = 1_000;

/** Routes whose answers decide or disclose records: they need a key whenever keys are required. */
const KEYED_PREFIXES = ['/v1/', '/fhir/'];

/**
 * Whether the route the router matched needs an API key. Decided on the route's own pattern,
 * never on the URL as sent: the router decodes percent-escapes (`/%761/…` is `/v1/…`), so a
 * check of the raw URL is a check of a different string from the one that picks the handler.
 */
export function routeNeedsKey(request: FastifyRequest): boolean {
  const route = request.routeOptions.url;
  return route !== undefined && KEYED_PREFIXES.some((p) => route.startsWith(p));
}

function presentedKey(request: FastifyRequest): string | undefined {
  // The scheme name is case-insensitive (RFC 9110 §11.1).
  const bearer = /^bearer +(.+)$/i.exec(request.headers.authorization ?? '');
  if (bearer) return bearer[1]!.trim();
  const header = request.headers['x-api-key'];
  return typeof header === 'string' ? header.trim() : undefined;
}

export interface KeyAuth {
  /** Forgets every checked key now (after a revocation made through this process). */
  forget(): void;
}

/**
 * API keys on the routes that decide or read records. On loopback without --require-keys the
 * service is open, as a developer's local tool; on any other address every call needs a key.
 * Failed attempts are counted per client address, so a caller without a valid key cannot make
 * the store look keys up without limit.
 */
export function registerAuth(
  app: FastifyInstance,
  store: AuditStore,
  required: boolean,
  failuresPerMinute: number,
): KeyAuth {
  app.decorateRequest('requester', 'local');
  // Keyed by the key's hash, so no secret sits in memory longer than its request.
  const cache = new Map<string, { id: string; until: number }>();
  const keyAuth: KeyAuth = { forget: () => cache.clear() };
  if (!required) return keyAuth;
  // On PostgreSQL every instance counts an address's failures together.
  const failures: WindowCounter =
    store.db.kind === 'postgres' && failuresPerMinute > 0
      ? sharedMinuteCounter(app, store, failuresPerMinute)
      : new FixedWindowCounter(60_000);
  const failureKey = (request: FastifyRequest) => `failed-key:${request.ip}`;

  const refuse = async (
    request: FastifyRequest,
    reply: FastifyReply,
    detail: string,
    hint?: string,
  ) => {
    // Waits only when this instance has counted its share of the limit unshared (see
    // SharedWindowCounter); the refusal has just cost a key lookup anyway.
    await failures.add(failureKey(request));
    reply.header(
      'www-authenticate',
      hint ? 'Bearer realm="medpolicy"' : 'Bearer realm="medpolicy", error="invalid_token"',
    );
    return new ProblemError(problem('unauthorized', detail, '/headers/authorization', hint));
  };

  app.addHook('onRequest', async (request, reply) => {
    if (!routeNeedsKey(request)) return;
    const key = presentedKey(request);
    const now = Date.now();
    const hash = key ? hashApiKey(key) : '';
    let hit = cache.get(hash);
    if (hit && hit.until >= now) {
      request.requester = hit.id;
      return;
    }
    // A key checked a moment ago passes above, so a neighbour's failures cannot lock it out.
    if (failuresPerMinute > 0 && failures.count(failureKey(request)) >= failuresPerMinute) {
      const retry = Math.ceil(failures.msLeft() / 1000);
      reply.header('retry-after', String(retry));
      throw new ProblemError(
        problem(
          'rate-limited',
          `more than ${failuresPerMinute} failed API-key attempts per minute from this address`,
          '/headers/authorization',
          `retry after ${retry} seconds with a valid key`,
        ),
      );
    }
    if (!key) {
      throw await refuse(
        request,
        reply,
        'this service requires an API key',
        'send Authorization: Bearer <key>; an operator creates one with `medpolicy keys create`',
      );
    }
    const id = await store.authenticate(key);
    if (!id) {
      cache.delete(hash);
      throw await refuse(
        request,
        reply,
        'the API key is not valid or has been revoked',
        'ask an operator for a live key (`medpolicy keys list` shows which are revoked)',
      );
    }
    hit = { id, until: now + KEY_CACHE_MS };
    if (cache.size > 10_000) cache.clear();
    cache.set(hash, hit);
    request.requester = hit.id;
  });
  return keyAuth;
}
