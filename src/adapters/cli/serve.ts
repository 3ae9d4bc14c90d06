import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { packageRoot } from '../../package-root.js';
import { SwappableContext } from '../../service/context-source.js';
import type { RevisionFollower } from '../../service/follow-published-revision.js';
import { discardRevisionFiles } from '../../service/policy-corpus.js';
import type { DecisionContext } from '../../service/load-context.js';
import {
  DEFAULT_DATA_DIR,
  openStoreWhenReady,
  redactUrl,
  storeOptionsFromEnv,
} from '../../store/open-store.js';
import { startKeyAdmin } from '../key-admin/key-admin-server.js';
import { fhirServerMatcher, type TrustedIssuer } from '../cdshooks/index.js';
import type { CdsOptions } from '../http/routes/cds-hooks.js';
import { buildServer } from '../http/server.js';
import { EXIT, UsageError } from './exit-codes.js';
import { followPublishedRevision } from './follow-published.js';
import { stopYoungGenerationGrowth } from './young-generation.js';

export const SERVE_USAGE = `Usage: medpolicy serve [--port N] [--host ADDR] [options]

Runs the HTTP service: REST API under /v1, OpenAPI at /openapi.json, docs at /docs, /healthz.
Every determination is recorded in the audit store before it is answered.

Options:
  --port N            port to listen on (default 8080, or $PORT)
  --host ADDR         address to bind (default 127.0.0.1). Off loopback, API keys are required.
  --require-keys      require API keys on loopback too
  --insecure          serve without API keys on a non-loopback address (not for production)
  --data-dir DIR      embedded database directory (default .medpolicy/data, or $MEDPOLICY_DATA_DIR)
  --rate-limit N      requests per minute per API key (default 6000; 0 turns it off)
  --db-wait SECONDS   how long to wait at start for a PostgreSQL that is not up yet (default 30)
  --drain-ms N        after SIGTERM, how long /healthz answers 503 "draining" while requests are
                      still served, so that a load balancer stops sending first (default 5000
                      with DATABASE_URL, 0 with the embedded store, which no other instance shares)
  --log-level LEVEL   fatal|error|warn|info|debug (default info, or $MEDPOLICY_LOG_LEVEL)
  --public-url URL    the service's public base URL, for links in answers and the audience CDS
                      clients sign their JWTs for (default http://HOST:PORT)
  --cds-clients FILE  JSON trust list for CDS clients (or $MEDPOLICY_CDS_CLIENTS):
                      {"issuers":[{"iss":…,"jku":[…]} | {"iss":…,"jwks":{"keys":[…]}}],
                       "fhirServers":["https://ehr.example/fhir"], "auth":"non-loopback"}
                      Whenever API keys are required (off loopback, or --require-keys), CDS
                      calls need a JWT from a listed issuer instead; "auth" overrides that.
                      A call's fhirServer is read (and sent the call's access token) only when it
                      is under one of "fhirServers"; without the list, none is read and only
                      prefetched data is used — except when bound to loopback with no CDS JWT
                      required (development), where any is read, as a start-up line says.
                      A token's jti is remembered in the database until it expires, so a
                      replayed token is refused after a restart and by every instance.
  -h, --help          show this help

Environment:
  DATABASE_URL        postgres://… to record in PostgreSQL instead of the embedded PGlite. The
                      service then serves the policy-set revision last published there
                      (\`medpolicy policies publish\`), switching to a newly published one
                      within seconds, without a restart; until one is published, its files.
  MEDPOLICY_ICD10CM, MEDPOLICY_HCPCS   complete CMS code sets (see medpolicy --help)

Logs are JSON lines on standard output with request ids, never request bodies or member data.
SIGTERM drains (--drain-ms), then stops accepting, finishes in-flight requests and closes the
database; SIGINT, or a second SIGTERM, skips the drain. Either way the process exits 0.`;

/** In-flight requests get this long to finish after SIGTERM. */
const DRAIN_DEADLINE_MS = 30_000;
/** A few of a balancer's health-check intervals (deploy/haproxy.cfg checks every second, down after 2). */
const DEFAULT_DRAIN_MS = 5_000;
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
/** How often an instance reads the published revision, in case a notification was missed. */
const REVISION_POLL_MS = 5_000;
const LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

export async function serve(
  argv: string[],
  ctx: () => Promise<DecisionContext> | DecisionContext,
  out: (s: string) => void,
): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      'require-keys': { type: 'boolean', default: false },
      insecure: { type: 'boolean', default: false },
      'data-dir': { type: 'string' },
      'rate-limit': { type: 'string', default: '6000' },
      'log-level': { type: 'string' },
      'public-url': { type: 'string' },
      'cds-clients': { type: 'string' },
      'db-wait': { type: 'string', default: '30' },
      'drain-ms': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    out(SERVE_USAGE);
    return EXIT.decided;
  }
  const port = Number(values.port ?? process.env['PORT'] ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--port must be a port number, not '${values.port}'`);
  }
  const rateLimit = Number(values['rate-limit']);
  if (!Number.isInteger(rateLimit) || rateLimit < 0) {
    throw new UsageError(`--rate-limit must be a whole number of requests per minute`);
  }
  const dbWait = Number(values['db-wait']);
  if (!Number.isFinite(dbWait) || dbWait < 0) {
    throw new UsageError('--db-wait must be a number of seconds');
  }
  const drainMs = values['drain-ms'] === undefined ? undefined : Number(values['drain-ms']);
  if (drainMs !== undefined && !(Number.isInteger(drainMs) && drainMs >= 0)) {
    throw new UsageError('--drain-ms must be a whole number of milliseconds');
  }
  const level = values['log-level'] ?? process.env['MEDPOLICY_LOG_LEVEL'] ?? 'info';
  if (!LEVELS.has(level))
    throw new UsageError(`--log-level must be one of ${[...LEVELS].join(', ')}`);
  const host = values.host;
  const loopback = LOOPBACK.has(host);
  if (values.insecure && values['require-keys']) {
    throw new UsageError('--insecure and --require-keys contradict each other');
  }
  const requireApiKey = values['require-keys'] || (!loopback && !values.insecure);

  const root = packageRoot();
  const version = (
    JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }
  ).version;
  const context = await ctx();
  const storeOpts = storeOptionsFromEnv(process.env);
  if (values['data-dir']) storeOpts.dataDir = values['data-dir'];
  // The embedded database's failures and reopenings: on stderr until the log exists, then logged.
  let storeEvent = (message: string): void => {
    process.stderr.write(`medpolicy serve: ${message}\n`);
  };
  storeOpts.onEvent = (message) => {
    // A reopened embedded database is a new worker, whose start let the young generation grow.
    stopYoungGenerationGrowth();
    storeEvent(message);
  };
  const store = await openStoreWhenReady(storeOpts, dbWait * 1000, (message, delay) =>
    process.stderr.write(
      `medpolicy serve: database ${redactUrl(storeOpts.databaseUrl ?? '')} not ready (${message}); retrying in ${delay} ms\n`,
    ),
  );
  // After the embedded database's worker started: V8 resets the flag whenever a thread starts.
  stopYoungGenerationGrowth();
  const cdsFile = readCdsClients(values['cds-clients'] ?? process.env['MEDPOLICY_CDS_CLIENTS']);
  const cdsAuth = cdsFile.auth ?? (requireApiKey ? 'always' : 'never');
  // Only a developer on this machine can call an unauthenticated loopback service, and the
  // EHR it points at is then theirs: any fhirServer may be read. Anywhere else, only the listed.
  const anyFhirServer = cdsFile.fhirServers === undefined && loopback && cdsAuth === 'never';
  const cds: CdsOptions = {
    ...cdsFile,
    auth: cdsAuth,
    fhirServers: anyFhirServer ? 'any' : (cdsFile.fhirServers ?? []),
  };
  let publicUrl = values['public-url'];
  let draining = false;
  const contexts = new SwappableContext(context);
  // Set once the app's log exists; /healthz is not asked before the service listens.
  const revisions: { follower?: RevisionFollower } = {};
  const app = await buildServer({
    draining: () => draining,
    ...(storeOpts.databaseUrl ? { revisionStatus: () => revisions.follower!.status() } : {}),
    publicUrl: () =>
      publicUrl ?? `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${port}`,
    cds,
    ctx: contexts,
    store,
    root,
    requireApiKey,
    rateLimitPerMinute: rateLimit,
    logger: { level },
    version,
  });
  storeEvent = (message) => app.log.warn({ store: store.db.kind }, message);
  const following = storeOpts.databaseUrl
    ? await followPublishedRevision(
        store,
        storeOpts.databaseUrl,
        contexts,
        app.log,
        REVISION_POLL_MS,
      )
    : undefined;
  if (following) revisions.follower = following.follower;
  const stopFollowing = async () => following?.stop();
  // The embedded store is this process's alone: `medpolicy keys` manages keys through it.
  const keyAdmin =
    storeOpts.databaseUrl || storeOpts.dataDir === 'memory://'
      ? undefined
      : await startKeyAdmin(storeOpts.dataDir ?? DEFAULT_DATA_DIR, store, () =>
          app.keyAuth.forget(),
        );
  if (keyAdmin && 'unavailable' in keyAdmin)
    app.log.warn(
      `keys cannot be managed while this service runs: ${keyAdmin.unavailable}; use a shorter --data-dir`,
    );
  const closeKeyAdmin = () =>
    keyAdmin && 'close' in keyAdmin ? keyAdmin.close() : Promise.resolve();
  let address: string;
  try {
    address = await app.listen({ port, host });
    publicUrl ??= address.replace('0.0.0.0', '127.0.0.1');
  } catch (e) {
    await stopFollowing();
    await closeKeyAdmin();
    await store.close();
    throw e;
  }
  const served = contexts.current().policySet.revision;
  const policySource = revisions.follower?.status().published === served ? 'published' : 'files';
  app.log.info(
    {
      store: store.db.kind,
      revision: served,
      policies: policySource,
      apiKeys: requireApiKey ? 'required' : 'not required',
      cdsFhirServers: anyFhirServer ? 'any (loopback development)' : cds.fhirServers,
    },
    'medpolicy serving',
  );
  // Before the serving line, so that whoever waits for that line has seen this one.
  if (anyFhirServer)
    process.stderr.write(
      'medpolicy serve: CDS calls may have any fhirServer read with their access token (loopback development: no CDS JWT required and no "fhirServers" in --cds-clients)\n',
    );
  // One plain line on stderr whatever the log level: for people, and for scripts that wait for it.
  process.stderr.write(
    `medpolicy serving at ${address} (store: ${store.db.kind}, policies: revision ${served} ${policySource === 'published' ? 'as published' : 'from its files'}, API keys: ${requireApiKey ? 'required' : 'not required'}; docs at ${address}/docs)\n`,
  );
  if (!loopback && values.insecure)
    app.log.warn('serving without API keys on a non-loopback address (--insecure)');

  const drainFor = drainMs ?? (storeOpts.databaseUrl ? DEFAULT_DRAIN_MS : 0);
  return new Promise<number>((resolve) => {
    let stopping = false;
    let endDrain: (() => void) | undefined;
    const stop = (signal: string) => {
      if (draining) endDrain?.();
      if (stopping) return;
      stopping = true;
      const drainMsNow = signal === 'SIGTERM' ? drainFor : 0;
      if (drainMsNow === 0) return close(signal);
      // Health checks fail first while requests are still served, so the balancer moves away
      // before this instance stops accepting.
      draining = true;
      app.log.info({ signal, drainMs: drainMsNow }, 'draining: /healthz answers 503');
      const timer = setTimeout(() => endDrain?.(), drainMsNow);
      endDrain = () => {
        endDrain = undefined;
        clearTimeout(timer);
        close(signal);
      };
    };
    const close = (signal: string) => {
      app.log.info({ signal }, 'finishing in-flight requests');
      // A keep-alive connection that finishes its request after close began would otherwise hold
      // the process open until its idle timeout; close each as soon as it goes idle.
      const idle = setInterval(() => app.server.closeIdleConnections(), 50);
      const deadline = setTimeout(() => app.server.closeAllConnections(), DRAIN_DEADLINE_MS);
      app
        .close()
        .finally(() => {
          clearInterval(idle);
          clearTimeout(deadline);
        })
        .then(stopFollowing)
        .then(closeKeyAdmin)
        .then(() => store.close())
        .then(() => discardRevisionFiles(contexts.current(), 0))
        .then(
          () => resolve(EXIT.decided),
          (e: unknown) => {
            app.log.error({ err: { message: (e as Error).message } }, 'shutdown failed');
            resolve(EXIT.misuse);
          },
        );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
}

function readCdsClients(file: string | undefined): CdsOptions {
  if (!file) return { issuers: [] };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`--cds-clients ${file}: ${(e as Error).message}`);
  }
  const r = raw as { issuers?: unknown; fhirServers?: unknown; auth?: unknown };
  if (
    !Array.isArray(r.issuers) ||
    !r.issuers.every((i) => typeof (i as { iss?: unknown }).iss === 'string')
  ) {
    throw new UsageError(
      `--cds-clients ${file}: "issuers" must be a list of {"iss", "jku" or "jwks"}`,
    );
  }
  if (
    r.auth !== undefined &&
    r.auth !== 'always' &&
    r.auth !== 'never' &&
    r.auth !== 'non-loopback'
  ) {
    throw new UsageError(`--cds-clients ${file}: "auth" must be always, never or non-loopback`);
  }
  if (
    r.fhirServers !== undefined &&
    !(Array.isArray(r.fhirServers) && r.fhirServers.every((u) => typeof u === 'string'))
  ) {
    throw new UsageError(`--cds-clients ${file}: "fhirServers" must be a list of URLs`);
  }
  try {
    if (r.fhirServers) fhirServerMatcher(r.fhirServers as string[]);
  } catch (e) {
    throw new UsageError(`--cds-clients ${file}: ${(e as Error).message}`);
  }
  return {
    ...(r.auth !== undefined ? { auth: r.auth as NonNullable<CdsOptions['auth']> } : {}),
    issuers: r.issuers as TrustedIssuer[],
    fhirServers: r.fhirServers as string[] | undefined,
  };
}
