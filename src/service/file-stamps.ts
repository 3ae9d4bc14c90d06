import type * as Crypto from 'node:crypto';
import { createRequire } from 'node:module';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { sep } from 'node:path';

// What a build artifact was made from, and whether it still is: each input file's size, times and
// content hash, taken when the artifact is built. The check costs a stat per file; a file whose
// times changed (a checkout, a copy, an unpacked package) is hashed and compared, so a touch alone
// does not throw the artifact away, and an edit that kept size and times cannot go unnoticed (a
// change sets ctime, which nothing can set back).

/** One input file as it was when the artifact was built; `path` is relative to its root. */
export interface FileStamp {
  path: string;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  sha256: string;
}

// `base + sep + path` rather than join(): the paths are relative and already normal, and this
// runs for every input of every command that starts from an artifact.
const under = (base: string, path: string) => base + sep + path;

/**
 * Every file under `dir` (below it too when `deep`), as paths relative to it, sorted. Symbolic
 * links are followed, as the loaders follow them: a linked file's stamp is its target's.
 */
export function listFiles(dir: string, deep = true): string[] {
  const out: string[] = [];
  const walk = (rel: string, depth: number) => {
    if (depth > 16) throw new Error(`${dir}: directories nested too deep (a link loop?)`);
    for (const e of readdirSync(rel ? under(dir, rel) : dir, { withFileTypes: true })) {
      const path = rel ? `${rel}/${e.name}` : e.name;
      const kind = e.isSymbolicLink() ? statSync(under(dir, path)) : e;
      if (kind.isDirectory()) {
        if (deep) walk(path, depth + 1);
      } else if (kind.isFile()) out.push(path);
    }
  };
  walk('', 0);
  return out.sort();
}

// Required on first use: while every stamp matches, nothing is hashed, and loading the crypto
// module costs more than the whole check.
const require = createRequire(import.meta.url);
let crypto: typeof Crypto | undefined;
const sha256 = (path: string) =>
  (crypto ??= require('node:crypto') as typeof Crypto)
    .createHash('sha256')
    .update(readFileSync(path))
    .digest('base64url');

/** The stamp of `base`/`path` now. */
export function stampFile(base: string, path: string): FileStamp {
  const full = under(base, path);
  const s = statSync(full);
  return { path, size: s.size, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs, sha256: sha256(full) };
}

/**
 * Whether the files under `base` are exactly the stamped ones, each with its stamped content;
 * `paths` are the files there now (listFiles), or omitted when the stamps name a fixed set of
 * files rather than a directory's content.
 */
export function unchanged(
  base: string,
  stamps: readonly FileStamp[],
  paths?: readonly string[],
): boolean {
  if (paths && paths.length !== stamps.length) return false;
  for (let i = 0; i < stamps.length; i++) {
    const was = stamps[i]!;
    if (paths && paths[i] !== was.path) return false;
    const full = under(base, was.path);
    const now = statSync(full, { throwIfNoEntry: false });
    if (now === undefined || now.size !== was.size) return false;
    if (now.mtimeMs === was.mtimeMs && now.ctimeMs === was.ctimeMs) continue;
    if (sha256(full) !== was.sha256) return false;
  }
  return true;
}
