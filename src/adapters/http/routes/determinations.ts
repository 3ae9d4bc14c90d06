import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import {
  CompareRequestSchema,
  CoverageRequestSchema,
  IsoDate,
  isCalendarDate,
} from '../../../model/coverage-request.js';
import { problem } from '../../../model/problem.js';
import { determinationSchema } from '../../../model/determination-schema.js';
import { OUTCOMES } from '../../../model/vocabulary.js';
import { StringEnum } from '../../../model/string-enum.js';
import { compareForRecord, decideForRecord } from '../../../service/decide-and-record.js';
import { jsonWithId } from '../../../service/json-text.js';
import { answerRecorded } from '../idempotency.js';
import { ProblemError, sendProblem } from '../problem-json.js';
import type { HttpDeps } from '../deps.js';
import { ProblemSchema } from './schemas.js';

const ExplainQuery = Type.Object(
  { explain: Type.Optional(StringEnum(['full'] as const, { description: 'full: add the trace' })) },
  { additionalProperties: false },
);

// A date, or a date and time with its offset: the time part is checked here, the date part by
// checkQueryDates (a pattern cannot tell 2025-02-30 from a real day).
const DATE_OR_TIMESTAMP =
  '^\\d{4}-\\d{2}-\\d{2}(T([01]\\d|2[0-3]):[0-5]\\d(:[0-5]\\d(\\.\\d{1,6})?)?(Z|[+-]([01]\\d|2[0-3]):[0-5]\\d))?$';
// Printable ASCII: payer and policy ids are, and a control character is never a filter value.
const PRINTABLE = '^[\\x20-\\x7e]+$';

const ListQuery = Type.Object(
  {
    payer: Type.Optional(
      Type.String({ maxLength: 64, pattern: PRINTABLE, description: 'a payer id, e.g. bcbsma' }),
    ),
    outcome: Type.Optional(StringEnum(OUTCOMES)),
    policy: Type.Optional(
      Type.String({ maxLength: 128, pattern: PRINTABLE, description: 'a policy id' }),
    ),
    from: Type.Optional(
      Type.String({
        pattern: DATE_OR_TIMESTAMP,
        description:
          'recorded at or after: a date (YYYY-MM-DD) or a timestamp with offset (2025-09-15T08:00:00Z)',
      }),
    ),
    to: Type.Optional(
      Type.String({
        pattern: DATE_OR_TIMESTAMP,
        description:
          'recorded on or before this date (YYYY-MM-DD), or before this timestamp with offset',
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
  const { store } = deps;
  // The schema documents the answer (OpenAPI); the bases are the code's, whichever revision serves.
  const DeterminationSchema = determinationSchema(deps.contexts.current().terminology.bases.ids);
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
        const r = decideForRecord(request.body, deps.contexts.current(), meta(request), {
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
        const r = compareForRecord(request.body, deps.contexts.current(), meta(request), {
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
      checkQueryDates(q);
      const page = await store.list(
        {
          payer: q['payer'],
          outcome: q['outcome'],
          policy: q['policy'],
          from: q['from'],
          to: q['to'],
          serviceFrom: q['serviceFrom'],
          serviceTo: q['serviceTo'],
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

const DATE_PARAMS = ['from', 'to', 'serviceFrom', 'serviceTo'] as const;

/** Each date parameter names a day that exists, from year 1 on (the database's calendar). */
function checkQueryDates(q: Record<string, string | undefined>): void {
  for (const name of DATE_PARAMS) {
    const value = q[name];
    if (value === undefined) continue;
    const day = value.slice(0, 10);
    if (!isCalendarDate(day) || day < '0001-01-01') {
      throw new ProblemError(
        problem(
          'invalid-date',
          `${name} '${value}' is not a calendar date`,
          `/querystring/${name}`,
          'use YYYY-MM-DD with a day that exists, e.g. 2025-02-28',
        ),
      );
    }
  }
}

function nextLink(url: string, cursor: string): string {
  const u = new URL(url, 'http://x');
  u.searchParams.set('cursor', cursor);
  return `${u.pathname}${u.search}`;
}
