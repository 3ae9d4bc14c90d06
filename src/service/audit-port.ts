import type { AuditEventV1 } from '../model/audit-event.js';

/**
 * Where the service hands each determination before answering. Implemented by the store; the
 * service and engine never know which database is behind it.
 */
export interface AuditPort {
  /** Resolves only once every event is durably committed. */
  record(events: AuditEventV1[]): Promise<void>;
}

/** The store could not record: the caller must not answer with an unrecorded decision. */
export class StoreUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`the audit store is unavailable: ${(cause as Error)?.message ?? String(cause)}`, {
      cause,
    });
    this.name = 'StoreUnavailableError';
  }
}
