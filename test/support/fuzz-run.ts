// Runs the fuzzer over real HTTP against the service started in this process (API keys required,
// CDS client JWTs required), judges every answer, and tallies what it found.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { buildServer } from '../../src/adapters/http/server.js';
import { packageRoot } from '../../src/package-root.js';
import { loadContext } from '../../src/service/load-context.js';
import type { AuditStore } from '../../src/store/audit-store.js';
import { FuzzGenerator, KEY_PLACEHOLDER, type FuzzRequest, type FuzzWorld } from './fuzz.js';
import { judge, type FuzzResponse, type Violation, type ViolationKind } from './fuzz-oracle.js';

const PUBLIC_URL = 'http://127.0.0.1:8080';
const ISSUER = 'https://ehr.fuzz.example';
const EXAMPLES_PER_KIND = 5;
const REQUEST_TIMEOUT_MS = 30_000;

export interface FuzzOptions {
  requests: number;
  seed: number;
  concurrency: number;
  store: AuditStore;
  /** Replay this one request index only. */
  only?: number;
  /** Whether a fault (e.g. the database cut) was in force at any time in [start, end]. */
  faultDuring?: (startMs: number, endMs: number) => boolean;
}

export interface Example {
  group: string;
  reproducer: string;
}

export interface KindTally {
  count: number;
  groups: Map<string, number>;
  examples: Example[];
}

export interface FuzzReport {
  requests: number;
  seed: number;
  statuses: Map<number, number>;
  violations: Map<ViolationKind, KindTally>;
  recordsChecked: number;
  expectOk: number;
  wallMs: number;
  webBuilt: boolean;
  violationCount: number;
  /** Requests sent a second time after a transport error on the first try. */
  retried: number;
  /** Requests Node's client refused to send (a generator slip): not judged. */
  unsendable: number;
}

interface Service {
  app: FastifyInstance;
  port: number;
  world: FuzzWorld;
  sign(audience: string): Promise<string>;
}

async function startService(store: AuditStore): Promise<Service> {
  const ctx = loadContext({});
  const { privateKey, publicKey } = await generateKeyPair('ES384', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'fuzz-1', alg: 'ES384' };
  const app = await buildServer({
    ctx,
    store,
    root: packageRoot(),
    requireApiKey: true,
    rateLimitPerMinute: 0,
    logger: false,
    version: 'fuzz',
    publicUrl: () => PUBLIC_URL,
    // No EHR is reachable from a fuzz run: an empty allowlist keeps hooks from trying.
    cds: { auth: 'always', issuers: [{ iss: ISSUER, jwks: { keys: [jwk] } }], fhirServers: [] },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const { key } = await store.createApiKey('fuzz');
  const revoked = await store.createApiKey('fuzz-revoked');
  await store.revokeApiKey(revoked.id);
  return {
    app,
    port,
    world: {
      apiKey: key,
      revokedKey: revoked.key,
      publicUrl: PUBLIC_URL,
      policyIds: ctx.policySet.policies.map((p) => p.id),
      webBuilt: existsSync(join(packageRoot(), 'dist', 'web', 'index.html')),
      ids: { determinations: [], claimResponses: [] },
    },
    sign: (aud) => signJwt(privateKey, aud),
  };
}

function signJwt(key: Parameters<SignJWT['sign']>[0], audience: string): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'ES384', kid: 'fuzz-1', typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime('5m')
    .setJti(randomUUID())
    .sign(key);
}

/** One request over a keep-alive socket; the answer in full, or why there was none. */
function send(
  agent: http.Agent | false,
  port: number,
  req: FuzzRequest,
  headers: Record<string, string>,
): Promise<FuzzResponse | { error: string }> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (v: FuzzResponse | { error: string }) => {
      if (!settled) {
        settled = true;
        resolve(v);
      }
    };
    let r: http.ClientRequest;
    try {
      r = http.request(
        {
          host: '127.0.0.1',
          port,
          agent,
          method: req.method,
          path: req.target,
          headers,
          timeout: REQUEST_TIMEOUT_MS,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            done({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks),
            }),
          );
          res.on('error', (e) => done({ error: e.message }));
        },
      );
    } catch (e) {
      done({ error: `not sendable: ${(e as Error).message}` });
      return;
    }
    r.on('timeout', () => r.destroy(new Error('timeout')));
    r.on('error', (e) => {
      // A kept-alive socket the server had already closed (after an answer that ends the
      // connection) is the client's race, not a dropped request: Node's documented remedy is to
      // send again, here on a connection of its own.
      if (agent && r.reusedSocket && (e as NodeJS.ErrnoException).code === 'ECONNRESET')
        void send(false, port, req, headers).then(done);
      else done({ error: (e as NodeJS.ErrnoException).code ?? e.message });
    });
    if (req.body && req.chunked) {
      r.write(req.body);
      r.end();
    } else r.end(req.body);
  });
}

const clip = (s: string, n: number) =>
  s.length > n ? `${s.slice(0, n)}…(+${s.length - n} chars)` : s;

/** Enough to send the request again by hand (the key shown as a placeholder) and what came back. */
function reproducer(
  req: FuzzRequest,
  res: FuzzResponse | { error: string },
  apiKey: string,
): string {
  const redact = (s: string) => s.split(apiKey).join(KEY_PLACEHOLDER);
  const headers = Object.entries(req.headers).map(
    ([k, v]) => `-H ${JSON.stringify(`${k}: ${redact(clip(v, 80))}`)}`,
  );
  if (req.jwtAudience)
    headers.push(`-H "authorization: Bearer <ES384 JWT, aud ${req.jwtAudience}>"`);
  const body = req.body
    ? ` --data-binary ${JSON.stringify(clip(req.body.toString('utf8'), 300))}`
    : '';
  const answer =
    'error' in res
      ? `no answer: ${res.error}`
      : `${res.status} ${String(res.headers['content-type'] ?? '')} ${clip(res.body.toString('utf8'), 240)}`;
  return `#${req.index} (seed ${req.seed}; ${req.mutations.join(', ') || 'unmutated'})\n    curl -X ${req.method} ${JSON.stringify(`http://127.0.0.1:PORT${clip(req.target, 200)}`)} ${headers.join(' ')}${body}\n    -> ${answer}`;
}

function tally(report: FuzzReport, v: Violation, example: () => string): void {
  let t = report.violations.get(v.kind);
  if (!t) report.violations.set(v.kind, (t = { count: 0, groups: new Map(), examples: [] }));
  t.count++;
  report.violationCount++;
  const seen = t.groups.get(v.group);
  t.groups.set(v.group, (seen ?? 0) + 1);
  // One example per group, up to five groups: five causes say more than five copies of one.
  if (seen === undefined && t.examples.length < EXAMPLES_PER_KIND)
    t.examples.push({ group: v.group, reproducer: example() });
}

// Ids to read back: recorded by requests sent before the run, so that request i never depends
// on what other requests happened to answer first.
async function recordSome(
  service: Service,
  gen: FuzzGenerator,
  send1: (req: FuzzRequest) => Promise<FuzzResponse | { error: string }>,
  store: AuditStore,
): Promise<void> {
  const ids = service.world.ids;
  for (let i = 0; ids.determinations.length < 8 || ids.claimResponses.length < 4; i++) {
    if (i > 2000)
      throw new Error('fuzz: no seed request was answered 2xx; the service refuses valid requests');
    const req = gen.request(-1 - i, { mutate: false });
    if (!req.expectOk || !['determine', 'compare', 'pas-submit'].includes(req.seed)) continue;
    const res = await send1(req);
    if ('error' in res) continue;
    const j = await judge(req, res, store, false);
    ids.determinations.push(...j.determinationIds);
    ids.claimResponses.push(...j.claimResponseIds);
  }
}

export async function runFuzz(opts: FuzzOptions): Promise<FuzzReport> {
  const started = Date.now();
  const service = await startService(opts.store);
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency });
  const report: FuzzReport = {
    requests: 0,
    seed: opts.seed,
    statuses: new Map(),
    violations: new Map(),
    recordsChecked: 0,
    expectOk: 0,
    wallMs: 0,
    webBuilt: service.world.webBuilt,
    violationCount: 0,
    retried: 0,
    unsendable: 0,
  };
  let retried = 0;
  const sendOne = async (req: FuzzRequest) => {
    const headers = { ...req.headers };
    if (req.jwtAudience) headers['authorization'] = `Bearer ${await service.sign(req.jwtAudience)}`;
    // Node frames a GET, DELETE or OPTIONS body with neither header unless told: the server
    // would read the body as the next request. Say which framing is meant.
    if (req.body && req.chunked) headers['transfer-encoding'] = 'chunked';
    else if (req.body) headers['content-length'] = String(req.body.length);
    const first = await send(agent, service.port, req, headers);
    if (!('error' in first)) return first;
    // The generator's fault, not the service's: counted apart, never judged.
    if (first.error.startsWith('not sendable')) return first;
    // A server may close a connection once it has answered early (401 before the body, 413):
    // the client can then fail writing. Sent again, alone on its own connection, a request the
    // service really drops still gets no answer.
    retried++;
    return send(false, service.port, req, headers);
  };
  try {
    const gen = new FuzzGenerator(opts.seed, service.world);
    await recordSome(service, gen, sendOne, opts.store);
    const indexes = opts.only !== undefined ? [opts.only] : undefined;
    let next = 0;
    const total = indexes ? indexes.length : opts.requests;
    const worker = async () => {
      while (next < total) {
        const index = indexes ? indexes[next++]! : next++;
        const req = gen.request(index);
        const t0 = Date.now();
        const res = await sendOne(req);
        const fault = opts.faultDuring?.(t0, Date.now()) ?? false;
        report.requests++;
        if (req.expectOk) report.expectOk++;
        if ('error' in res && res.error.startsWith('not sendable')) {
          report.unsendable++;
          continue;
        }
        if ('error' in res) {
          tally(
            report,
            { kind: 'no-answer', group: `${req.method} seed ${req.seed}: ${res.error}` },
            () => reproducer(req, res, service.world.apiKey),
          );
          continue;
        }
        report.statuses.set(res.status, (report.statuses.get(res.status) ?? 0) + 1);
        const j = await judge(req, res, opts.store, fault);
        report.recordsChecked += j.recordsChecked;
        for (const v of j.violations)
          tally(report, v, () => reproducer(req, res, service.world.apiKey));
      }
    };
    await Promise.all(Array.from({ length: opts.concurrency }, worker));

    const health = await send(
      agent,
      service.port,
      {
        index: -1,
        seed: 'healthz',
        method: 'GET',
        target: '/healthz',
        headers: {},
        chunked: false,
        credentials: { apiKey: false, jwt: false },
        expectOk: true,
        mutations: [],
      },
      {},
    );
    const healthy =
      !('error' in health) &&
      health.status === 200 &&
      /"status":"ok"/.test(health.body.toString('utf8'));
    if (!healthy)
      tally(report, { kind: 'healthz-down', group: 'GET /healthz after the run' }, () =>
        'error' in health
          ? health.error
          : `${health.status} ${health.body.toString('utf8').slice(0, 200)}`,
      );
  } finally {
    agent.destroy();
    await service.app.close();
    report.wallMs = Date.now() - started;
    report.retried = retried;
  }
  return report;
}

/** The figures, as printed by scripts/fuzz-http.ts and by a failing CI test. */
export function formatReport(r: FuzzReport): string {
  const lines: string[] = [];
  lines.push(
    `fuzz: ${r.requests} requests, seed ${r.seed}, ${(r.wallMs / 1000).toFixed(1)} s wall`,
  );
  const statuses = [...r.statuses].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}: ${n}`);
  lines.push(`  statuses: ${statuses.join(', ')}`);
  lines.push(`  acknowledged records checked in the store: ${r.recordsChecked}`);
  lines.push(
    `  sent again after a transport error: ${r.retried}; not sendable (not judged): ${r.unsendable}`,
  );
  lines.push(
    `  requests that had to succeed (valid seed, meaning-preserving changes only): ${r.expectOk}`,
  );
  if (!r.webBuilt) lines.push('  (web UI not built: GET / not fuzzed)');
  lines.push(`  violations: ${r.violationCount}`);
  for (const [kind, t] of [...r.violations].sort((a, b) => b[1].count - a[1].count)) {
    lines.push(`  ${kind}: ${t.count}`);
    const groups = [...t.groups].sort((a, b) => b[1] - a[1]);
    for (const [g, n] of groups.slice(0, 12)) lines.push(`      ${String(n).padStart(6)}  ${g}`);
    if (groups.length > 12) lines.push(`      … ${groups.length - 12} more groups`);
    lines.push('    examples:');
    for (const e of t.examples) lines.push(`    ${e.reproducer}`);
  }
  return lines.join('\n');
}
