import type { DeterminationV1 } from './determination.js';

/**
 * What the service records for every determination it answers, before it answers: who asked,
 * what was asked, which policy-set revision and version answered, and the answer itself.
 */
export interface AuditEventV1 {
  id: string;
  recordedAt: string;
  /** The API key id that asked, or "local" for an unauthenticated loopback caller. */
  requester: string;
  /** The transport's request id, to join the record to the service log. */
  requestId?: string | undefined;
  /** Shared by the determinations of one compare call. */
  groupId?: string | undefined;
  /** The request as received and validated (only contract fields: no member identity). */
  request: unknown;
  determination: DeterminationV1;
}

export interface AuditSummaryV1 {
  id: string;
  recordedAt: string;
  requester: string;
  groupId?: string | undefined;
  payer: string;
  outcome: string;
  basis?: string | undefined;
  priorAuth: string;
  policyId?: string | undefined;
  policyVersion?: string | undefined;
  dateOfService?: string | undefined;
}
