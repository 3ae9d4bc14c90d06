/**
 * The embedded database's PostgreSQL settings. PGlite runs PostgreSQL in WASM linear memory,
 * which only grows, inside the service's own process; PostgreSQL's defaults size it for a server
 * of its own. Durability settings (fsync, synchronous_commit, full_page_writes) are PGlite's
 * own and are not touched here.
 */
export const EMBEDDED_PG_SETTINGS: Readonly<Record<string, string>> = {
  // initdb's 128MB buffer pool fills with the audit table's pages under load and stays resident
  // (~135 MiB of RSS in bench:http). The workload appends and reads back the newest rows, so a
  // small pool costs little: an evicted page is written to the OS page cache (PGlite runs with
  // fsync off) and read back from there. wal_buffers follows it (1/32: 256kB).
  shared_buffers: '8MB',
};

/** PGlite's own start parameters with ours after them (a later -c wins). */
export function embeddedStartParams(pgliteDefaults: readonly string[]): string[] {
  return [
    ...pgliteDefaults,
    ...Object.entries(EMBEDDED_PG_SETTINGS).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
  ];
}
