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

/**
 * The database refused a value of the request itself (SQLSTATE class 22, "data exception": a
 * date out of range, a number too large, an invalid character). The client's error, answered
 * 422: retrying the same request can never succeed, and it is no outage.
 */
export class StoreRejectedValueError extends Error {
  constructor(readonly cause: unknown) {
    super(
      `the audit store refused a value as data: ${(cause as Error)?.message ?? String(cause)}`,
      {
        cause,
      },
    );
    this.name = 'StoreRejectedValueError';
  }
}

/** SQLSTATE class 22 (data exception), as PostgreSQL and PGlite both report it in `code`. */
export function isDataException(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.length === 5 && code.startsWith('22');
}
