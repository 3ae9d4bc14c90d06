// What the DTR operations work with, transport-agnostic like the CDS Hooks and PAS adapters: the
// routes in src/adapters/http/routes/fhir-dtr.ts supply it once per request.
import type { AuditEventV1 } from '../../model/audit-event.js';
import type { CompiledPolicy, CompiledVersion } from '../../model/compiled-policy.js';
import type { DecisionContext } from '../../service/load-context.js';
import type { AssertionRequestV1 } from '../../store/audit-store.js';
import type { CoverageMap } from '../cdshooks/coverage-map.js';
import { operationOutcome, type IssueType } from '../pas/operation-outcome.js';
import type { FormSource } from './questionnaire.js';
import type { DtrSessionStore } from '../../service/dtr-session-port.js';

/** The store as the DTR operations use it (the audit store implements it). */
export interface DtrStore {
  dtrSessions: DtrSessionStore;
  /** The request a CRD coverage assertion was decided on, without member data. */
  getCoverageAssertionRequest(id: string): Promise<AssertionRequestV1 | undefined>;
  /** The whole CRD assertion record: its CRD version, coverage and order references. */
  getCoverageAssertion(id: string): Promise<unknown | undefined>;
  /** Commits determinations before the answer (the completed form's decision). */
  record(events: AuditEventV1[]): Promise<void>;
}

export interface DtrDeps {
  /** The decision context of this request, read once at its start. */
  ctx: DecisionContext;
  store: DtrStore;
  coverageMap: CoverageMap;
  now: () => Date;
  newId: () => string;
  /** The service's public base URL, without a trailing slash. */
  publicUrl: string;
  /** Who asked (the API key id, or "local"), for the audit record. */
  requester: string;
  requestId?: string | undefined;
  /** The web UI's page of a policy, linked from coverage-information. */
  policyUrl?: (policyId: string) => string;
}

export interface DtrResult {
  status: number;
  body: unknown;
}

export const refusal = (
  status: number,
  code: IssueType,
  diagnostics: string,
  expression?: string,
): DtrResult => ({ status, body: operationOutcome(code, diagnostics, expression) });

/** The policy and version of the compiled set, or undefined when the set no longer has them. */
export function compiledVersion(
  ctx: DecisionContext,
  policyId: string,
  versionId: string,
): { policy: CompiledPolicy; version: CompiledVersion } | undefined {
  const policy = ctx.policySet.policies.find((p) => p.id === policyId);
  const version = policy?.versions.find((v) => v.id === versionId);
  return policy && version ? { policy, version } : undefined;
}

export function formSource(
  ctx: DecisionContext,
  found: { policy: CompiledPolicy; version: CompiledVersion },
  publicUrl: string,
  revision = ctx.policySet.revision,
): FormSource {
  return { policy: found.policy, version: found.version, revision, publicUrl };
}

/** The payer's name as the coverage map gives it ("Blue Care Network of Michigan"). */
export function payerLabel(map: CoverageMap, payer: string): string {
  return map.payers.find((p) => p.payer === payer)?.label ?? payer;
}
