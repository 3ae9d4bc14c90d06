import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import {
  CompareRequestSchema,
  CoverageRequestSchema,
  IsoDate,
} from '../../../model/coverage-request.js';
import { DeterminationSchema } from '../../../model/determination-schema.js';
import { OUTCOMES } from '../../../model/vocabulary.js';
import { StringEnum } from '../../../model/string-enum.js';
import { compareForRecord, decideForRecord } from '../../../service/decide-and-record.js';
import { jsonWithId } from '../../../service/json-text.js';
import { answerRecorded } from '../idempotency.js';
import { sendProblem } from '../problem-json.js';
import type { HttpDeps } from '../deps.js';
import { ProblemSchema } from './schemas.js';

const ExplainQuery = Type.Object(
  { explain: Type.Optional(StringEnum(['full'] as const, { description: 'full: add the trace' })) },
  { additionalProperties: false },
);

const ListQuery = Type.Object(
  {
    payer: Type.Optional(Type.String({ maxLength: 64 })),
    outcome: Type.Optional(StringEnum(OUTCOMES)),
    policy: Type.Optional(Type.String({ maxLength: 128, description: 'policy id' })),
    from: Type.Optional(
      Type.String({
        pattern: '^\\d{4}-\\d{2}-\\d{2}(T[0-9:.]+(Z|[+-]\\d{2}:\\d{2}))?$',
        description: 'recorded at or after (date or timestamp)',
      }),
    ),
    to: Type.Optional(
      Type.String({
        pattern: '^\\d{4}-\\d{2}-\\d{2}(T[0-9:.]+(Z|[+-]\\d{2}:\\d{2}))?$',
        description: 'recorded on or before this date, or before this timestamp',
      }),
    ),
    serviceFrom: Type.Optional({ ...IsoDate, description: 'date of service on or after' }),
    serviceTo: Type.Optional({ ...IsoDate, description: 'date of service on or before' }),
    limit: Type.Optional(
      Type.String({
        pattern: '^([1-9]|[1-9][0-9]|1[0-9][0-9]|200)$',
        description: '1–200, default 50',
      }),
    ),
    cursor: Type.Optional(
      Type.String({ pattern: '^[0-9]{1,18}$', description: 'nextCursor of the previous page' }),
    ),
  },
  { additionalProperties: false },
);

const headers = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({ description: 'Retrying with the same key returns the first answer' }),
  ),
});

export function determinationRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const { ctx, store } = deps;
  const meta = (request: { requester: string; id: string }) => ({
    requester: request.requester,
    requestId: request.id,
  });

  app.post<{ Querystring: { explain?: 'full' } }>(
    '/v1/determinations',
    {
      schema: {
        summary: 'Decide one coverage request',
        description:
          'Validates, decides and records the request; a 200 means the audit record is committed. The record id is `id` and the `Location` header.',
        tags: ['decisions'],
        body: CoverageRequestSchema,
        querystring: ExplainQuery,
        headers,
        response: { 200: DeterminationSchema, '4xx': ProblemSchema, '5xx': ProblemSchema },
      },
    },
    (request, reply) =>
      answerRecorded(request, reply, store, () => {
        const r = decideForRecord(request.body, ctx, meta(request), {
          explain: request.query.explain === 'full',
        });
        if (!r.ok) return { error: r.error };
        return {
          status: 200,
          body: jsonWithId(r.id, r.determination),
          events: r.events,
          headers: { location: `/v1/determinations/${r.id}` },
        };
      }),
  );

  app.post<{ Querystring: { explain?: 'full' } }>(
    '/v1/compare',
    {
      schema: {
        summary: 'Decide one request for every payer',
        tags: ['decisions'],
        body: CompareRequestSchema,
        querystring: ExplainQuery,
        headers,
        response: {
          200: Type.Array(DeterminationSchema),
          '4xx': ProblemSchema,
          '5xx': ProblemSchema,
        },
      },
    },
    (request, reply) =>
      answerRecorded(request, reply, store, () => {
        const r = compareForRecord(request.body, ctx, meta(request), {
          explain: request.query.explain === 'full',
        });
        if (!r.ok) return { error: r.error };
        return {
          status: 200,
          body: `[${r.determinations.map((d, i) => jsonWithId(r.events[i]!.id, d)).join(',')}]`,
          events: r.events,
          headers: { 'x-comparison-id': r.groupId },
        };
      }),
  );

  app.get<{ Params: { id: string } }>(
    '/v1/determinations/:id',
    {
      schema: {
        summary: 'One recorded determination: who asked, what, which version answered and why',
        tags: ['audit'],
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        response: { '4xx': ProblemSchema, '5xx': ProblemSchema },
      },
    },
    async (request, reply) => {
      const event = await store.get(request.params.id);
      if (!event) {
        return sendProblem(
          reply,
          'not-found',
          `no determination has id '${request.params.id}'`,
          '/id',
        );
      }
      return event;
    },
  );

  app.get<{ Querystring: Record<string, string | undefined> }>(
    '/v1/determinations',
    {
      schema: {
        summary: 'Recorded determinations, newest first, filtered and paginated',
        tags: ['audit'],
        querystring: ListQuery,
        response: { '4xx': ProblemSchema, '5xx': ProblemSchema },
      },
    },
    async (request) => {
      const q = request.query;
      const page = await store.list(
        {
          payer: q['payer'],
          outcome: q['outcome'],
          policy: q['policy'],
          from: q['from'],
          to: q['to'],
        },
        q['limit'] ? Number(q['limit']) : 50,
        q['cursor'],
      );
      return {
        items: page.items,
        nextCursor: page.nextCursor,
        next: page.nextCursor ? nextLink(request.url, page.nextCursor) : undefined,
      };
    },
  );
}

function nextLink(url: string, cursor: string): string {
  const u = new URL(url, 'http://x');
  u.searchParams.set('cursor', cursor);
  return `${u.pathname}${u.search}`;
}
