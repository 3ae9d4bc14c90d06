import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { readClaimResponse, submitPasBundle } from '../../pas/index.js';
import { loadCoverageMap } from '../../cdshooks/index.js';
import { policyPage, type HttpDeps } from '../deps.js';
import { perContext } from '../per-context.js';
import { fhirErrorHandler, FHIR_BODY_LIMIT } from './fhir-errors.js';

const FHIR_JSON = 'application/fhir+json; charset=utf-8';

/** Da Vinci PAS: Claim/$submit and the ClaimResponses it made. */
export function fhirPasRoutes(app: FastifyInstance, deps: HttpDeps): void {
  // Loaded and checked at start: a broken map fails the start, not the first EHR call.
  const coverageMapOf = perContext((ctx) => loadCoverageMap(ctx.policiesDir));
  coverageMapOf(deps.contexts.current());
  app.register(async (fhir) => {
    fhir.setErrorHandler(fhirErrorHandler);
    fhir.post(
      '/fhir/Claim/$submit',
      {
        bodyLimit: FHIR_BODY_LIMIT,
        schema: {
          summary:
            'PAS: submit a prior-authorization request Bundle; answers a ClaimResponse Bundle',
          tags: ['pas'],
        },
      },
      async (request, reply) => {
        const ctx = deps.contexts.current();
        const result = await submitPasBundle(request.body, {
          ctx,
          store: deps.store,
          now: () => new Date(),
          newId: randomUUID,
          policyUrl: (id) => policyPage(deps, id),
          publicUrl: deps.publicUrl(),
          coverageMap: coverageMapOf(ctx),
        });
        return reply.code(result.status).type(FHIR_JSON).send(result.body);
      },
    );
    fhir.get<{ Params: { id: string } }>(
      '/fhir/ClaimResponse/:id',
      { schema: { summary: 'PAS: a ClaimResponse made by $submit', tags: ['pas'] } },
      async (request, reply) => {
        const result = await readClaimResponse(request.params.id, { store: deps.store });
        return reply.code(result.status).type(FHIR_JSON).send(result.body);
      },
    );
  });
}
