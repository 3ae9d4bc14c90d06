import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The machine's real PostgreSQL; CI starts it before the tests. */
export const ADMIN_URL =
  process.env['MEDPOLICY_TEST_PG'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface FreshDatabase {
  url: string;
  name: string;
  /** Refuses new connections and ends the open ones: the database is "down" for the service. */
  cut(): Promise<void>;
  /** Lets connections in again. */
  restore(): Promise<void>;
  drop(): Promise<void>;
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** A new, empty database for one test run, dropped afterwards. */
export async function freshDatabase(): Promise<FreshDatabase> {
  const name = `medpolicy_test_${Date.now()}_${randomBytes(3).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const terminate = (c: pg.Client) =>
    c.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [name],
    );
  return {
    url: url.toString(),
    name,
    cut: () =>
      admin(async (c) => {
        await c.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
        await terminate(c);
      }),
    restore: () =>
      admin((c) => c.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`)).then(() => undefined),
    drop: () =>
      admin(async (c) => {
        await terminate(c);
        await c.query(`DROP DATABASE IF EXISTS ${name}`);
      }),
  };
}
