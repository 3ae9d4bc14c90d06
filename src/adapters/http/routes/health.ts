import type { FastifyInstance } from 'fastify';
import { describeTerminology } from '../../../terminology/terminology.js';
import type { RevisionStatus } from '../../../service/follow-published-revision.js';
import type { HttpDeps } from '../deps.js';

export function healthRoutes(app: FastifyInstance, deps: HttpDeps): void {
  app.get(
    '/healthz',
    { schema: { summary: 'Ready when the service and its database answer', tags: ['service'] } },
    async (_request, reply) => {
      const ctx = deps.contexts.current();
      const status = deps.revisionStatus?.();
      if (deps.draining?.()) {
        reply.code(503);
        return { status: 'draining', store: deps.store.db.kind };
      }
      const database = await deps.store.ping();
      reply.code(database ? 200 : 503);
      if (!database) reply.header('retry-after', '2');
      return {
        status: database ? 'ok' : 'unavailable',
        database: database ? 'ok' : 'unreachable',
        store: deps.store.db.kind,
        revision: ctx.policySet.revision,
        ...(status ? { published: publishedState(status) } : {}),
        codeSets: describeTerminology(ctx.terminology),
      };
    },
  );
}

/** The published revision and whether this instance serves it; why not, when it failed here. */
function publishedState(s: RevisionStatus) {
  return {
    revision: s.published ?? null,
    served: s.published === undefined || s.published === s.revision,
    ...(s.error ? { error: s.error } : {}),
  };
}
