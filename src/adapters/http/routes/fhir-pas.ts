import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { readClaimResponse, submitPasBundle } from '../../pas/index.js';
import type { HttpDeps } from '../deps.js';
import { fhirErrorHandler, FHIR_BODY_LIMIT } from './fhir-errors.js';

const FHIR_JSON = 'application/fhir+json; charset=utf-8';

/** Da Vinci PAS: Claim/$submit and the ClaimResponses it made. */
export function fhirPasRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const store = {
    saveClaimResponse: (r: Parameters<typeof deps.store.saveClaimResponse>[0]) =>
      deps.store.saveClaimResponse(r),
    getClaimResponse: (id: string) => deps.store.getClaimResponse(id),
  };
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
        const result = await submitPasBundle(request.body, {
          ctx: deps.ctx,
          store,
          now: () => new Date(),
          newId: randomUUID,
          policyUrl: (id) => `${deps.publicUrl()}/v1/policies/${encodeURIComponent(id)}`,
        });
        return reply.code(result.status).type(FHIR_JSON).send(result.body);
      },
    );
    fhir.get<{ Params: { id: string } }>(
      '/fhir/ClaimResponse/:id',
      { schema: { summary: 'PAS: a ClaimResponse made by $submit', tags: ['pas'] } },
      async (request, reply) => {
        const result = await readClaimResponse(request.params.id, { store });
        return reply.code(result.status).type(FHIR_JSON).send(result.body);
      },
    );
  });
}
