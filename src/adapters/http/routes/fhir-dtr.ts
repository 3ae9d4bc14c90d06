import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { loadCoverageMap } from '../../cdshooks/index.js';
import { capabilityStatement } from '../../dtr/capability.js';
import { nextQuestion } from '../../dtr/next-question.js';
import type { DtrDeps, DtrResult } from '../../dtr/operation-deps.js';
import { questionnairePackage } from '../../dtr/questionnaire-package.js';
import { readQuestionnaire, searchQuestionnaires } from '../../dtr/read-questionnaire.js';
import { policyPage, type HttpDeps } from '../deps.js';
import { perContext } from '../per-context.js';
import { fhirErrorHandler, FHIR_BODY_LIMIT } from './fhir-errors.js';

const FHIR_JSON = 'application/fhir+json; charset=utf-8';

/**
 * Da Vinci DTR: `$questionnaire-package`, `$next-question`, the generated Questionnaires and the
 * CapabilityStatement. Keyed and rate-limited as every /fhir route (auth.ts, server.ts); errors are
 * OperationOutcomes, a store outage 503 with Retry-After (fhir-errors.ts).
 */
export function fhirDtrRoutes(app: FastifyInstance, deps: HttpDeps, version: string): void {
  const coverageMapOf = perContext((ctx) => loadCoverageMap(ctx.policiesDir));
  coverageMapOf(deps.contexts.current());
  const operationDeps = (request: FastifyRequest): DtrDeps => {
    // One context for the whole request: a revision published meanwhile does not split it.
    const ctx = deps.contexts.current();
    return {
      ctx,
      store: deps.store,
      coverageMap: coverageMapOf(ctx),
      now: () => new Date(),
      newId: randomUUID,
      publicUrl: deps.publicUrl(),
      requester: request.requester,
      requestId: request.id,
      policyUrl: (id) => policyPage(deps, id),
    };
  };
  const send = (reply: FastifyReply, r: DtrResult) =>
    reply.code(r.status).type(FHIR_JSON).send(r.body);
  const readDeps = () => ({
    ctx: deps.contexts.current(),
    publicUrl: deps.publicUrl(),
    today: new Date().toISOString().slice(0, 10),
  });

  app.register(async (fhir) => {
    fhir.setErrorHandler(fhirErrorHandler);
    fhir.post(
      '/fhir/Questionnaire/$questionnaire-package',
      {
        bodyLimit: FHIR_BODY_LIMIT,
        schema: {
          summary:
            'DTR: the adaptive form and its draft QuestionnaireResponse for an order (or a CRD context); a session is committed before the answer',
          tags: ['dtr'],
        },
      },
      async (request, reply) =>
        send(reply, await questionnairePackage(request.body, operationDeps(request))),
    );
    fhir.post(
      '/fhir/Questionnaire/$next-question',
      {
        bodyLimit: FHIR_BODY_LIMIT,
        schema: {
          summary:
            'DTR: the next questions of an adaptive form, or the completed form with the decision; each step is committed before the answer',
          tags: ['dtr'],
        },
      },
      async (request, reply) =>
        send(reply, await nextQuestion(request.body, operationDeps(request))),
    );
    fhir.get<{ Querystring: { url?: string; version?: string } }>(
      '/fhir/Questionnaire',
      {
        schema: {
          summary: 'DTR: the generated Questionnaires, by canonical url and version',
          tags: ['dtr'],
          querystring: {
            type: 'object',
            properties: {
              url: { type: 'string', maxLength: 2048 },
              version: { type: 'string', maxLength: 256 },
            },
            additionalProperties: false,
          },
        },
      },
      async (request, reply) => send(reply, searchQuestionnaires(request.query, readDeps())),
    );
    fhir.get<{ Params: { id: string } }>(
      '/fhir/Questionnaire/:id',
      {
        schema: {
          summary:
            'DTR: a policy’s form in force today ({policy}: adaptive; {policy}-form: standard)',
          tags: ['dtr'],
        },
      },
      async (request, reply) => send(reply, readQuestionnaire(request.params.id, readDeps())),
    );
    fhir.get(
      '/fhir/metadata',
      { schema: { summary: 'The FHIR CapabilityStatement (DTR and PAS)', tags: ['dtr'] } },
      async (_request, reply) =>
        send(reply, {
          status: 200,
          body: capabilityStatement(deps.publicUrl(), version, new Date().toISOString()),
        }),
    );
  });
}
