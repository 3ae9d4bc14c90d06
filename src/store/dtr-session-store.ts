import {
  DtrSessionStoreError,
  type DtrSessionStore,
  type DtrSessionV1,
  type DtrStepV1,
} from '../service/dtr-session-port.js';
import { CoverageRequestSchema, type CoverageRequest } from '../model/coverage-request.js';
import type { SqlClient } from './sql-client.js';
import { guard, storableJsonText } from './store-guard.js';

// Only the CoverageRequest's own fields reach the row: a caller that hands over a request still
// carrying a member's id or name (a FHIR-mapped object, say) stores none of it.
const REQUEST_FIELDS: readonly string[] = Object.keys(CoverageRequestSchema.properties);

/** A CoverageRequest with nothing but its schema's fields. */
export function requestWithoutMemberData(request: CoverageRequest): CoverageRequest {
  const kept: Record<string, unknown> = {};
  for (const f of REQUEST_FIELDS) {
    const v = (request as Record<string, unknown>)[f];
    if (v !== undefined) kept[f] = v;
  }
  return kept as CoverageRequest;
}

// A step's row must not follow a gap or a completed step. The conflict target makes a second
// writer of the same step wait for the first to commit, then find its row.
const APPEND_STEP = `
  INSERT INTO dtr_steps (session_id, step, made_at, status, record)
  SELECT $1::text, $2::int, $3::timestamptz, $4::text, $5::json
  WHERE $2::int = 1 OR EXISTS (
    SELECT 1 FROM dtr_steps
    WHERE session_id = $1::text AND step = $2::int - 1 AND status = 'in-progress')
  ON CONFLICT (session_id, step) DO NOTHING
  RETURNING 1`;

const CREATE_SESSION = `
  INSERT INTO dtr_sessions (id, created_at, coverage_assertion_id, payer, policy, policy_version,
    questionnaire, record)
  VALUES ($1, $2::timestamptz, $3, $4, $5, $6, $7, $8::json)
  ON CONFLICT (id) DO NOTHING
  RETURNING 1`;

const SELECT_SESSION = `
  SELECT id, created_at, coverage_assertion_id, payer, policy, policy_version, questionnaire,
    record::text AS record
  FROM dtr_sessions WHERE id = $1`;

const SELECT_STEPS = `
  SELECT session_id, step, made_at, status, record::text AS record
  FROM dtr_steps WHERE session_id = $1`;

/**
 * DTR sessions in the audit database (migration 6), on PostgreSQL or PGlite. Each write is one
 * statement committed before it resolves: a session has a handful of steps, minutes apart, so
 * there is nothing to batch. Failures to reach the database surface as StoreUnavailableError
 * (the route's 503); a write inconsistent with what is stored as DtrSessionStoreError.
 */
export class SqlDtrSessionStore implements DtrSessionStore {
  constructor(
    private readonly db: SqlClient,
    /** Marks the outcome of a write for the store's health (AuditStore.written). */
    private readonly written: <T>(p: Promise<T>) => Promise<T> = guard,
  ) {}

  async createSession(s: DtrSessionV1): Promise<void> {
    const record = sessionRecordText(s);
    const inserted = await this.written(
      unlessForeignKeyMissing(
        this.db.query(CREATE_SESSION, [
          s.id,
          s.createdAt,
          s.coverageAssertionId ?? null,
          s.payer ?? null,
          s.policy,
          s.policyVersion,
          s.questionnaire,
          record,
        ]),
      ),
    );
    if (inserted === FOREIGN_KEY_MISSING)
      throw new DtrSessionStoreError(
        'unknown-assertion',
        `no coverage assertion ${JSON.stringify(s.coverageAssertionId)} was made by this service: give the coverage-assertion-id of its CRD answer as context, or none`,
      );
    if (inserted.rows.length > 0) return;
    const first = await this.getSession(s.id);
    if (first && sameSession(first, s)) return;
    throw new DtrSessionStoreError(
      'session-conflict',
      `DTR session ${JSON.stringify(s.id)} already exists with other content`,
    );
  }

  async getSession(id: string): Promise<DtrSessionV1 | undefined> {
    const res = await guard(this.db.query<SessionRow>(SELECT_SESSION, [id]));
    const row = res.rows[0];
    return row ? sessionFromRow(row) : undefined;
  }

  async appendStep(step: DtrStepV1): Promise<{ appended: boolean }> {
    if (!Number.isInteger(step.step) || step.step < 1 || step.step > 2 ** 31 - 1)
      throw new DtrSessionStoreError(
        'step-out-of-order',
        `step must be a whole number from 1, not ${step.step}`,
      );
    const record = stepRecordText(step);
    const inserted = await this.written(
      unlessForeignKeyMissing(
        this.db.query(APPEND_STEP, [step.sessionId, step.step, step.madeAt, step.status, record]),
      ),
    );
    if (inserted === FOREIGN_KEY_MISSING)
      throw new DtrSessionStoreError(
        'unknown-session',
        `no DTR session ${JSON.stringify(step.sessionId)}: restart with $questionnaire-package`,
      );
    if (inserted.rows.length > 0) return { appended: true };
    // Either the step is already there (a retry, or a concurrent writer that won) or the
    // condition refused it; the row, committed by now, tells which.
    const res = await guard(
      this.db.query<StepRow>(`${SELECT_STEPS} AND step = $2`, [step.sessionId, step.step]),
    );
    const row = res.rows[0];
    if (row) {
      if (row.status === step.status && row.record === record) return { appended: false };
      throw new DtrSessionStoreError(
        'step-conflict',
        `step ${step.step} of DTR session ${JSON.stringify(step.sessionId)} was already recorded with other answers`,
      );
    }
    if (!(await this.getSession(step.sessionId)))
      throw new DtrSessionStoreError(
        'unknown-session',
        `no DTR session ${JSON.stringify(step.sessionId)}: restart with $questionnaire-package`,
      );
    throw new DtrSessionStoreError(
      'step-out-of-order',
      `step ${step.step} of DTR session ${JSON.stringify(step.sessionId)} does not follow an unfinished step ${step.step - 1}`,
    );
  }

  async steps(sessionId: string): Promise<DtrStepV1[]> {
    const res = await guard(this.db.query<StepRow>(`${SELECT_STEPS} ORDER BY step`, [sessionId]));
    return res.rows.map(stepFromRow);
  }

  async lastStep(sessionId: string): Promise<DtrStepV1 | undefined> {
    const res = await guard(
      this.db.query<StepRow>(`${SELECT_STEPS} ORDER BY step DESC LIMIT 1`, [sessionId]),
    );
    const row = res.rows[0];
    return row ? stepFromRow(row) : undefined;
  }
}

interface SessionRecord {
  request: CoverageRequest;
  coverage?: string;
  order?: string;
  intendedUse?: string;
  crdVersion?: string;
}

interface StepRecord {
  answers: DtrStepV1['answers'];
  asked: DtrStepV1['asked'];
  determination: DtrStepV1['determination'];
}

function sessionRecordText(s: DtrSessionV1): string {
  const record: SessionRecord = { request: requestWithoutMemberData(s.request) };
  if (s.coverage !== undefined) record.coverage = s.coverage;
  if (s.order !== undefined) record.order = s.order;
  if (s.intendedUse !== undefined) record.intendedUse = s.intendedUse;
  if (s.crdVersion !== undefined) record.crdVersion = s.crdVersion;
  return storableJsonText(canonicalJson(record));
}

// Canonical (sorted keys, no undefined) so that a retried step compares equal as text whatever
// order its caller built the objects in.
function stepRecordText(s: DtrStepV1): string {
  const record: StepRecord = {
    answers: s.answers,
    asked: s.asked,
    determination: s.determination,
  };
  return storableJsonText(canonicalJson(record));
}

function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}

/** The same session apart from when it was made (a retried create). */
function sameSession(a: DtrSessionV1, b: DtrSessionV1): boolean {
  return (
    a.coverageAssertionId === b.coverageAssertionId &&
    a.payer === b.payer &&
    a.policy === b.policy &&
    a.policyVersion === b.policyVersion &&
    a.questionnaire === b.questionnaire &&
    sessionRecordText(a) === sessionRecordText(b)
  );
}

const FOREIGN_KEY_MISSING = Symbol('foreign key missing');

// A row naming a session or assertion that does not exist is the caller's mistake, not an outage:
// it must neither become the route's 503 nor mark the store's writes as failing.
async function unlessForeignKeyMissing<T>(p: Promise<T>): Promise<T | typeof FOREIGN_KEY_MISSING> {
  try {
    return await p;
  } catch (e) {
    if ((e as { code?: unknown } | null)?.code === '23503') return FOREIGN_KEY_MISSING;
    throw e;
  }
}

interface SessionRow {
  id: string;
  created_at: Date;
  coverage_assertion_id: string | null;
  payer: string | null;
  policy: string;
  policy_version: string;
  questionnaire: string;
  record: string;
}

function sessionFromRow(r: SessionRow): DtrSessionV1 {
  const record = JSON.parse(r.record) as SessionRecord;
  const s: DtrSessionV1 = {
    id: r.id,
    createdAt: new Date(r.created_at).toISOString(),
    policy: r.policy,
    policyVersion: r.policy_version,
    questionnaire: r.questionnaire,
    request: record.request,
  };
  if (r.coverage_assertion_id !== null) s.coverageAssertionId = r.coverage_assertion_id;
  if (r.payer !== null) s.payer = r.payer;
  if (record.coverage !== undefined) s.coverage = record.coverage;
  if (record.order !== undefined) s.order = record.order;
  if (record.intendedUse !== undefined) s.intendedUse = record.intendedUse;
  if (record.crdVersion !== undefined) s.crdVersion = record.crdVersion;
  return s;
}

interface StepRow {
  session_id: string;
  step: number;
  made_at: Date;
  status: DtrStepV1['status'];
  record: string;
}

function stepFromRow(r: StepRow): DtrStepV1 {
  const record = JSON.parse(r.record) as StepRecord;
  return {
    sessionId: r.session_id,
    step: r.step,
    madeAt: new Date(r.made_at).toISOString(),
    status: r.status,
    answers: record.answers,
    asked: record.asked,
    determination: record.determination,
  };
}
