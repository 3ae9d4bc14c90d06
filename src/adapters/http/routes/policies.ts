import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { policyDetail, policyIndex } from '../../../service/policy-views.js';
import { describeTerminology } from '../../../terminology/terminology.js';
import { sendProblem } from '../problem-json.js';
import type { HttpDeps } from '../deps.js';
import { perContext } from '../per-context.js';
import { ProblemSchema } from './schemas.js';

export function policyRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const views = perContext((ctx) => {
    const byId = new Map(ctx.policySet.policies.map((p) => [p.id, p]));
    return {
      ctx,
      index: policyIndex(ctx.policySet, describeTerminology(ctx.terminology)),
      byId,
      ids: [...byId.keys()],
    };
  });
  const current = () => views(deps.contexts.current());
  const notFound = (reply: Parameters<typeof sendProblem>[0], id: string, ids: string[]) =>
    sendProblem(reply, 'not-found', `no policy has id '${id}'`, '/id', `known: ${ids.join(', ')}`);

  app.get(
    '/v1/policies',
    {
      schema: {
        summary:
          'The loaded policies, their payers and versions, the policy-set revision and code sets',
        tags: ['policies'],
      },
    },
    async () => current().index,
  );

  app.get<{ Params: { id: string } }>(
    '/v1/policies/:id',
    {
      schema: {
        summary: 'One policy: every version with its statements, rules, codes and their quotes',
        tags: ['policies'],
        params: Type.Object({ id: Type.String({ maxLength: 128 }) }),
        response: { 404: ProblemSchema },
      },
    },
    async (request, reply) => {
      const { byId, ids } = current();
      const p = byId.get(request.params.id);
      return p ? policyDetail(p) : notFound(reply, request.params.id, ids);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/policies/:id/source',
    {
      schema: {
        summary: "The policy's source document, the text every quote is checked against",
        tags: ['policies'],
        params: Type.Object({ id: Type.String({ maxLength: 128 }) }),
        response: { 404: ProblemSchema },
      },
    },
    async (request, reply) => {
      const { ctx, byId, ids } = current();
      const p = byId.get(request.params.id);
      if (!p) return notFound(reply, request.params.id, ids);
      const dir = ctx.policiesDir ?? join(deps.root, 'policies');
      const text = readFileSync(join(dir, p.sourcePath.replace(/^policies\//, '')), 'utf8');
      return reply.type('text/plain; charset=utf-8').send(text);
    },
  );
}
