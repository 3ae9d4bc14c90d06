import { execSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { packageRoot } from '../../src/package-root.js';
import { freshDatabase, type FreshDatabase } from '../../test/support/postgres.js';

export type BenchStore = 'postgres' | 'embedded';

export interface ServeProcess {
  base: string;
  pid: number;
  store: BenchStore;
  /**
   * Peak resident memory (MiB) of the service and its child processes together while it started,
   * sampled: on a new data directory this includes creating the database in its own process.
   */
  startPeakTreeMiB: number;
  /** Rows in a table of the service's database; on the embedded store, only once stopped. */
  count(table: string): Promise<number>;
  /** How many transactions wrote a table's rows (its rows' distinct xmin); as count. */
  commitsInto(table: string): Promise<number>;
  stop(): Promise<void>;
  /** Drops the database or removes the data directory. */
  discard(): Promise<void>;
}

/** `medpolicy serve` as its own process, as deployed, on a fresh PostgreSQL database. */
export async function startServeOnPostgres(): Promise<ServeProcess & { db: FreshDatabase }> {
  const db = await freshDatabase();
  const child = spawnServe([], { ...process.env, DATABASE_URL: db.url });
  const { base, stop, startPeakTreeMiB } = await serving(child);
  return {
    base,
    pid: child.pid!,
    store: 'postgres',
    startPeakTreeMiB,
    db,
    async count(table) {
      return Number(await queryOne(db.url, `SELECT count(*)::text AS n FROM ${table}`));
    },
    async commitsInto(table) {
      return Number(await queryOne(db.url, commitsSql(table)));
    },
    stop,
    discard: () => db.drop(),
  };
}

const commitsSql = (table: string) => `SELECT count(DISTINCT xmin::text)::text AS n FROM ${table}`;

async function queryOne(url: string, sql: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const res = await client.query<{ n: string }>(sql);
    return res.rows[0]!.n;
  } finally {
    await client.end();
  }
}

/** `medpolicy serve` as its own process on the embedded store (PGlite) in a fresh data directory. */
export async function startServeOnEmbedded(): Promise<ServeProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'medpolicy-bench-'));
  const dataDir = join(dir, 'data');
  const env = { ...process.env };
  delete env['DATABASE_URL'];
  delete env['MEDPOLICY_DATA_DIR'];
  const child = spawnServe(['--data-dir', dataDir], env);
  const { base, stop, startPeakTreeMiB } = await serving(child);
  return {
    base,
    pid: child.pid!,
    store: 'embedded',
    startPeakTreeMiB,
    count: (table) => embeddedScalar(dataDir, `SELECT count(*)::text AS n FROM ${table}`),
    commitsInto: (table) => embeddedScalar(dataDir, commitsSql(table)),
    stop,
    discard: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The data directory is the service's alone while it runs: it is read after it stopped. */
async function embeddedScalar(dataDir: string, sql: string): Promise<number> {
  const { PGlite } = await import('@electric-sql/pglite');
  const db = new PGlite(dataDir);
  try {
    const res = await db.query<{ n: string }>(sql);
    return Number(res.rows[0]!.n);
  } finally {
    await db.close();
  }
}

export function startServe(store: BenchStore): Promise<ServeProcess> {
  return store === 'postgres' ? startServeOnPostgres() : startServeOnEmbedded();
}

/**
 * A floor server (bench/support/floor-server.ts) as its own process: what any JSON POST service
 * costs on bare Node http or one minimal Fastify route, under the same load.
 */
export async function startFloor(
  kind: 'node' | 'fastify',
): Promise<{ base: string; pid: number; stop(): Promise<void> }> {
  const child = spawn(
    process.execPath,
    [join(packageRoot(), 'dist', 'bench', 'support', 'floor-server.js'), kind],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const { base, stop } = await serving(child);
  return { base, pid: child.pid!, stop };
}

function spawnServe(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(
    process.execPath,
    [
      // e.g. BENCH_SERVE_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' to profile the service
      // (node refuses --cpu-prof in NODE_OPTIONS).
      ...(process.env['BENCH_SERVE_NODE_ARGS'] ?? '').split(' ').filter(Boolean),
      join(packageRoot(), 'bin', 'medpolicy.js'),
      'serve',
      '--port',
      '0',
      '--log-level',
      'warn',
      '--rate-limit',
      '0',
      ...args,
    ],
    { env, stdio: ['ignore', 'ignore', 'pipe'] },
  );
}

async function serving(
  child: ChildProcess,
): Promise<{ base: string; startPeakTreeMiB: number; stop(): Promise<void> }> {
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  let startPeakTreeMiB = 0;
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      startPeakTreeMiB = Math.max(startPeakTreeMiB, treeRssMiB(child.pid!));
      const m = /serving at (http:\/\/\S+) /.exec(err);
      if (m) {
        clearInterval(timer);
        resolve(m[1]!);
      } else if (child.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`serve exited:\n${err}`));
      }
    }, 50);
  });
  let stopped = false;
  return {
    base,
    startPeakTreeMiB,
    async stop() {
      if (stopped) return;
      stopped = true;
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}

/** CPU time (ms) a process has used, from /proc: robust to other load on the machine. */
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / CLOCK_TICKS;
}

/** CPU time (ms) of every PostgreSQL server process on the machine. */
export function postgresCpuMs(): number {
  let total = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (statSync(`/proc/${pid}`).uid !== POSTGRES_UID) continue;
      total += cpuMs(Number(pid));
    } catch {
      // The process ended while we looked.
    }
  }
  return total;
}

/** A process's resident memory in MiB: now (VmRSS) and its peak so far (VmHWM), from /proc. */
export function rssMiB(pid: number): { now: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)![1]);
  return { now: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
}

/** Resident memory (MiB) of a process and all its descendants now; 0 for any that are gone. */
function treeRssMiB(pid: number): number {
  try {
    let total = rssMiB(pid).now;
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      for (const c of children ? children.split(' ') : []) total += treeRssMiB(Number(c));
    }
    return total;
  } catch {
    return 0;
  }
}

const CLOCK_TICKS = Number(execSync('getconf CLK_TCK').toString().trim()) || 100;
const POSTGRES_UID = Number(execSync('id -u postgres').toString().trim());
