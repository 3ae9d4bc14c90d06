/**
 * Hosts the embedded database (PGlite) off the main thread. PGlite runs PostgreSQL as WASM,
 * synchronously: when PostgreSQL PANICs (a full disk fails the next WAL segment's creation),
 * PGlite reports the error but keeps the broken backend, and the next statement spins inside
 * the WASM for good. On the main thread that froze HTTP, /healthz and SIGTERM with it; here it
 * freezes only this worker, which the owner (pglite-host.ts) terminates and replaces.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createDataDirIfNew } from './pglite-create.js';
import { applyEmbeddedWasmFlags, embeddedStartParams } from './pglite-settings.js';

export interface WorkerInit {
  dataDir: string;
}

export type WorkerCall =
  | { op: 'query'; sql: string; params: unknown[] | undefined }
  | { op: 'exec'; sql: string }
  | { op: 'close' };
export type WorkerRequest = WorkerCall & { id: number };

export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'open-failed'; message: string }
  | { type: 'result'; id: number; rows: unknown[] }
  | { type: 'error'; id: number; message: string; code?: string; fatal: boolean };

// PostgreSQL ends its backend on these; PGlite carries on with it, and must not.
const FATAL_SEVERITIES = new Set(['PANIC', 'FATAL']);

const port = parentPort!;
const init = workerData as WorkerInit;
const post = (m: WorkerMessage) => port.postMessage(m);

applyEmbeddedWasmFlags();
const { PGlite } = await import('@electric-sql/pglite');

let db: InstanceType<typeof PGlite>;
try {
  await createDataDirIfNew(init.dataDir);
  db = new PGlite(init.dataDir, { startParams: embeddedStartParams(PGlite.defaultStartParams) });
  await db.waitReady;
  // A new backend's first statement takes a second or more on a busy machine; here it counts
  // against the open's timeout rather than against the first caller's statement.
  await db.query('SELECT 1');
} catch (e) {
  post({ type: 'open-failed', message: (e as Error).message });
  process.exit(1);
}

let broken = false;
port.on('message', (req: WorkerRequest) => void handle(req));
post({ type: 'ready' });

async function handle(req: WorkerRequest): Promise<void> {
  if (broken) {
    post({ type: 'error', id: req.id, message: 'the embedded database failed', fatal: true });
    return;
  }
  try {
    if (req.op === 'query') {
      const res = await db.query(req.sql, req.params);
      post({ type: 'result', id: req.id, rows: res.rows });
    } else if (req.op === 'exec') {
      await db.exec(req.sql);
      post({ type: 'result', id: req.id, rows: [] });
    } else {
      await db.close();
      post({ type: 'result', id: req.id, rows: [] });
    }
  } catch (e) {
    const err = e as { message?: string; severity?: string; code?: string };
    const fatal = FATAL_SEVERITIES.has(err.severity ?? '');
    if (fatal) broken = true;
    post({
      type: 'error',
      id: req.id,
      message: err.message ?? String(e),
      ...(err.code !== undefined ? { code: err.code } : {}),
      fatal,
    });
  }
}
