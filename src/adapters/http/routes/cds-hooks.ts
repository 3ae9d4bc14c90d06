import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { JtiReplayStore } from '../../../store/jti-replay-store.js';
import {
  cdsMediaType,
  clientAuthRequired,
  discoveryDocument,
  FHIR_JSON,
  fhirServerMatcher,
  handleHook,
  loadCoverageMap,
  verifyCdsClientJwt,
  type FhirServerTrust,
  type ReplayCache,
  type TrustedIssuer,
} from '../../cdshooks/index.js';
import { operationOutcome } from '../../pas/operation-outcome.js';
import { policyPage, type HttpDeps } from '../deps.js';
import { perContext } from '../per-context.js';
import { RETRY_AFTER_SECONDS } from '../problem-json.js';
import { fhirErrorHandler, FHIR_BODY_LIMIT } from './fhir-errors.js';

export interface CdsOptions {
  /**
   * When the CDS client's JWT is required. By default exactly when the service requires API keys
   * (bound off loopback, or --require-keys): decided by where the service listens, not by the
   * caller's address, which a reverse proxy on the same host would make look local.
   */
  auth?: 'always' | 'never' | 'non-loopback';
  issuers: readonly TrustedIssuer[];
  /**
   * The EHR FHIR servers this service may read from (and send their access tokens to). Absent:
   * none, only prefetched data is used. 'any' is accepted only with auth 'never': serve sets it
   * for loopback development and says so at start.
   */
  fhirServers?: FhirServerTrust | undefined;
}

/** CDS Hooks discovery and the Da Vinci CRD services (src/adapters/cdshooks/README.md). */
export function cdsHookRoutes(
  app: FastifyInstance,
  deps: HttpDeps,
  opts: CdsOptions & { auth: NonNullable<CdsOptions['auth']> },
): void {
  // Loaded and checked at start (with the policies, from the package): a broken map fails the
  // start, not the first EHR call.
  const coverageMapOf = perContext((ctx) => loadCoverageMap(ctx.policiesDir));
  coverageMapOf(deps.contexts.current());
  // In the audit database, so a used token stays used across restarts and instances.
  const jtis = new JtiReplayStore(deps.store.db);
  const discovery = discoveryDocument();
  if (opts.fhirServers === 'any' && opts.auth !== 'never')
    throw new Error(
      'CDS fhirServers "any" is for loopback development without client JWTs; list the EHR FHIR servers instead',
    );
  const fhirServerAllowed = fhirServerMatcher(opts.fhirServers ?? []);

  app.register(async (cds) => {
    cds.setErrorHandler(fhirErrorHandler);
    cds.get(
      '/cds-services',
      {
        schema: {
          summary: 'CDS Hooks discovery: the CRD services and their prefetch templates',
          tags: ['cds-hooks'],
        },
      },
      async () => discovery,
    );
    cds.post<{ Params: { id: string } }>(
      '/cds-services/:id',
      {
        bodyLimit: FHIR_BODY_LIMIT,
        schema: {
          summary:
            'Call a CRD service (order-sign, order-select, order-dispatch, appointment-book, encounter-start, encounter-discharge)',
          tags: ['cds-hooks'],
        },
      },
      async (request, reply) => {
        const ctx = deps.contexts.current();
        if (clientAuthRequired(request.ip, opts.auth)) {
          const verdict = await verifyCdsClientJwt(request.headers.authorization, {
            audience: `${deps.publicUrl()}/cds-services/${request.params.id}`,
            issuers: opts.issuers,
            replayCache: logged(jtis, request.log),
          });
          if (!verdict.ok && verdict.status === 503)
            return reply
              .code(503)
              .header('retry-after', String(RETRY_AFTER_SECONDS))
              .type(FHIR_JSON)
              .send(operationOutcome('transient', verdict.message));
          if (!verdict.ok) {
            reply.header('www-authenticate', 'Bearer realm="cds-services"');
            return reply.code(401).type(FHIR_JSON).send(operationOutcome('login', verdict.message));
          }
        }
        const result = await handleHook(request.params.id, request.body, {
          ctx,
          now: () => new Date(),
          newId: randomUUID,
          policyUrl: (id) => policyPage(deps, id),
          publicUrl: deps.publicUrl(),
          coverageMap: coverageMapOf(ctx),
          record: (assertion) => deps.store.recordCoverageAssertion(assertion),
          fhirServerAllowed,
          onFhirReadFailure: (failure) => request.log.warn({ ehrRead: failure }, 'EHR read failed'),
        });
        return reply.code(result.status).type(cdsMediaType(result.body)).send(result.body);
      },
    );
  });
}

/** The replay store, with its failures logged (the caller only learns to retry). */
function logged(store: ReplayCache, log: FastifyBaseLogger): ReplayCache {
  return {
    seen: async (iss, jti, expiresAtSec) => {
      try {
        return await store.seen(iss, jti, expiresAtSec);
      } catch (e) {
        log.warn({ err: { message: (e as Error).message } }, 'CDS client jti check failed');
        throw e;
      }
    },
  };
}
