import type { ContextSource } from '../../service/context-source.js';
import type { RevisionStatus } from '../../service/follow-published-revision.js';
import type { AuditStore } from '../../store/audit-store.js';

/** What every route of the HTTP adapter works with. */
export interface HttpDeps {
  /**
   * The decision context served. A published revision replaces it while the service runs: a
   * handler reads it once, at its start, and uses that one object throughout.
   */
  contexts: ContextSource;
  /** The revision served against the published one (fleet mode); absent: the files are served. */
  revisionStatus?: () => RevisionStatus;
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
