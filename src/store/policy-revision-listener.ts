import pg from 'pg';
import { REVISION_CHANNEL } from './policy-revisions.js';

/**
 * LISTENs for publications on a connection of its own (a pooled connection cannot hold a
 * LISTEN). The connection may drop; connect() is then called again by whoever polls, so a lost
 * notification costs at most one poll interval.
 */
export class RevisionListener {
  #client: pg.Client | undefined;
  #connecting: Promise<void> | undefined;
  #closed = false;

  constructor(
    private readonly databaseUrl: string,
    private readonly onRevision: (revision: string) => void,
    private readonly onError: (message: string) => void,
  ) {}

  get listening(): boolean {
    return this.#client !== undefined;
  }

  /** Connects and LISTENs unless already listening; never throws (the poll is the fallback). */
  connect(): Promise<void> {
    if (this.#closed || this.#client) return Promise.resolve();
    this.#connecting ??= this.#open().finally(() => (this.#connecting = undefined));
    return this.#connecting;
  }

  async #open(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.databaseUrl,
      application_name: 'medpolicy-revisions',
      connectionTimeoutMillis: 2000,
    });
    const lost = (message: string) => {
      if (this.#client !== client) return;
      this.#client = undefined;
      client.end().catch(() => {});
      if (!this.#closed) this.onError(`revision LISTEN connection lost: ${message}`);
    };
    client.on('error', (e) => lost(e.message));
    client.on('end', () => lost('ended'));
    client.on('notification', (n) => {
      if (n.channel === REVISION_CHANNEL && n.payload) this.onRevision(n.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${REVISION_CHANNEL}`);
      if (this.#closed) {
        await client.end();
        return;
      }
      this.#client = client;
    } catch (e) {
      client.end().catch(() => {});
      this.onError(`revision LISTEN failed: ${(e as Error).message}`);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#connecting;
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => {});
  }
}
