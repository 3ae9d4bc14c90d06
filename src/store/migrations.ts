import type { SqlClient } from './sql-client.js';

/**
 * Versioned, append-only migrations shared by PostgreSQL and PGlite. Never edit a released one:
 * add the next version. Each runs in its own transaction with its bookkeeping row.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'audit determinations, idempotency keys, api keys',
    sql: `
      CREATE TABLE determinations (
        seq             bigserial PRIMARY KEY,
        id              uuid NOT NULL UNIQUE,
        recorded_at     timestamptz NOT NULL,
        requester       text NOT NULL,
        request_id      text,
        group_id        uuid,
        payer           text NOT NULL,
        outcome         text NOT NULL,
        basis           text,
        prior_auth      text NOT NULL,
        policy_id       text,
        policy_version  text,
        date_of_service date,
        revision        text NOT NULL,
        -- json, not jsonb: the exact text that was asked and answered, and cheaper to write.
        request         json NOT NULL,
        determination   json NOT NULL
      );
      -- recorded_at only grows, so a BRIN index serves date ranges at a fraction of a b-tree's write cost.
      CREATE INDEX determinations_recorded_at ON determinations USING brin (recorded_at);
      CREATE INDEX determinations_payer ON determinations (payer, seq);
      CREATE INDEX determinations_outcome ON determinations (outcome, seq);
      CREATE INDEX determinations_policy ON determinations (policy_id, seq);
      CREATE INDEX determinations_group ON determinations (group_id) WHERE group_id IS NOT NULL;

      CREATE TABLE idempotency_keys (
        requester    text NOT NULL,
        key          text NOT NULL,
        request_hash text NOT NULL,
        status       integer NOT NULL,
        -- json keeps the first answer's exact text, which a retry gets back byte for byte.
        response     json NOT NULL,
        created_at   timestamptz NOT NULL,
        PRIMARY KEY (requester, key)
      );

      CREATE TABLE api_keys (
        id          text PRIMARY KEY,
        name        text NOT NULL,
        key_hash    text NOT NULL UNIQUE,
        created_at  timestamptz NOT NULL,
        revoked_at  timestamptz
      );
    `,
  },
  {
    version: 2,
    name: 'CRD coverage assertions and PAS claim responses',
    sql: `
      CREATE TABLE coverage_assertions (
        assertion_id  text PRIMARY KEY,
        made_at       timestamptz NOT NULL,
        service_id    text NOT NULL,
        hook          text NOT NULL,
        payer         text,
        covered       text NOT NULL,
        pa_needed     text,
        record        json NOT NULL
      );
      CREATE INDEX coverage_assertions_made_at ON coverage_assertions USING brin (made_at);

      CREATE TABLE claim_responses (
        id             text PRIMARY KEY,
        created_at     timestamptz NOT NULL,
        payer          text,
        record         json NOT NULL,
        claim_response json NOT NULL
      );
      CREATE TABLE claim_response_items (
        claim_response_id      text NOT NULL REFERENCES claim_responses (id),
        sequence               integer NOT NULL,
        review_action          text NOT NULL,
        coverage_assertion_id  text NOT NULL,
        PRIMARY KEY (claim_response_id, sequence)
      );
      CREATE INDEX claim_response_items_assertion ON claim_response_items (coverage_assertion_id);
    `,
  },
  {
    version: 3,
    name: 'CDS client JWT ids, for replay protection across restarts and instances',
    sql: `
      -- One row per accepted CDS client token, kept until the token could no longer be accepted.
      -- jti is unique only per issuer, hence the pair.
      CREATE TABLE cds_client_jtis (
        iss         text NOT NULL,
        jti         text NOT NULL,
        expires_at  timestamptz NOT NULL,
        PRIMARY KEY (iss, jti)
      );
      CREATE INDEX cds_client_jtis_expires_at ON cds_client_jtis (expires_at);
    `,
  },
  {
    version: 4,
    name: 'rate-limit windows shared by every instance',
    sql: `
      -- One row per limited caller and minute. Instances count locally and add their counts here
      -- now and then (never per request); what comes back is the caller's count on every instance.
      CREATE TABLE rate_windows (
        key           text NOT NULL,
        window_start  timestamptz NOT NULL,
        count         bigint NOT NULL,
        PRIMARY KEY (key, window_start)
      );
      CREATE INDEX rate_windows_window_start ON rate_windows (window_start);
    `,
  },
  {
    version: 5,
    name: 'published policy-set revisions',
    sql: `
      -- A revision is the files of a policy corpus (path and text), kept whole so that any
      -- instance can compile it again and check that it compiles to this revision.
      CREATE TABLE policy_revisions (
        revision      text PRIMARY KEY,
        files         jsonb NOT NULL,
        first_published_at timestamptz NOT NULL DEFAULT now()
      );
      -- Every publication, a rollback too (the publication of an older revision): the latest is
      -- the one every instance serves.
      CREATE TABLE policy_publications (
        seq           bigserial PRIMARY KEY,
        revision      text NOT NULL REFERENCES policy_revisions (revision),
        published_at  timestamptz NOT NULL DEFAULT now(),
        published_by  text
      );
    `,
  },
  {
    version: 6,
    name: 'DTR sessions and their steps',
    sql: `
      -- One row per DTR session ($questionnaire-package), keyed by the QuestionnaireResponse's
      -- identifier: $next-question carries no other context. record holds the CoverageRequest
      -- decided (no member identifiers) and the client's coverage and order references.
      -- The assertion it continues must be one this service made (CRD found-11), hence the key.
      CREATE TABLE dtr_sessions (
        id                     text PRIMARY KEY,
        created_at             timestamptz NOT NULL,
        coverage_assertion_id  text REFERENCES coverage_assertions (assertion_id),
        payer                  text,
        policy                 text NOT NULL,
        policy_version         text NOT NULL,
        questionnaire          text NOT NULL,
        record                 json NOT NULL
      );
      CREATE INDEX dtr_sessions_assertion ON dtr_sessions (coverage_assertion_id)
        WHERE coverage_assertion_id IS NOT NULL;

      -- One row per $next-question answered, committed before the reply; a retried step finds
      -- its row by the key and is answered from it instead of being written twice.
      CREATE TABLE dtr_steps (
        session_id  text NOT NULL REFERENCES dtr_sessions (id),
        step        integer NOT NULL CHECK (step >= 1),
        made_at     timestamptz NOT NULL,
        status      text NOT NULL CHECK (status IN ('in-progress', 'completed')),
        record      json NOT NULL,
        PRIMARY KEY (session_id, step)
      );
    `,
  },
];

/** Applies every migration not yet applied; safe when several processes start at once. */
export async function migrate(db: SqlClient): Promise<number[]> {
  // Under the lock too: two fleet instances starting on a new database would otherwise both
  // create the table, and one fail on the catalog's unique index (IF NOT EXISTS does not serialize).
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(7243001)');
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    integer PRIMARY KEY,
      name       text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
  });
  const applied: number[] = [];
  for (const m of MIGRATIONS) {
    const done = await db.transaction(async (tx) => {
      // Serializes concurrent starters; the lock ends with the transaction.
      await tx.query('SELECT pg_advisory_xact_lock(7243001)');
      const seen = await tx.query('SELECT 1 FROM schema_migrations WHERE version = $1', [
        m.version,
      ]);
      if (seen.rows.length > 0) return false;
      await tx.exec(m.sql);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
        m.version,
        m.name,
      ]);
      return true;
    });
    if (done) applied.push(m.version);
  }
  return applied;
}
