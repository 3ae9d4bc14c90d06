import type { CoverageRequest } from '../model/coverage-request.js';

/**
 * Where a DTR session lives between `$questionnaire-package` and the `$next-question` calls that
 * follow it: `$next-question` carries only the QuestionnaireResponse, whose identifier is the
 * session's id, so everything else the questions were decided on is kept here. Plain data, no
 * FHIR: the store never reads a resource.
 */
export interface DtrSessionStore {
  /**
   * Commits a new session. Creating the same session again with the same content is a no-op (a
   * retried call); another session under the same id rejects with DtrSessionStoreError.
   */
  createSession(session: DtrSessionV1): Promise<void>;
  getSession(id: string): Promise<DtrSessionV1 | undefined>;
  /**
   * Commits one step before the reply. Steps are numbered from 1 without gaps, and none follows
   * a completed one. The same step again with the same status and record is a no-op (answers
   * `appended: false`); with anything else it rejects with reason `step-conflict`.
   */
  appendStep(step: DtrStepV1): Promise<{ appended: boolean }>;
  /** The session's steps in order; empty for an unknown session. */
  steps(sessionId: string): Promise<DtrStepV1[]>;
  lastStep(sessionId: string): Promise<DtrStepV1 | undefined>;
}

export interface DtrSessionV1 {
  /** The QuestionnaireResponse's identifier value. */
  id: string;
  createdAt: string;
  /** The CRD coverage-assertion-id the session continues (the operation's `context`), if any. */
  coverageAssertionId?: string | undefined;
  payer?: string | undefined;
  policy: string;
  policyVersion: string;
  /** The Questionnaire issued, `canonical|version`. */
  questionnaire: string;
  /** The request decided. Only the CoverageRequest's own fields are kept: no member data. */
  request: CoverageRequest;
  /** "Coverage/abc" on the client's system. */
  coverage?: string | undefined;
  /** "MedicationRequest/123" on the client's system. */
  order?: string | undefined;
  /** How the EHR is to use the answers (CRD DocReason code, e.g. withclaim): the QR's intendedUse. */
  intendedUse?: string | undefined;
  /** The CRD version the completion's coverage-information is written in (that of the assertion). */
  crdVersion?: string | undefined;
  // No Patient reference: the member is never stored here. The QR's subject comes from the
  // client's own QR on each call.
}

export type DtrAnswerCode = 'Y' | 'N' | 'ASKU';

export interface DtrAnswerV1 {
  answer: DtrAnswerCode;
  /** DTR `information-origin`: who or what gave the answer. */
  origin?:
    | {
        /** The information-origin source code, e.g. manual, auto-client, auto-server, override. */
        source: string;
        /** A Practitioner, PractitionerRole or Device reference on the client's system. */
        author?: string | undefined;
      }
    | undefined;
}

export interface DtrStepV1 {
  sessionId: string;
  /** 1 for the first `$next-question`. */
  step: number;
  madeAt: string;
  status: 'in-progress' | 'completed';
  /** Every answer the step was decided on, by fact id. */
  answers: Readonly<Record<string, DtrAnswerV1>>;
  /** The fact ids asked in the reply (none once completed). */
  asked: readonly string[];
  determination: DtrDeterminationSummaryV1;
}

export interface DtrDeterminationSummaryV1 {
  outcome: string;
  basis?: string | undefined;
  priorAuth: string;
  policyVersion?: string | undefined;
  revision: string;
  /** The coverage-information codes given with a completed QuestionnaireResponse. */
  covered?: string | undefined;
  paNeeded?: string | undefined;
}

export type DtrSessionStoreErrorReason =
  /** A step for a session that was never created. */
  | 'unknown-session'
  /** A session naming a coverage assertion this service never made. */
  | 'unknown-assertion'
  /** Another session already has this id. */
  | 'session-conflict'
  /** The step was already recorded with other content. */
  | 'step-conflict'
  /** The step does not follow the last one recorded (a gap, or after completion). */
  | 'step-out-of-order';

/** The store refused the write as inconsistent with what it holds (a client's 400 or 409). */
export class DtrSessionStoreError extends Error {
  constructor(
    readonly reason: DtrSessionStoreErrorReason,
    message: string,
  ) {
    super(message);
    this.name = 'DtrSessionStoreError';
  }
}
