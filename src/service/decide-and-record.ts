import { randomUUID } from 'node:crypto';
import type { AuditEventV1 } from '../model/audit-event.js';
import type { DeterminationV1 } from '../model/determination.js';
import type { ErrorObject } from '../model/problem.js';
import { compareRequest, decideRequest, type DecideRequestOptions } from './decide-request.js';
import type { DecisionContext } from './load-context.js';

export interface RequestMeta {
  requester: string;
  requestId?: string | undefined;
  now?: () => Date;
}

export type RecordedDecision =
  | { ok: true; id: string; determination: DeterminationV1; events: AuditEventV1[] }
  | { ok: false; error: ErrorObject };

export type RecordedComparison =
  | { ok: true; groupId: string; determinations: DeterminationV1[]; events: AuditEventV1[] }
  | { ok: false; error: ErrorObject };

/**
 * Decides and builds the audit events, without writing them: the caller chooses how to commit
 * (plain, or together with an idempotency key) and answers only after the commit.
 */
export function decideForRecord(
  input: unknown,
  ctx: DecisionContext,
  meta: RequestMeta,
  opts: DecideRequestOptions = {},
): RecordedDecision {
  const r = decideRequest(input, ctx, opts);
  if (!r.ok) return r;
  const id = randomUUID();
  const event: AuditEventV1 = {
    id,
    recordedAt: (meta.now?.() ?? new Date()).toISOString(),
    requester: meta.requester,
    requestId: meta.requestId,
    request: input,
    determination: r.determination,
  };
  return { ok: true, id, determination: r.determination, events: [event] };
}

export function compareForRecord(
  input: unknown,
  ctx: DecisionContext,
  meta: RequestMeta,
  opts: DecideRequestOptions = {},
): RecordedComparison {
  const r = compareRequest(input, ctx, opts);
  if (!r.ok) return r;
  const groupId = randomUUID();
  const recordedAt = (meta.now?.() ?? new Date()).toISOString();
  const events = r.determinations.map((determination): AuditEventV1 => ({
    id: randomUUID(),
    recordedAt,
    requester: meta.requester,
    requestId: meta.requestId,
    groupId,
    request: input,
    determination,
  }));
  return { ok: true, groupId, determinations: r.determinations, events };
}
