import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/** The installed package's root (where policies/ and terminology/ live), from src or dist. */
export function packageRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (
      existsSync(pkg) &&
      (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'medpolicy'
    ) {
      return (cached = dir);
    }
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the medpolicy package root');
    dir = up;
  }
}

/**
 * The policies directory (payer folders, sources/, valuesets/, crd-coverage-map.yaml): the
 * MEDPOLICY_POLICIES environment variable when set, else the package's own policies/. An analyst
 * points every command (and a test) at a copy with new policies this way; no code changes.
 */
export function policiesDir(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env['MEDPOLICY_POLICIES']?.trim();
  return dir ? resolve(dir) : join(packageRoot(), 'policies');
}
