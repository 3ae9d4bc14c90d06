import type { FastifyInstance } from 'fastify';
import { buildServer, type ServerOptions } from '../../src/adapters/http/server.js';
import { packageRoot } from '../../src/package-root.js';
import type { ContextSource } from '../../src/service/context-source.js';
import type { DecisionContext } from '../../src/service/load-context.js';
import type { AuditStore } from '../../src/store/audit-store.js';

/** The service as tests build it: open, unlimited, silent; options override. */
export function testServer(
  ctx: DecisionContext | ContextSource,
  store: AuditStore,
  extra: Partial<ServerOptions> = {},
): Promise<FastifyInstance> {
  return buildServer({
    ctx,
    store,
    root: packageRoot(),
    requireApiKey: false,
    rateLimitPerMinute: 0,
    logger: false,
    version: 'test',
    publicUrl: () => 'http://127.0.0.1:8080',
    ...extra,
  });
}

/** POSTs JSON (an object, or text sent exactly as given) through the app, without a socket. */
export function postJson(
  app: FastifyInstance,
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
) {
  return app.inject({
    method: 'POST',
    url,
    payload: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...headers },
  });
}
