import { Worker } from 'node:worker_threads';
import type { WorkerCall, WorkerInit, WorkerMessage, WorkerRequest } from './pglite-worker.js';
import type { Queryable, SqlClient } from './sql-client.js';

export interface PgliteHostOptions {
  /** A statement that has not answered by then is taken as a wedged database (restart). */
  queryTimeoutMs?: number | undefined;
  /** Opening runs crash recovery after a failure, which can take a while on a big WAL. */
  openTimeoutMs?: number | undefined;
  /** Told each failure and restart; messages name no request data. */
  onEvent?: ((message: string) => void) | undefined;
}

const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 4_000;
// A worker that served this long before failing starts the backoff afresh.
const STABLE_MS = 30_000;
const CLOSE_TIMEOUT_MS = 10_000;
// The worker's JavaScript only relays statements and rows, and keeps little alive; V8's default
// young generation (up to ~48 MiB) sat mostly empty yet resident. Scavenging this small one
// costs next to nothing.
const WORKER_YOUNG_GENERATION_MB = 4;

type Pending = { resolve: (rows: unknown[]) => void; reject: (e: Error) => void };

/**
 * The embedded database in a worker thread, behind the SqlClient interface. A statement that
 * PostgreSQL PANICs on, one that does not answer in time, or a worker that dies takes the
 * database down: everything waiting fails at once (the store answers 503), the worker is
 * terminated, and a new one reopens the data directory after a backoff. PostgreSQL's crash
 * recovery replays the WAL there, so every committed statement survives; until it is up again,
 * statements fail at once instead of waiting.
 */
export class PgliteHost implements SqlClient {
  readonly kind = 'pglite' as const;
  private worker: Worker | undefined;
  private state: 'starting' | 'up' | 'down' | 'closed' = 'starting';
  /** Bumped on every failure: a transaction begun on one worker never goes on in the next. */
  private generation = 0;
  private pending = new Map<number, Pending>();
  private nextId = 1;
  private retryMs = FIRST_RETRY_MS;
  private upSince = 0;
  private everUp = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private stopping: Promise<void> = Promise.resolve();
  /** PGlite is one connection: statements and transactions take turns, first come first served. */
  private turn: Promise<unknown> = Promise.resolve();
  private readonly queryTimeoutMs: number;
  private readonly openTimeoutMs: number;
  private readonly onEvent: (message: string) => void;

  private constructor(
    private readonly dataDir: string,
    opts: PgliteHostOptions,
  ) {
    this.queryTimeoutMs = opts.queryTimeoutMs ?? 10_000;
    this.openTimeoutMs = opts.openTimeoutMs ?? 60_000;
    this.onEvent = opts.onEvent ?? (() => {});
  }

  /** Resolves once the database is open; a first open that fails is not retried. */
  static async open(dataDir: string, opts: PgliteHostOptions = {}): Promise<PgliteHost> {
    const host = new PgliteHost(dataDir, opts);
    try {
      await host.start();
    } catch (e) {
      await host.stopping;
      throw e;
    }
    return host;
  }

  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: R[] }> {
    return this.inTurn(() => this.queryOn(this.generation, sql, params));
  }

  exec(sql: string): Promise<void> {
    return this.inTurn(async () => {
      await this.send(this.generation, { op: 'exec', sql });
    });
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.inTurn(async () => {
      const gen = this.generation;
      await this.send(gen, { op: 'exec', sql: 'BEGIN' });
      try {
        const out = await fn({
          query: <R>(sql: string, params?: unknown[]) => this.queryOn<R>(gen, sql, params),
          exec: async (sql: string) => {
            await this.send(gen, { op: 'exec', sql });
          },
        });
        await this.send(gen, { op: 'exec', sql: 'COMMIT' });
        return out;
      } catch (e) {
        // A worker that failed took the transaction with it; nothing to roll back there.
        if (gen === this.generation) {
          await this.send(gen, { op: 'exec', sql: 'ROLLBACK' }).catch(() => {});
        }
        throw e;
      }
    });
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return this.stopping;
    clearTimeout(this.restartTimer);
    const worker = this.state === 'up' ? this.worker : undefined;
    // After the turns before it, so in-flight statements finish; each is bounded by its timeout.
    await this.inTurn(async () => {
      if (worker && this.worker === worker && this.state === 'up') {
        // PGlite's close checkpoints, so the next open need not replay the WAL.
        await this.send(this.generation, { op: 'close' }, CLOSE_TIMEOUT_MS).catch(() => {});
      }
    }).catch(() => {});
    this.state = 'closed';
    this.stop(new Error('the embedded database is closed'));
    await this.stopping;
  }

  private inTurn<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.turn.then(fn, fn);
    this.turn = run.catch(() => {});
    return run;
  }

  private async queryOn<R>(gen: number, sql: string, params?: unknown[]): Promise<{ rows: R[] }> {
    const rows = await this.send(gen, { op: 'query', sql, params });
    return { rows: rows as R[] };
  }

  private send(gen: number, call: WorkerCall, timeoutMs = this.queryTimeoutMs): Promise<unknown[]> {
    const worker = this.worker;
    if (this.state !== 'up' || gen !== this.generation || !worker) {
      return Promise.reject(new Error(this.unavailableMessage()));
    }
    const id = this.nextId++;
    return new Promise<unknown[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(`a statement did not answer within ${timeoutMs} ms`);
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (rows) => {
          clearTimeout(timer);
          resolve(rows);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      worker.postMessage({ ...call, id } satisfies WorkerRequest);
    });
  }

  private unavailableMessage(): string {
    if (this.state === 'closed') return 'the embedded database is closed';
    return 'the embedded database is restarting after a failure';
  }

  /** Starts a worker; resolves when it is ready, rejects when it fails before that. */
  private start(): Promise<void> {
    this.state = 'starting';
    const gen = this.generation;
    const worker = new Worker(new URL('./pglite-worker.js', import.meta.url), {
      workerData: { dataDir: this.dataDir } satisfies WorkerInit,
      resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
    });
    this.worker = worker;
    return new Promise<void>((resolve, reject) => {
      const failed = (message: string) => {
        clearTimeout(openTimer);
        reject(new Error(message));
        this.fail(message, gen);
      };
      const openTimer = setTimeout(
        () => failed(`it did not open within ${this.openTimeoutMs} ms`),
        this.openTimeoutMs,
      );
      worker.on('message', (m: WorkerMessage) => {
        if (gen !== this.generation) return;
        if (m.type === 'ready') {
          clearTimeout(openTimer);
          this.state = 'up';
          this.upSince = Date.now();
          this.everUp = true;
          resolve();
        } else if (m.type === 'open-failed') {
          failed(m.message);
        } else {
          this.answer(m);
        }
      });
      worker.on('error', (e) => failed(e.message));
      worker.on('exit', (code) => failed(`its worker exited (${code})`));
    });
  }

  private answer(m: Extract<WorkerMessage, { id: number }>): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.type === 'result') {
      p.resolve(m.rows);
      return;
    }
    // Down before the caller hears of it, so nothing queued behind it reaches the broken backend.
    if (m.fatal) this.fail(m.message);
    p.reject(Object.assign(new Error(m.message), m.code !== undefined ? { code: m.code } : {}));
  }

  /** Takes the database down and schedules its restart (once it has opened once). */
  private fail(reason: string, gen = this.generation): void {
    if (gen !== this.generation || this.state === 'closed' || this.state === 'down') return;
    if (this.state === 'up' && Date.now() - this.upSince > STABLE_MS) {
      this.retryMs = FIRST_RETRY_MS;
    }
    this.state = 'down';
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
    this.stop(new Error(`the embedded database failed: ${reason}`));
    // A first open that fails is the caller's error, as it always was; only a running store heals.
    if (!this.everUp) return;
    this.onEvent(`embedded database failed (${reason}); reopening in ${delay} ms`);
    this.restartTimer = setTimeout(() => {
      void this.stopping.then(() => {
        if (this.state !== 'down') return;
        this.start().then(
          () => this.onEvent('embedded database reopened'),
          () => {},
        );
      });
    }, delay);
  }

  /**
   * Fails everything waiting and ends the worker; `stopping` settles once it has exited (Node
   * closes the files a terminated worker opened), so no two workers ever share the data dir.
   */
  private stop(error: Error): void {
    this.generation++;
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(error);
    const worker = this.worker;
    this.worker = undefined;
    if (!worker) return;
    worker.removeAllListeners();
    // Listeners gone: an 'error' from the dying worker must not become an uncaught exception.
    worker.on('error', () => {});
    this.stopping = this.stopping.then(async () => {
      await worker.terminate();
    });
  }
}
