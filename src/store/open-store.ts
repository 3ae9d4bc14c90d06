import pg from 'pg';
import { AuditStore } from './audit-store.js';
import { lockDataDir } from './data-dir-lock.js';
import { PgliteHost } from './pglite-host.js';
import { embeddedStartParams } from './pglite-settings.js';
import { pgliteTemplate } from './pglite-template.js';
import { pgliteClient, postgresClient } from './sql-client.js';

export interface StoreOptions {
  /** postgres://… ; when absent, an embedded PGlite database in dataDir. */
  databaseUrl?: string | undefined;
  /** Where the embedded database lives; "memory://" keeps it in memory (tests). */
  dataDir?: string | undefined;
  /** Told when the embedded database fails and when it is reopened (no request data). */
  onEvent?: ((message: string) => void) | undefined;
}

export const DEFAULT_DATA_DIR = '.medpolicy/data';

export function storeOptionsFromEnv(env: NodeJS.ProcessEnv): StoreOptions {
  return {
    databaseUrl: env['DATABASE_URL'] || undefined,
    dataDir: env['MEDPOLICY_DATA_DIR'] || undefined,
  };
}

/** Opens and migrates the store: PostgreSQL when a URL is given, embedded PGlite otherwise. */
export async function openStore(opts: StoreOptions): Promise<AuditStore> {
  if (opts.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: opts.databaseUrl,
      max: 8,
      connectionTimeoutMillis: 2000,
      idleTimeoutMillis: 30_000,
      query_timeout: 10_000,
      application_name: 'medpolicy',
    });
    // An idle connection the server drops must not crash the process; the next query reconnects.
    pool.on('error', () => {});
    return AuditStore.open(postgresClient(pool), `postgresql ${redactUrl(opts.databaseUrl)}`);
  }
  const dataDir = opts.dataDir ?? DEFAULT_DATA_DIR;
  if (dataDir === 'memory://') {
    // In this thread: a restart would lose an in-memory database, so a worker buys nothing.
    const { PGlite } = await import('@electric-sql/pglite');
    const template = pgliteTemplate();
    const db = new PGlite({
      startParams: embeddedStartParams(PGlite.defaultStartParams),
      ...(template ? { loadDataDir: template } : {}),
    });
    await db.waitReady;
    return AuditStore.open(pgliteClient(db), 'pglite in memory');
  }
  const unlock = lockDataDir(dataDir);
  let client: PgliteHost | undefined;
  try {
    client = await PgliteHost.open(dataDir, { onEvent: opts.onEvent });
    const close = client.close.bind(client);
    // The lock outlives the worker: it goes only once the worker has exited.
    client.close = async () => {
      await close();
      unlock();
    };
    return await AuditStore.open(client, `pglite ${dataDir}`);
  } catch (e) {
    if (client) await client.close();
    else unlock();
    throw e;
  }
}

/** Never print a database password. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}

/**
 * Opens PostgreSQL, waiting for it when it is not up yet (a service often starts before its
 * database): retries with backoff until timeoutMs, then gives up with the last error. The
 * embedded database is opened once: its failures are not transient.
 */
export async function openStoreWhenReady(
  opts: StoreOptions,
  timeoutMs: number,
  onRetry: (message: string, delayMs: number) => void,
): Promise<AuditStore> {
  if (!opts.databaseUrl) return openStore(opts);
  const deadline = Date.now() + timeoutMs;
  for (let delay = 250; ; delay = Math.min(delay * 2, 5_000)) {
    try {
      return await openStore(opts);
    } catch (e) {
      if (Date.now() + delay > deadline) throw e;
      onRetry((e as Error).message, delay);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
