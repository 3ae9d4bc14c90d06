import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { packageRoot } from '../package-root.js';

// Every new embedded database starts as the same files: initdb's output. initdb in WASM costs
// about 9 CPU-seconds and a 700 MiB peak; loading the same files from a tarball made once at
// build time (scripts/prebuild-pglite-template.ts) costs about 2. The tarball is named by
// PGlite's version, so another version's initdb output is never loaded; without one, PGlite
// runs initdb as before.

let version: string | undefined;
function pgliteVersion(): string {
  if (version) return version;
  // The package's exports hide its package.json: find it beside the resolved entry point.
  let dir = dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  version = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string })
    .version;
  return version;
}

export function pgliteTemplatePath(): string {
  return join(packageRoot(), 'dist', 'pglite-template', `pglite-${pgliteVersion()}.tar.gz`);
}

/** The build's fresh database for this PGlite version, or undefined when there is none. */
export function pgliteTemplate(): Blob | undefined {
  const path = pgliteTemplatePath();
  return existsSync(path) ? new Blob([readFileSync(path)]) : undefined;
}
