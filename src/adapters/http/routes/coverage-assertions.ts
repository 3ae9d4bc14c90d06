import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { CoverageRequestSchema } from '../../../model/coverage-request.js';
import { sendProblem } from '../problem-json.js';
import type { HttpDeps } from '../deps.js';
import { ProblemSchema } from './schemas.js';

// The response schema is also the serializer's: a field the record held beyond these is dropped
// on the way out, so a member identifier could never leave through this route.
const AssertionRequestSchema = Type.Object(
  {
    assertionId: Type.String(),
    madeAt: Type.String({ description: 'When the CRD answer was made' }),
    hook: Type.String({ description: 'The CDS hook that asked, e.g. order-sign' }),
    payer: Type.Optional(Type.String()),
    covered: Type.String({ description: 'coverage-information covered code' }),
    paNeeded: Type.Optional(Type.String({ description: 'coverage-information pa-needed code' })),
    request: Type.Optional(
      Type.Object(CoverageRequestSchema.properties, {
        additionalProperties: false,
        description:
          'The coverage request decided (no member data); absent when the order could not be mapped to one',
      }),
    ),
  },
  { additionalProperties: false },
);

/**
 * A CRD coverage assertion's request, to continue from it: the web UI's Check page opened from a
 * CRD card (`#/check?context=<coverage-assertion-id>`) asks the remaining questions on it.
 */
export function coverageAssertionRoutes(app: FastifyInstance, deps: HttpDeps): void {
  app.get<{ Params: { id: string } }>(
    '/v1/coverage-assertions/:id',
    {
      schema: {
        summary: 'What a CRD coverage assertion was decided on: its request, without member data',
        tags: ['cds-hooks'],
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) }),
        response: { 200: AssertionRequestSchema, '4xx': ProblemSchema, '5xx': ProblemSchema },
      },
    },
    async (request, reply) => {
      const found = await deps.store.getCoverageAssertionRequest(request.params.id);
      if (!found) {
        return sendProblem(
          reply,
          'not-found',
          `no coverage assertion has id '${request.params.id}'`,
          '/id',
        );
      }
      return found;
    },
  );
}
