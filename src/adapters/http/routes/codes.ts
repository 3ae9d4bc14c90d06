import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { IsoDate } from '../../../model/coverage-request.js';
import { StringEnum } from '../../../model/string-enum.js';
import { CODE_SYSTEMS, lookupCode, searchCodes } from '../../../service/code-lookup.js';
import type { CodeSystemId } from '../../../terminology/code-system.js';
import { sendProblem } from '../problem-json.js';
import type { HttpDeps } from '../deps.js';
import { ProblemSchema } from './schemas.js';

export function codeRoutes(app: FastifyInstance, deps: HttpDeps): void {
  app.get<{ Params: { system: CodeSystemId; code: string }; Querystring: { date?: string } }>(
    '/v1/codes/:system/:code',
    {
      schema: {
        summary: 'One code: its display, billable or header status and effective dates',
        description: 'CPT codes carry numbers only: their descriptors belong to the AMA.',
        tags: ['codes'],
        params: Type.Object({
          system: StringEnum(CODE_SYSTEMS),
          code: Type.String({ maxLength: 16 }),
        }),
        querystring: Type.Object(
          { date: Type.Optional({ ...IsoDate, description: 'status on this date of service' }) },
          { additionalProperties: false },
        ),
        response: { '4xx': ProblemSchema },
      },
    },
    async (request, reply) => {
      const t = deps.contexts.current().terminology;
      const { system, code } = request.params;
      const r = lookupCode(t, system, code, request.query.date);
      if (r.ok) return r.code;
      return r.reason === 'malformed'
        ? sendProblem(reply, 'malformed-code', r.detail, '/code')
        : sendProblem(reply, 'not-found', r.detail, '/code');
    },
  );

  app.get<{
    Params: { system: CodeSystemId };
    Querystring: { q: string; limit?: string; date?: string };
  }>(
    '/v1/codes/:system',
    {
      schema: {
        summary: 'Search a code system by code prefix or words of the display (search-as-you-type)',
        tags: ['codes'],
        params: Type.Object({ system: StringEnum(CODE_SYSTEMS) }),
        querystring: Type.Object(
          {
            q: Type.String({ minLength: 1, maxLength: 64 }),
            limit: Type.Optional(
              Type.String({ pattern: '^([1-9]|[1-4][0-9]|50)$', description: '1–50, default 20' }),
            ),
            date: Type.Optional(IsoDate),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      const t = deps.contexts.current().terminology;
      return {
        system: request.params.system,
        version: t[request.params.system].version,
        items: searchCodes(
          t,
          request.params.system,
          request.query.q,
          Number(request.query.limit ?? 20),
          request.query.date,
        ),
      };
    },
  );
}
