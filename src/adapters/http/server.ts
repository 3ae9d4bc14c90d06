import { randomUUID } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { Ajv } from 'ajv';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { problem } from '../../model/problem.js';
import { contextSource, type ContextSource } from '../../service/context-source.js';
import { parseRequestText } from '../../service/decide-request.js';
import type { DecisionContext } from '../../service/load-context.js';
import { unstorableText } from '../../service/storable-text.js';
import { registerAuth, routeNeedsKey } from './auth.js';
import type { HttpDeps } from './deps.js';
import { clientErrorHandler } from './client-error.js';
import { frameworkErrorHandler, routeErrorHandler, sendInRouteFormat } from './error-format.js';
import { ProblemError } from './problem-json.js';
import { sharedMinuteCounter, sharedRateLimitStore } from './shared-rate-limit.js';
import { SECURITY_HEADERS } from './security-headers.js';
import { jsonDeeperThan, MAX_JSON_DEPTH } from '../../service/json-depth.js';
import { cdsHookRoutes, type CdsOptions } from './routes/cds-hooks.js';
import { codeRoutes } from './routes/codes.js';
import { coverageAssertionRoutes } from './routes/coverage-assertions.js';
import { fhirDtrRoutes } from './routes/fhir-dtr.js';
import { fhirPasRoutes } from './routes/fhir-pas.js';
import { determinationRoutes } from './routes/determinations.js';
import { healthRoutes } from './routes/health.js';
import { policyRoutes } from './routes/policies.js';
import { webRoutes } from './routes/web.js';

export type { HttpDeps } from './deps.js';

export interface ServerOptions extends Omit<HttpDeps, 'contexts'> {
  /** The context served, or its source when a published revision may replace it. */
  ctx: DecisionContext | ContextSource;
  /** Require an API key on /v1 (always, off loopback, unless started --insecure). */
  requireApiKey: boolean;
  /** Requests per minute per API key; 0 turns the limit off. */
  rateLimitPerMinute: number;
  logger: NonNullable<FastifyServerOptions['logger']>;
  bodyLimit?: number;
  version: string;
  cds?: CdsOptions;
}

export const DEFAULT_BODY_LIMIT = 64 * 1024;
// Rate limits count every route that does work for a caller; CDS clients are counted by address
// (they authenticate with a signed JWT, src/adapters/cdshooks/jwt-auth.ts, not a key).
const LIMITED_PREFIXES = ['/v1/', '/fhir/', '/cds-services/'];

// application/json and its +json relatives (fhir+json for the FHIR adapters), with parameters.
const JSON_MEDIA_TYPE = /^application\/([a-z0-9.-]+\+)?json\s*(;|$)/i;
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]+)/i;

// Query strings and path parameters are checked as sent: no coercion, no dropped fields.
const ajv = new Ajv({
  allErrors: true,
  strict: false,
  coerceTypes: false,
  removeAdditional: false,
  useDefaults: false,
  // The failing schema's description becomes the problem's hint.
  verbose: true,
});

export async function buildServer(opts: ServerOptions): Promise<FastifyInstance> {
  const bodyLimit = opts.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const app = Fastify({
    logger: opts.logger,
    bodyLimit,
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    return503OnClosing: true,
    // A URL the router cannot decode, or a path segment too long, answered in the route's format.
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false } },
  });

  // Bodies are validated by the service (the same validator the CLI uses, with its field-naming
  // errors); the route's body schema documents them in OpenAPI.
  app.setValidatorCompiler(({ schema, httpPart }) => {
    if (httpPart === 'body') return () => true;
    return ajv.compile(schema) as (data: unknown) => boolean;
  });
  // Response schemas document; they must never strip a field on the way out.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));

  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    JSON_MEDIA_TYPE,
    { parseAs: 'string', bodyLimit },
    (request, body, done) => {
      const charset = CHARSET.exec(request.headers['content-type'] ?? '')?.[1]?.toLowerCase();
      if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
        done(
          new ProblemError(
            problem(
              'unsupported-media-type',
              `charset '${charset}' is not accepted; JSON is UTF-8 (RFC 8259)`,
              '/headers/content-type',
              'send the body in UTF-8, with charset=utf-8 or no charset',
            ),
          ),
          undefined,
        );
        return;
      }
      const text = String(body);
      // Deeper JSON is no request of ours, and would exhaust the stack of whatever walks it.
      if (jsonDeeperThan(text, MAX_JSON_DEPTH)) {
        done(
          new ProblemError(
            problem('too-deep', `the body nests JSON more than ${MAX_JSON_DEPTH} levels deep`, ''),
          ),
          undefined,
        );
        return;
      }
      const parsed = parseRequestText(text);
      if (!parsed.ok) return done(new ProblemError(parsed.error.error), undefined);
      const unstorable = unstorableText(text, parsed.value);
      if (unstorable) return done(new ProblemError(unstorable), undefined);
      done(null, parsed.value);
    },
  );

  // Last, so that no route's own cache-control (swagger-ui's static files) outlives it. A callback
  // hook: an async one costs every response a promise.
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id);
    reply.header('cache-control', 'no-store');
    done(null, payload);
  });
  app.setErrorHandler(routeErrorHandler);
  app.setNotFoundHandler((request, reply) =>
    sendInRouteFormat(request, reply, [
      problem(
        'not-found',
        `no route ${request.method} ${request.url.split('?')[0]}`,
        '',
        'see /openapi.json or /docs',
      ),
    ]),
  );

  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(SECURITY_HEADERS);
    done();
  });

  app.decorate(
    'keyAuth',
    registerAuth(app, opts.store, opts.requireApiKey, opts.rateLimitPerMinute),
  );

  if (opts.rateLimitPerMinute > 0) {
    await app.register(rateLimit, {
      max: opts.rateLimitPerMinute,
      timeWindow: '1 minute',
      hook: 'preHandler',
      // On PostgreSQL the counts are shared by every instance (README: "Running as a fleet").
      ...(opts.store.db.kind === 'postgres'
        ? {
            store: sharedRateLimitStore(
              sharedMinuteCounter(app, opts.store, opts.rateLimitPerMinute),
            ),
          }
        : {}),
      // Per API key; a caller without one (open loopback mode, CDS clients) per address.
      keyGenerator: (request) =>
        routeNeedsKey(request) && request.requester !== 'local'
          ? `key:${request.requester}`
          : `ip:${request.ip}`,
      // On the matched route, never the raw URL (see routeNeedsKey).
      allowList: (request) => {
        const route = request.routeOptions.url;
        return route === undefined || !LIMITED_PREFIXES.some((p) => route.startsWith(p));
      },
      errorResponseBuilder: (_request, context) =>
        new ProblemError(
          problem(
            'rate-limited',
            `more than ${context.max} requests per minute for this API key`,
            '',
            `retry after ${Math.ceil(context.ttl / 1000)} seconds`,
          ),
        ),
    });
  }

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'medpolicy',
        version: opts.version,
        description:
          "Coverage decisions from insurers' written medical policies, each with the policy words it relied on. Errors are application/problem+json (RFC 9457).",
      },
      components: {
        securitySchemes: {
          apiKey: {
            type: 'http',
            scheme: 'bearer',
            description: 'An API key from `medpolicy keys create`',
          },
        },
      },
      security: opts.requireApiKey ? [{ apiKey: [] }] : [],
      tags: [
        { name: 'decisions', description: 'Decide coverage requests' },
        { name: 'audit', description: 'Recorded determinations' },
        { name: 'policies', description: 'The encoded policies' },
        { name: 'codes', description: 'ICD-10-CM, HCPCS and CPT codes' },
        { name: 'cds-hooks', description: 'Da Vinci CRD over CDS Hooks' },
        { name: 'pas', description: 'Da Vinci PAS prior-authorization requests' },
        { name: 'dtr', description: 'Da Vinci DTR: questionnaires from the policies' },
        { name: 'service', description: 'Health' },
      ],
    },
  });
  // The service's own CSP (above) covers /docs too: swagger-ui's staticCSP would replace it with
  // a looser one (https: sources, framing by itself).
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: false });

  const deps: HttpDeps = {
    contexts: contextSource(opts.ctx),
    ...(opts.revisionStatus ? { revisionStatus: opts.revisionStatus } : {}),
    store: opts.store,
    root: opts.root,
    publicUrl: () => opts.publicUrl().replace(/\/$/, ''),
    ...(opts.draining ? { draining: opts.draining } : {}),
  };
  healthRoutes(app, deps);
  determinationRoutes(app, deps);
  policyRoutes(app, deps);
  codeRoutes(app, deps);
  const cds = opts.cds ?? { issuers: [] };
  cdsHookRoutes(app, deps, { ...cds, auth: cds.auth ?? (opts.requireApiKey ? 'always' : 'never') });
  coverageAssertionRoutes(app, deps);
  fhirPasRoutes(app, deps);
  fhirDtrRoutes(app, deps, opts.version);
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await webRoutes(app, deps);
  return app;
}
