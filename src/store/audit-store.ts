import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { AuditEventV1, AuditSummaryV1 } from '../model/audit-event.js';
import type { CoverageRequest } from '../model/coverage-request.js';
import type { AuditPort } from '../service/audit-port.js';
import { isDataException, StoreUnavailableError } from '../service/audit-port.js';
import { BatchWriter } from './batch-writer.js';
import { requestWithoutMemberData, SqlDtrSessionStore } from './dtr-session-store.js';
import { jsonOf } from '../service/json-text.js';
import { migrate } from './migrations.js';
import { guard, storableJsonText } from './store-guard.js';
import type { Queryable, SqlClient } from './sql-client.js';

export interface DeterminationFilter {
  payer?: string | undefined;
  outcome?: string | undefined;
  policy?: string | undefined;
  requester?: string | undefined;
  /** Recorded at or after (ISO date or timestamp). */
  from?: string | undefined;
  /** Recorded before the end of this date, or before this timestamp. */
  to?: string | undefined;
  /** Date of service on or after. */
  serviceFrom?: string | undefined;
  /** Date of service on or before. */
  serviceTo?: string | undefined;
}

export interface Page<T> {
  items: T[];
  nextCursor?: string | undefined;
}

export interface IdempotentAnswer {
  requestHash: string;
  status: number;
  /** The answer body exactly as it was sent (JSON text). */
  body: string;
}

/** What the store needs of a CRD coverage assertion (the adapter's record satisfies it). */
export interface CoverageAssertionRow {
  assertionId: string;
  madeAt: string;
  serviceId: string;
  hook: string;
  payer?: string | undefined;
  covered: string;
  paNeeded?: string | undefined;
}

/** What the store needs of a PAS ClaimResponse record (the adapter's record satisfies it). */
export interface ClaimResponseRow {
  id: string;
  createdAt: string;
  payer?: string | undefined;
  items: readonly { sequence: number; reviewAction: string; coverageAssertionId: string }[];
  claimResponse: unknown;
}

/** What a CRD coverage assertion was decided on, to continue from it (DTR, the web UI). */
export interface AssertionRequestV1 {
  assertionId: string;
  madeAt: string;
  hook: string;
  payer?: string | undefined;
  covered: string;
  paNeeded?: string | undefined;
  /** Only the CoverageRequest's own fields: no member data. Absent when none was decided. */
  request?: CoverageRequest | undefined;
}

export interface ApiKeyInfo {
  id: string;
  name: string;
  createdAt: string;
  revokedAt?: string | undefined;
}

// The batch travels as one JSON array: request and determination are spliced in as the exact
// text answered, with none of the escaping a text[] parameter would need.
const INSERT_EVENTS = `
  INSERT INTO determinations (id, recorded_at, requester, request_id, group_id, payer, outcome,
    basis, prior_auth, policy_id, policy_version, date_of_service, revision, request, determination)
  SELECT id, recorded_at, requester, request_id, group_id, payer, outcome, basis, prior_auth,
    policy_id, policy_version, date_of_service, revision, request, determination
  FROM json_to_recordset($1::json) AS t(id uuid, recorded_at timestamptz, requester text,
    request_id text, group_id uuid, payer text, outcome text, basis text, prior_auth text,
    policy_id text, policy_version text, date_of_service date, revision text, request json,
    determination json)`;

// On PostgreSQL a second (or third) commit starts beside the one in flight only for at least this
// many waiting determinations: fewer ride in the next commit once the one in flight is done. At
// 16 connections this took bench:http from about 5 determinations per commit to about 8, and
// each commit spared is a round trip's protocol work in the service and a transaction in
// PostgreSQL (issue 17); a burst this large still gets its own commit at once.
export const OVERLAP_AT = 8;

/**
 * The audit store: durable determinations, idempotency keys and API keys on PostgreSQL or
 * PGlite. Every failure to reach the database surfaces as StoreUnavailableError so that the
 * HTTP adapter can answer 503 instead of an unrecorded decision; a value the database refuses
 * as data surfaces as StoreRejectedValueError (the client's 422).
 */
export class AuditStore implements AuditPort {
  private readonly writer: BatchWriter<AuditEventV1>;
  private readonly assertionWriter: BatchWriter<CoverageAssertionRow>;
  /** Set when a write failed, cleared when one commits (or the health probe's write works). */
  private writesFailing = false;
  /** DTR sessions and steps (migration 6), in the same database. */
  readonly dtrSessions: SqlDtrSessionStore;

  private constructor(
    readonly db: SqlClient,
    readonly description: string,
  ) {
    this.writer = new BatchWriter(
      (events) => insertEvents(this.db, events),
      db.kind === 'pglite' ? 1 : 3,
      500,
      isDataException,
      OVERLAP_AT,
    );
    this.assertionWriter = new BatchWriter(
      (rows) => insertAssertions(this.db, rows),
      db.kind === 'pglite' ? 1 : 2,
      200,
      isDataException,
    );
    this.dtrSessions = new SqlDtrSessionStore(db, (p) => this.written(p));
  }

  static async open(db: SqlClient, description: string): Promise<AuditStore> {
    await migrate(db);
    return new AuditStore(db, description);
  }

  async record(events: AuditEventV1[]): Promise<void> {
    if (events.length === 0) return;
    await this.written(this.writer.write(events));
  }

  /**
   * Commits the events together with the answer under an idempotency key. When the key was
   * already used, nothing is written and the first answer is returned instead.
   */
  async recordIdempotent(
    requester: string,
    key: string,
    answer: IdempotentAnswer,
    events: AuditEventV1[],
  ): Promise<{ stored: true } | { stored: false; first: IdempotentAnswer }> {
    return this.written(
      this.db.transaction(async (tx) => {
        const inserted = await tx.query(
          `INSERT INTO idempotency_keys (requester, key, request_hash, status, response, created_at)
           VALUES ($1, $2, $3, $4, $5::json, now()) ON CONFLICT DO NOTHING RETURNING 1`,
          [requester, key, answer.requestHash, answer.status, answer.body],
        );
        if (inserted.rows.length === 0) {
          const first = await findIdempotent(tx, requester, key);
          if (!first) throw new Error('idempotency key vanished during its own transaction');
          return { stored: false as const, first };
        }
        await insertEvents(tx, events);
        return { stored: true as const };
      }),
    );
  }

  findIdempotent(requester: string, key: string): Promise<IdempotentAnswer | undefined> {
    return guard(findIdempotent(this.db, requester, key));
  }

  async get(id: string): Promise<AuditEventV1 | undefined> {
    if (!UUID.test(id)) return undefined;
    const res = await guard(
      this.db.query<EventRow>(
        `SELECT id, recorded_at, requester, request_id, group_id, request, determination
         FROM determinations WHERE id = $1`,
        [id],
      ),
    );
    const row = res.rows[0];
    return row ? eventFromRow(row) : undefined;
  }

  async list(
    filter: DeterminationFilter,
    limit: number,
    cursor?: string,
  ): Promise<Page<AuditSummaryV1>> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.payer) add('payer = ?', filter.payer);
    if (filter.outcome) add('outcome = ?', filter.outcome);
    if (filter.policy) add('policy_id = ?', filter.policy);
    if (filter.requester) add('requester = ?', filter.requester);
    if (filter.from) add('recorded_at >= ?::timestamptz', filter.from);
    if (filter.to) {
      if (/^\d{4}-\d{2}-\d{2}$/.test(filter.to))
        add("recorded_at < ?::date + interval '1 day'", filter.to);
      else add('recorded_at < ?::timestamptz', filter.to);
    }
    if (filter.serviceFrom) add('date_of_service >= ?::date', filter.serviceFrom);
    if (filter.serviceTo) add('date_of_service <= ?::date', filter.serviceTo);
    if (cursor !== undefined) add('seq < ?', cursor);
    params.push(limit + 1);
    const res = await guard(
      this.db.query<SummaryRow>(
        `SELECT seq, id, recorded_at, requester, group_id, payer, outcome, basis, prior_auth,
                policy_id, policy_version, date_of_service::text AS date_of_service
         FROM determinations ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
         ORDER BY seq DESC LIMIT $${params.length}`,
        params,
      ),
    );
    const rows = res.rows.slice(0, limit);
    const last = rows[rows.length - 1];
    return {
      items: rows.map(summaryFromRow),
      nextCursor: res.rows.length > limit && last ? String(last.seq) : undefined,
    };
  }

  async count(): Promise<number> {
    const res = await guard(
      this.db.query<{ n: string }>('SELECT count(*)::text AS n FROM determinations'),
    );
    return Number(res.rows[0]?.n ?? 0);
  }

  /**
   * True when the database answers within the timeout, and can write again if writes have been
   * failing: a database that reads but cannot record (its disk is full) is not ready to decide.
   */
  async ping(timeoutMs = 1000): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.writesFailing ? this.probeWrite() : this.db.query('SELECT 1'),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('ping timed out')), timeoutMs);
        }),
      ]);
      return true;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * A determination's insert, rolled back: it needs what a real one needs (a heap page, WAL), so
   * its success says writes work again, even when no client writes while /healthz says 503.
   */
  private async probeWrite(): Promise<void> {
    const rolledBack = new Error('health probe rolled back');
    try {
      await this.db.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO determinations (id, recorded_at, requester, payer, outcome, prior_auth,
             revision, request, determination)
           VALUES ($1, now(), 'medpolicy health probe', '', '', '', '', '{}', '{}')`,
          [randomUUID()],
        );
        throw rolledBack;
      });
    } catch (e) {
      if (e !== rolledBack) throw e;
    }
    this.writesFailing = false;
  }

  /**
   * Notes whether a write committed, for ping. A value the database refused (the client's 422)
   * says nothing about whether writes work.
   */
  private async written<T>(p: Promise<T>): Promise<T> {
    try {
      const out = await guard(p);
      this.writesFailing = false;
      return out;
    } catch (e) {
      if (e instanceof StoreUnavailableError) this.writesFailing = true;
      throw e;
    }
  }

  /** Creates an API key; the secret is returned once and only its hash is kept. */
  async createApiKey(name: string): Promise<{ id: string; key: string }> {
    const id = `key_${randomBytes(6).toString('hex')}`;
    const key = `mp_${randomBytes(24).toString('base64url')}`;
    await this.written(
      this.db.query(
        'INSERT INTO api_keys (id, name, key_hash, created_at) VALUES ($1, $2, $3, now())',
        [id, name, hashApiKey(key)],
      ),
    );
    return { id, key };
  }

  async listApiKeys(): Promise<ApiKeyInfo[]> {
    const res = await guard(
      this.db.query<{ id: string; name: string; created_at: Date; revoked_at: Date | null }>(
        'SELECT id, name, created_at, revoked_at FROM api_keys ORDER BY created_at, id',
      ),
    );
    return res.rows.map((r) => ({
      id: r.id,
      name: r.name,
      createdAt: new Date(r.created_at).toISOString(),
      revokedAt: r.revoked_at ? new Date(r.revoked_at).toISOString() : undefined,
    }));
  }

  async revokeApiKey(id: string): Promise<boolean> {
    const res = await this.written(
      this.db.query(
        'UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING 1',
        [id],
      ),
    );
    return res.rows.length > 0;
  }

  /** The id of the live key with this secret, if any. */
  async authenticate(key: string): Promise<string | undefined> {
    const res = await guard(
      this.db.query<{ id: string }>(
        'SELECT id FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL',
        [hashApiKey(key)],
      ),
    );
    return res.rows[0]?.id;
  }

  /**
   * Adds each caller's count, made on this instance since its last call, to the caller's shared
   * window, and returns every caller's total over all instances. Rows go in key order, so that
   * two instances adding the same callers cannot deadlock.
   */
  async addToRateWindow(
    windowStart: number,
    counts: ReadonlyMap<string, number>,
  ): Promise<Map<string, number>> {
    const rows = [...counts]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, count]) => ({ key, count }));
    const res = await guard(
      this.db.query<{ key: string; count: string }>(
        `INSERT INTO rate_windows (key, window_start, count)
         SELECT key, $1::timestamptz, count FROM json_to_recordset($2::json) AS t(key text, count bigint)
         ON CONFLICT (key, window_start) DO UPDATE SET count = rate_windows.count + EXCLUDED.count
         RETURNING key, count::text AS count`,
        [new Date(windowStart).toISOString(), JSON.stringify(rows)],
        'add-to-rate-window',
      ),
    );
    return new Map(res.rows.map((r) => [r.key, Number(r.count)]));
  }

  /** Forgets the rate windows that started before this time. */
  async pruneRateWindows(before: number): Promise<void> {
    await guard(
      this.db.query('DELETE FROM rate_windows WHERE window_start < $1::timestamptz', [
        new Date(before).toISOString(),
      ]),
    );
  }

  /** A CRD coverage assertion, committed before the hook answers. */
  async recordCoverageAssertion(a: CoverageAssertionRow): Promise<void> {
    await this.written(this.assertionWriter.write([a]));
  }

  async getCoverageAssertion(id: string): Promise<unknown | undefined> {
    const res = await guard(
      this.db.query<{ record: unknown }>(
        'SELECT record FROM coverage_assertions WHERE assertion_id = $1',
        [id],
      ),
    );
    return res.rows[0]?.record;
  }

  /** The request a CRD coverage assertion was decided on, without the rest of its record. */
  async getCoverageAssertionRequest(id: string): Promise<AssertionRequestV1 | undefined> {
    const res = await guard(
      this.db.query<{
        made_at: Date;
        hook: string;
        payer: string | null;
        covered: string;
        pa_needed: string | null;
        request: string | null;
      }>(
        `SELECT made_at, hook, payer, covered, pa_needed, (record -> 'request')::text AS request
         FROM coverage_assertions WHERE assertion_id = $1`,
        [id],
      ),
    );
    const row = res.rows[0];
    if (!row) return undefined;
    const out: AssertionRequestV1 = {
      assertionId: id,
      madeAt: new Date(row.made_at).toISOString(),
      hook: row.hook,
      covered: row.covered,
    };
    if (row.payer !== null) out.payer = row.payer;
    if (row.pa_needed !== null) out.paNeeded = row.pa_needed;
    // The record says no member data, but it is what the hook mapped: keep only the fields.
    if (row.request !== null && row.request !== 'null')
      out.request = requestWithoutMemberData(JSON.parse(row.request) as CoverageRequest);
    return out;
  }

  /** A PAS ClaimResponse with its items' review actions and coverage-assertion ids, in one commit. */
  async saveClaimResponse(r: ClaimResponseRow): Promise<void> {
    await this.written(
      this.db.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO claim_responses (id, created_at, payer, record, claim_response)
           VALUES ($1, $2, $3, $4::json, $5::json)`,
          [r.id, r.createdAt, r.payer ?? null, jsonText(r), jsonText(r.claimResponse)],
        );
        for (const item of r.items) {
          await tx.query(
            `INSERT INTO claim_response_items (claim_response_id, sequence, review_action, coverage_assertion_id)
             VALUES ($1, $2, $3, $4)`,
            [r.id, item.sequence, item.reviewAction, item.coverageAssertionId],
          );
        }
      }),
    );
  }

  async getClaimResponse(id: string): Promise<unknown | undefined> {
    const res = await guard(
      this.db.query<{ claim_response: unknown }>(
        'SELECT claim_response FROM claim_responses WHERE id = $1',
        [id],
      ),
    );
    return res.rows[0]?.claim_response;
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

// API keys are 192 random bits, so a fast hash is enough: there is nothing to brute-force.
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const INSERT_ASSERTIONS = `
  INSERT INTO coverage_assertions (assertion_id, made_at, service_id, hook, payer, covered,
    pa_needed, record)
  SELECT assertion_id, made_at, service_id, hook, payer, covered, pa_needed, record
  FROM json_to_recordset($1::json) AS t(assertion_id text, made_at timestamptz, service_id text,
    hook text, payer text, covered text, pa_needed text, record json)`;

async function insertAssertions(db: Queryable, rows: CoverageAssertionRow[]): Promise<void> {
  const str = (v: string | undefined) => (v === undefined ? 'null' : JSON.stringify(v));
  const items = rows.map(
    (a) =>
      `{"assertion_id":${str(a.assertionId)},"made_at":${str(a.madeAt)},"service_id":${str(a.serviceId)},` +
      `"hook":${str(a.hook)},"payer":${str(a.payer)},"covered":${str(a.covered)},` +
      `"pa_needed":${str(a.paNeeded)},"record":${jsonText(a)}}`,
  );
  await db.query(INSERT_ASSERTIONS, [`[${items.join(',')}]`], 'insert-assertions');
}

// No request is this object: the first event's request is always written.
const NOT_YET = {};

async function insertEvents(db: Queryable, events: AuditEventV1[]): Promise<void> {
  const rows: string[] = [];
  const str = (v: string | undefined) => (v === undefined ? 'null' : JSON.stringify(v));
  // A request is written once (a comparison's events, which are consecutive, share one), so its
  // text is not kept after the batch as a determination's is: the answer already made that one.
  let request: unknown = NOT_YET;
  let requestText = '';
  for (const e of events) {
    const d = e.determination;
    if (e.request !== request) {
      request = e.request;
      requestText = storableJsonText(JSON.stringify(e.request));
    }
    const req = e.request as { dateOfService?: unknown };
    const dos = typeof req.dateOfService === 'string' ? req.dateOfService : undefined;
    rows.push(
      `{"id":${str(e.id)},"recorded_at":${str(e.recordedAt)},"requester":${str(e.requester)},` +
        `"request_id":${str(e.requestId)},"group_id":${str(e.groupId)},"payer":${str(d.payer)},` +
        `"outcome":${str(d.outcome)},"basis":${str(d.basis)},"prior_auth":${str(d.priorAuth)},` +
        `"policy_id":${str(d.policy?.id)},"policy_version":${str(d.policy?.version)},` +
        `"date_of_service":${str(dos)},"revision":${str(d.revision)},` +
        `"request":${requestText},"determination":${jsonText(d)}}`,
    );
  }
  await db.query(INSERT_EVENTS, [`[${rows.join(',')}]`], 'insert-determinations');
}

function jsonText(value: unknown): string {
  return storableJsonText(
    typeof value === 'object' && value !== null ? jsonOf(value) : JSON.stringify(value),
  );
}

async function findIdempotent(
  db: Queryable,
  requester: string,
  key: string,
): Promise<IdempotentAnswer | undefined> {
  const res = await db.query<{ request_hash: string; status: number; body: string }>(
    'SELECT request_hash, status, response::text AS body FROM idempotency_keys WHERE requester = $1 AND key = $2',
    [requester, key],
  );
  const row = res.rows[0];
  return row ? { requestHash: row.request_hash, status: row.status, body: row.body } : undefined;
}

interface EventRow {
  id: string;
  recorded_at: Date;
  requester: string;
  request_id: string | null;
  group_id: string | null;
  request: unknown;
  determination: AuditEventV1['determination'];
}

function eventFromRow(r: EventRow): AuditEventV1 {
  const e: AuditEventV1 = {
    id: r.id,
    recordedAt: new Date(r.recorded_at).toISOString(),
    requester: r.requester,
    request: r.request,
    determination: r.determination,
  };
  if (r.request_id !== null) e.requestId = r.request_id;
  if (r.group_id !== null) e.groupId = r.group_id;
  return e;
}

interface SummaryRow {
  seq: string;
  id: string;
  recorded_at: Date;
  requester: string;
  group_id: string | null;
  payer: string;
  outcome: string;
  basis: string | null;
  prior_auth: string;
  policy_id: string | null;
  policy_version: string | null;
  date_of_service: string | null;
}

function summaryFromRow(r: SummaryRow): AuditSummaryV1 {
  return {
    id: r.id,
    recordedAt: new Date(r.recorded_at).toISOString(),
    requester: r.requester,
    groupId: r.group_id ?? undefined,
    payer: r.payer,
    outcome: r.outcome,
    basis: r.basis ?? undefined,
    priorAuth: r.prior_auth,
    policyId: r.policy_id ?? undefined,
    policyVersion: r.policy_version ?? undefined,
    dateOfService: dateText(r.date_of_service),
  };
}

function dateText(d: string | null): string | undefined {
  return d === null ? undefined : d.slice(0, 10);
}
