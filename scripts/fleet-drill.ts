// npm run fleet:drill: the fleet (scripts/fleet-process.ts) under load through HAProxy, on a fresh
// PostgreSQL database.
//   kill        kill -9 one of 3 instances under load: every 200 must be stored, and the only
//               failures the requests that instance had in flight
//   rolling     SIGTERM → drain → start again, one instance at a time, under load: no failures
//   throughput  requests/s and p50/p99 through the balancer with 1 and with 3 instances
//   publish     `medpolicy policies publish` of a changed corpus under load, then a rollback:
//               every answer names the old or the new revision, as its audit record does
// --phases kill,rolling,throughput,publish chooses.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import { packageRoot } from '../src/package-root.js';
import { loadScenarioCases } from '../src/policies/scenario-cases.js';
import { freshDatabase, type FreshDatabase } from '../test/support/postgres.js';
import { startFleet, type Fleet } from './fleet-process.js';

const { values } = parseArgs({
  options: {
    phases: { type: 'string', default: 'kill,rolling,throughput,publish' },
    port: { type: 'string', default: '18180' },
    connections: { type: 'string', default: '24' },
    'drain-ms': { type: 'string', default: '2000' },
    requests: { type: 'string', default: '20000' },
  },
});
const PORT = Number(values.port);
const CONNECTIONS = Number(values.connections);
const DRAIN_MS = Number(values['drain-ms']);
const THROUGHPUT_REQUESTS = Number(values.requests);

const bodies = loadScenarioCases().map((c) => JSON.stringify(c.request));

interface Load {
  /** Ids of the determinations answered 200. */
  acknowledged: string[];
  /** The policy-set revision each of them names, in the same order. */
  revisions: string[];
  result: Promise<autocannon.Result>;
  stop(): void;
}

/** POST /v1/determinations through the balancer until stopped (or for `amount` requests). */
function load(url: string, opts: { amount?: number; duration?: number } = {}): Load {
  const acknowledged: string[] = [];
  const revisions: string[] = [];
  const requests = bodies.map((body) => ({
    method: 'POST' as const,
    path: '/v1/determinations',
    headers: { 'content-type': 'application/json' },
    body,
    onResponse: (status: number, text: string) => {
      if (status !== 200) return;
      const answer = JSON.parse(text) as { id: string; revision: string };
      acknowledged.push(answer.id);
      revisions.push(answer.revision);
    },
  }));
  let instance: autocannon.Instance;
  const result = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(
      {
        url,
        connections: CONNECTIONS,
        requests,
        timeout: 10,
        ...(opts.amount ? { amount: opts.amount } : { duration: opts.duration ?? 600 }),
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
  });
  return { acknowledged, revisions, result, stop: () => instance.stop() };
}

const failures = (r: autocannon.Result) => r.non2xx + r.errors + r.timeouts;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How many of these determinations are stored, and how many are stored in all. */
async function stored(db: FreshDatabase, ids: string[]): Promise<{ of: number; all: number }> {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    const res = await c.query<{ of: string; all: string }>(
      `SELECT count(*) FILTER (WHERE id = ANY($1::uuid[]))::text AS of, count(*)::text AS all
       FROM determinations`,
      [ids],
    );
    return { of: Number(res.rows[0]!.of), all: Number(res.rows[0]!.all) };
  } finally {
    await c.end();
  }
}

/** `medpolicy policies publish ARGS` against the drill's database, in a process of its own. */
async function publish(db: FreshDatabase, args: string[]): Promise<string> {
  const child = spawn(
    process.execPath,
    [join(packageRoot(), 'bin', 'medpolicy.js'), 'policies', 'publish', '--by', 'drill', ...args],
    { env: { ...process.env, DATABASE_URL: db.url }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`publish ${args.join(' ')} exited ${code}:\n${out}`);
  return out.trim();
}

/** Milliseconds until every instance's /healthz reports `revision` (each asked directly). */
async function allServe(fleet: Fleet, revision: string, timeoutMs = 30_000): Promise<number> {
  const start = Date.now();
  for (;;) {
    const served = await Promise.all(
      fleet.instances.map(async (i) => {
        const res = await fetch(`http://127.0.0.1:${i.port}/healthz`);
        return ((await res.json()) as { revision: string }).revision;
      }),
    );
    if (served.every((r) => r === revision)) return Date.now() - start;
    if (Date.now() - start > timeoutMs)
      throw new Error(`after ${timeoutMs} ms the instances serve ${served.join(', ')}`);
    await sleep(20);
  }
}

/** The revision each determination was recorded with, by id. */
async function recordedRevisions(db: FreshDatabase, ids: string[]): Promise<Map<string, string>> {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    const res = await c.query<{ id: string; revision: string }>(
      'SELECT id::text, revision FROM determinations WHERE id = ANY($1::uuid[])',
      [ids],
    );
    return new Map(res.rows.map((r) => [r.id, r.revision]));
  } finally {
    await c.end();
  }
}

async function withFleet<T>(
  db: FreshDatabase,
  instances: number,
  fn: (f: Fleet) => Promise<T>,
): Promise<T> {
  const fleet = await startFleet({
    instances,
    databaseUrl: db.url,
    port: PORT,
    drainMs: DRAIN_MS,
    rateLimit: 0,
  });
  try {
    return await fn(fleet);
  } finally {
    await fleet.close();
  }
}

const PHASES: Record<string, (db: FreshDatabase) => Promise<void>> = {
  async kill(db) {
    await withFleet(db, 3, async (fleet) => {
      const run = load(fleet.url, { duration: 8 });
      await sleep(3_000);
      const inFlight = (await fleet.server(2)).sessions;
      const victim = fleet.instances[2]!;
      victim.child.kill('SIGKILL');
      const r = await run.result;
      const after = await fleet.server(2);
      const ack = run.acknowledged;
      const kept = await stored(db, ack);
      console.log(
        `kill -9 ${victim.name} under load (${CONNECTIONS} connections, 8 s):\n` +
          `  acknowledged (200) ${ack.length}, stored ${kept.of}: ${kept.of === ack.length ? 'all stored' : 'MISSING ' + (ack.length - kept.of)}; ` +
          `records in all ${kept.all} (${kept.all - kept.of} answered to no client: cut off by the end ` +
          `of the run, or recorded by the killed instance and not answered)\n` +
          `  failed requests ${failures(r)} (non-2xx ${r.non2xx}, errors ${r.errors}, timeouts ${r.timeouts}); ` +
          `in flight on ${victim.name} when killed: ${inFlight}; ` +
          `retried by HAProxy: ${after.retries} (redispatched ${after.redispatches})`,
      );
    });
  },

  async rolling(db) {
    await withFleet(db, 3, async (fleet) => {
      const run = load(fleet.url);
      await sleep(1_000);
      const codes: (number | null)[] = [];
      const started = Date.now();
      for (let i = 0; i < fleet.instances.length; i++) {
        codes.push(await fleet.stop(i, 'SIGTERM'));
        await fleet.start(i);
      }
      await sleep(1_000);
      run.stop();
      const r = await run.result;
      const kept = await stored(db, run.acknowledged);
      console.log(
        `rolling restart of 3 instances under load (SIGTERM, ${DRAIN_MS} ms drain, start, up; ${((Date.now() - started) / 1000).toFixed(1)} s):\n` +
          `  requests ${r.requests.sent}, 200s ${run.acknowledged.length} (stored ${kept.of}), failed ${failures(r)} ` +
          `(non-2xx ${r.non2xx}, errors ${r.errors}, timeouts ${r.timeouts}); exit codes ${codes.join(', ')}`,
      );
    });
  },

  async throughput(db) {
    for (const n of [1, 3]) {
      await withFleet(db, n, async (fleet) => {
        await load(fleet.url, { amount: 3_000 }).result; // warm-up
        const r = await load(fleet.url, { amount: THROUGHPUT_REQUESTS }).result;
        const seconds = (r.finish.getTime() - r.start.getTime()) / 1000;
        console.log(
          `throughput, ${n} instance(s) behind HAProxy, ${CONNECTIONS} connections, ${THROUGHPUT_REQUESTS} requests: ` +
            `${Math.round((r['2xx'] + r.non2xx) / seconds)} requests/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, failed ${failures(r)}`,
        );
      });
    }
  },
};

PHASES['publish'] = async (db) => {
  // Another revision that decides the same (its cases must pass): a policy file's text changed.
  const work = mkdtempSync(join(tmpdir(), 'medpolicy-drill-corpus-'));
  const changed = join(work, 'policies');
  cpSync(join(packageRoot(), 'policies'), changed, { recursive: true });
  appendFileSync(join(changed, 'bcbsma', '291.yaml'), `\n# drill ${Date.now()}\n`);
  try {
    // The shipped corpus, published first (the instances already serve it): what a rollback returns to.
    await publish(db, ['--policies', join(packageRoot(), 'policies')]);
    await withFleet(db, 3, async (fleet) => {
      const run = load(fleet.url);
      await sleep(2_000);
      const before = run.revisions.at(-1);
      const started = Date.now();
      const published = await publish(db, ['--policies', changed]);
      const publishMs = Date.now() - started;
      const next = /published revision (\w+)/.exec(published)?.[1];
      if (!before || !next) throw new Error(`no revision to compare: ${before}, ${published}`);
      const switchMs = await allServe(fleet, next);
      await sleep(2_000);
      const rollbackStarted = Date.now();
      await publish(db, ['--revision', before]);
      const rollbackMs = await allServe(fleet, before);
      const rollbackTotalMs = Date.now() - rollbackStarted;
      await sleep(2_000);
      run.stop();
      const r = await run.result;
      const count = new Map<string, number>();
      for (const rev of run.revisions) count.set(rev, (count.get(rev) ?? 0) + 1);
      const others = [...count.keys()].filter((rev) => rev !== before && rev !== next);
      const recorded = await recordedRevisions(db, run.acknowledged);
      const disagree = run.acknowledged.filter((id, i) => recorded.get(id) !== run.revisions[i]);
      console.log(
        `publish under load (3 instances, ${CONNECTIONS} connections): ${before} → ${next} → ${before} (rollback)\n` +
          `  publish (check + store) ${publishMs} ms, then every instance serving it after ${switchMs} ms; ` +
          `rollback: every instance back after ${rollbackMs} ms (${rollbackTotalMs} ms with the publish command)\n` +
          `  200s ${run.acknowledged.length}: old revision ${count.get(before) ?? 0}, new ${count.get(next) ?? 0}, ` +
          `other ${others.length === 0 ? 0 : others.join(',')}; answer and audit record disagree: ${disagree.length}; ` +
          `failed requests ${failures(r)} (non-2xx ${r.non2xx}, errors ${r.errors}, timeouts ${r.timeouts}); ` +
          `p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, max ${r.latency.max} ms`,
      );
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
};

const db = await freshDatabase();
try {
  for (const phase of values.phases.split(',')) {
    const run = PHASES[phase];
    if (!run) throw new Error(`no phase '${phase}' (phases: ${Object.keys(PHASES).join(', ')})`);
    await run(db);
  }
} finally {
  await db.drop();
}
