import { setFlagsFromString } from 'node:v8';

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

/**
 * V8's settings for PGlite's WebAssembly, for the whole process (V8 has no per-thread flags).
 * V8 first compiles each function with its baseline compiler (Liftoff) and later recompiles the
 * hot ones with its optimizing compiler; on PostgreSQL's largest functions (the SQL parser, the
 * executor) that compilation's working memory reached about 70 MiB at once, freed afterwards
 * but kept resident by the allocator: 40-60 MiB of the embedded service's peak RSS in
 * bench:http. Baseline code costs the service about 10 % more CPU per determination there
 * (paired runs in issue 17's report): the price of fitting a laptop's memory budget.
 */
export const EMBEDDED_WASM_V8_FLAGS: readonly string[] = ['--liftoff-only'];

/** Applies EMBEDDED_WASM_V8_FLAGS; call before PGlite compiles its module. */
export function applyEmbeddedWasmFlags(): void {
  for (const flag of EMBEDDED_WASM_V8_FLAGS) setFlagsFromString(flag);
}
