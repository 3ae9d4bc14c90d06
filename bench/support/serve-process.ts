import { execSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import pg from 'pg';
import { packageRoot } from '../../src/package-root.js';
import { freshDatabase, type FreshDatabase } from '../../test/support/postgres.js';

export interface ServeProcess {
  base: string;
  pid: number;
  db: FreshDatabase;
  /** Rows in a table of the service's database. */
  count(table: string): Promise<number>;
  stop(): Promise<void>;
}

/** `medpolicy serve` as its own process, as deployed, on a fresh PostgreSQL database. */
export async function startServeOnPostgres(): Promise<ServeProcess> {
  const db = await freshDatabase();
  const child: ChildProcess = spawn(
    process.execPath,
    [
      join(packageRoot(), 'bin', 'medpolicy.js'),
      'serve',
      '--port',
      '0',
      '--log-level',
      'warn',
      '--rate-limit',
      '0',
    ],
    { env: { ...process.env, DATABASE_URL: db.url }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const m = /medpolicy serving at (http:\/\/\S+) /.exec(err);
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
    pid: child.pid!,
    db,
    async count(table) {
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      try {
        const res = await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table}`);
        return Number(res.rows[0]!.n);
      } finally {
        await client.end();
      }
    },
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

const CLOCK_TICKS = Number(execSync('getconf CLK_TCK').toString().trim()) || 100;
const POSTGRES_UID = Number(execSync('id -u postgres').toString().trim());
