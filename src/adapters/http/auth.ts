import type { FastifyInstance, FastifyRequest } from 'fastify';
import { problem } from '../../model/problem.js';
import { hashApiKey, type AuditStore } from '../../store/audit-store.js';
import { ProblemError } from './problem-json.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The API key id that asked, or "local" when keys are not required. */
    requester: string;
  }
}

// Revocation takes effect within this time; it spares a database read per request.
const CACHE_MS = 10_000;

function presentedKey(request: FastifyRequest): string | undefined {
  const auth = request.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  const header = request.headers['x-api-key'];
  return typeof header === 'string' ? header.trim() : undefined;
}

/**
 * API keys on the paths that decide or read records. On loopback without --require-keys the
 * service is open, as a developer's local tool; on any other address every call needs a key.
 */
export function registerAuth(
  app: FastifyInstance,
  store: AuditStore,
  required: boolean,
  protectedPrefixes: readonly string[],
): void {
  app.decorateRequest('requester', 'local');
  if (!required) return;
  // Keyed by the key's hash, so no secret sits in memory longer than its request.
  const cache = new Map<string, { id: string; until: number }>();
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url;
    if (!protectedPrefixes.some((p) => path.startsWith(p))) return;
    const key = presentedKey(request);
    if (!key) {
      reply.header('www-authenticate', 'Bearer realm="medpolicy"');
      throw new ProblemError(
        problem(
          'unauthorized',
          'this service requires an API key',
          '/headers/authorization',
          'send Authorization: Bearer <key>; an operator creates one with `medpolicy keys create`',
        ),
      );
    }
    const now = Date.now();
    const hash = hashApiKey(key);
    let hit = cache.get(hash);
    if (!hit || hit.until < now) {
      const id = await store.authenticate(key);
      if (!id) {
        cache.delete(hash);
        reply.header('www-authenticate', 'Bearer realm="medpolicy", error="invalid_token"');
        throw new ProblemError(
          problem(
            'unauthorized',
            'the API key is not valid or has been revoked',
            '/headers/authorization',
          ),
        );
      }
      hit = { id, until: now + CACHE_MS };
      if (cache.size > 10_000) cache.clear();
      cache.set(hash, hit);
    }
    request.requester = hit.id;
  });
}
