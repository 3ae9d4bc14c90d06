import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import {
  clientAuthRequired,
  discoveryDocument,
  handleHook,
  loadCoverageMap,
  MemoryReplayCache,
  verifyCdsClientJwt,
  type TrustedIssuer,
} from '../../cdshooks/index.js';
import { operationOutcome } from '../../pas/operation-outcome.js';
import { policyPage, type HttpDeps } from '../deps.js';
import { fhirErrorHandler, FHIR_BODY_LIMIT } from './fhir-errors.js';

export interface CdsOptions {
  /**
   * When the CDS client's JWT is required. By default exactly when the service requires API keys
   * (bound off loopback, or --require-keys): decided by where the service listens, not by the
   * caller's address, which a reverse proxy on the same host would make look local.
   */
  auth?: 'always' | 'never' | 'non-loopback';
  issuers: readonly TrustedIssuer[];
  /** The EHR FHIR servers this service may read from (and send their access tokens to). */
  fhirServers?: readonly string[] | undefined;
}

/** CDS Hooks discovery and the Da Vinci CRD services (src/adapters/cdshooks/README.md). */
export function cdsHookRoutes(
  app: FastifyInstance,
  deps: HttpDeps,
  opts: CdsOptions & { auth: NonNullable<CdsOptions['auth']> },
): void {
  // Loaded and checked at start (with the policies, from the package): a broken map fails the
  // start, not the first EHR call.
  const coverageMap = loadCoverageMap();
  const replayCache = new MemoryReplayCache();
  const discovery = discoveryDocument();
  const allowed = opts.fhirServers
    ? (url: string) =>
        opts.fhirServers!.some(
          (base) => url === base || url.startsWith(`${base.replace(/\/$/, '')}/`),
        )
    : undefined;

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
        if (clientAuthRequired(request.ip, opts.auth)) {
          const verdict = await verifyCdsClientJwt(request.headers.authorization, {
            audience: `${deps.publicUrl()}/cds-services/${request.params.id}`,
            issuers: opts.issuers,
            replayCache,
          });
          if (!verdict.ok) {
            reply.header('www-authenticate', 'Bearer realm="cds-services"');
            return reply.code(401).send(operationOutcome('login', verdict.message));
          }
        }
        const result = await handleHook(request.params.id, request.body, {
          ctx: deps.ctx,
          now: () => new Date(),
          newId: randomUUID,
          policyUrl: (id) => policyPage(deps, id),
          coverageMap,
          record: (assertion) => deps.store.recordCoverageAssertion(assertion),
          ...(allowed ? { fhirServerAllowed: allowed } : {}),
        });
        return reply.code(result.status).send(result.body);
      },
    );
  });
}
