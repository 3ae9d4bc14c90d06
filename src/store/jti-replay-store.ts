import type { SqlClient } from './sql-client.js';

export interface JtiReplayStoreOptions {
  /** Seconds since the epoch; the same clock the token's exp was checked against. */
  now?: () => number;
  /** At most one purge of expired rows per this many seconds, per instance (default 300). */
  purgeEverySec?: number;
}

// A conflicting row that has expired is taken over in the same statement, so a claim is one atomic
// step even when several instances race for the same (iss, jti): exactly one gets a row back.
// (DO NOTHING alone would refuse a jti forever once used, until the purge ran.)
const CLAIM = `
  INSERT INTO cds_client_jtis AS t (iss, jti, expires_at) VALUES ($1, $2, $3::timestamptz)
  ON CONFLICT (iss, jti) DO UPDATE SET expires_at = EXCLUDED.expires_at
    WHERE t.expires_at < $4::timestamptz
  RETURNING 1 AS claimed`;

const PURGE = 'DELETE FROM cds_client_jtis WHERE expires_at < $1::timestamptz';

/**
 * CDS client token ids seen, in the audit database (migration 3): a replayed token is refused
 * after a restart and by every instance sharing the PostgreSQL database. Satisfies the CDS
 * adapter's ReplayCache. Errors (the database is down) reach the caller, which must not accept
 * the token.
 */
export class JtiReplayStore {
  private readonly now: () => number;
  private readonly purgeEverySec: number;
  private lastPurge = 0;

  constructor(
    private readonly db: SqlClient,
    opts: JtiReplayStoreOptions = {},
  ) {
    this.now = opts.now ?? (() => Date.now() / 1000);
    this.purgeEverySec = opts.purgeEverySec ?? 300;
  }

  /** Claims (iss, jti) until expiresAtSec; true when it was already claimed and has not expired. */
  async seen(iss: string, jti: string, expiresAtSec: number): Promise<boolean> {
    const now = this.now();
    // Expired rows are harmless (they are reclaimed above) but would pile up without this.
    if (now - this.lastPurge >= this.purgeEverySec) {
      this.lastPurge = now;
      await this.purgeExpired();
    }
    const res = await this.db.query(
      CLAIM,
      [iss, jti, iso(expiresAtSec), iso(now)],
      'cds_client_jti_claim',
    );
    return res.rows.length === 0;
  }

  /** Deletes the rows of tokens that can no longer be accepted; answers how many. */
  async purgeExpired(): Promise<number> {
    const res = await this.db.query(
      `WITH gone AS (${PURGE} RETURNING 1) SELECT count(*)::int AS n FROM gone`,
      [iso(this.now())],
    );
    return Number((res.rows[0] as { n?: unknown } | undefined)?.n ?? 0);
  }
}

function iso(epochSec: number): string {
  return new Date(epochSec * 1000).toISOString();
}
