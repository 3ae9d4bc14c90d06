import type { DecisionContext } from '../../service/load-context.js';
import type { AuditStore } from '../../store/audit-store.js';

/** What every route of the HTTP adapter works with. */
export interface HttpDeps {
  ctx: DecisionContext;
  store: AuditStore;
  /** Package root: where policy source documents are read from. */
  root: string;
  /** The service's public base URL: links in answers and the audience CDS clients sign for. */
  publicUrl: () => string;
  /** True once the instance is stopping: /healthz fails so that a balancer sends no more. */
  draining?: () => boolean;
}

/** A policy as a person reads it: the web UI's page, linked from CRD cards and PAS notes. */
export function policyPage(deps: HttpDeps, policyId: string): string {
  return `${deps.publicUrl()}/#/policies/${encodeURIComponent(policyId)}`;
}
