import type { PGlite } from '@electric-sql/pglite';
import type pg from 'pg';

/** The little SQL the store needs, spoken the same way to PostgreSQL and to embedded PGlite. */
export interface Queryable {
  /** With a name, PostgreSQL prepares the statement once per connection (hot paths). */
  query<R = Record<string, unknown>>(
    sql: string,
    params?: unknown[],
    name?: string,
  ): Promise<{ rows: R[] }>;
  /** Several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface SqlClient extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** Runs fn in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** A pool or one checked-out connection: both speak `query`. */
function pgQueryable(target: pg.Pool | pg.PoolClient): Queryable {
  return {
    async query<R>(sql: string, params?: unknown[], name?: string) {
      const values = params as unknown[];
      const res = await target.query(name ? { name, text: sql, values } : { text: sql, values });
      return { rows: res.rows as R[] };
    },
    async exec(sql: string) {
      await target.query(sql);
    },
  };
}

export function postgresClient(pool: pg.Pool): SqlClient {
  return {
    kind: 'postgres',
    ...pgQueryable(pool),
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const conn = await pool.connect();
      let broken = false;
      try {
        await conn.query('BEGIN');
        const tx = pgQueryable(conn);
        const out = await fn(tx);
        await conn.query('COMMIT');
        return out;
      } catch (e) {
        try {
          await conn.query('ROLLBACK');
        } catch {
          // The connection itself failed: it must not go back into the pool.
          broken = true;
        }
        throw e;
      } finally {
        conn.release(broken ? true : undefined);
      }
    },
    close: () => pool.end(),
  };
}

export function pgliteClient(db: PGlite): SqlClient {
  return {
    kind: 'pglite',
    async query<R>(sql: string, params?: unknown[]) {
      const res = await db.query<R>(sql, params);
      return { rows: res.rows };
    },
    async exec(sql: string) {
      await db.exec(sql);
    },
    transaction: <T>(fn: (tx: Queryable) => Promise<T>) =>
      db.transaction(async (t) =>
        fn({
          async query<R>(sql: string, params?: unknown[]) {
            const res = await t.query<R>(sql, params);
            return { rows: res.rows };
          },
          async exec(sql: string) {
            await t.exec(sql);
          },
        }),
      ),
    close: () => db.close(),
  };
}
