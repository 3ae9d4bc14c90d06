import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';
import type { checkPrebuilt } from './check-prebuilt.js' with { 'resolution-mode': 'import' };

// Loads the `check` bundle (check-prebuilt.ts) the way bin/medpolicy.js runs it: as a classic
// script with the V8 code cache the build made, so its functions are not parsed and compiled
// again on every run. CommonJS, like the bundle, so that `check` never starts the ES module
// loader. V8 checks a code cache against the length of the source only, and would run the
// cached code of another text as long; so the cache starts with the stamp (size, times) of the
// bundle file it was made for, and is offered to that file alone: any write to it changes its
// ctime, which nothing can set back.

export const CHECK_BUNDLE_DIR = join(__dirname, '..', '..', 'prebuilt');
export const CHECK_BUNDLE = join(CHECK_BUNDLE_DIR, 'check.cjs');
export const CHECK_STAMPS = join(CHECK_BUNDLE_DIR, 'check.stamps.json');
export const CHECK_CODE_CACHE = join(CHECK_BUNDLE_DIR, 'check.v8cache');

export interface LoadedCheckBundle {
  checkPrebuilt: typeof checkPrebuilt;
  script: Script;
  /** Whether V8 refused the code cache offered (another Node, other flags); undefined: none offered. */
  cacheRejected: boolean | undefined;
}

/** The bundle, compiled with its code cache when that was made for it; undefined when not built. */
export function loadCheckBundle(
  file: string = CHECK_BUNDLE,
  cacheFile: string = CHECK_CODE_CACHE,
): LoadedCheckBundle | undefined {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const cachedData = codeCacheFor(file, cacheFile);
  const script = new Script(
    `(function (exports, require, module, __filename, __dirname) {${source}\n})`,
    { filename: file, ...(cachedData ? { cachedData } : {}) },
  );
  const module = { exports: {} as { checkPrebuilt: typeof checkPrebuilt } };
  (script.runInThisContext() as (...args: unknown[]) => void)(
    module.exports,
    createRequire(file),
    module,
    file,
    dirname(file),
  );
  return {
    checkPrebuilt: module.exports.checkPrebuilt,
    script,
    cacheRejected: cachedData ? script.cachedDataRejected : undefined,
  };
}

/** The first line of the cache file: the stamp of the bundle file it was made for. */
export function bundleStamp(file: string): string {
  const s = statSync(file);
  return `${s.size} ${s.mtimeMs} ${s.ctimeMs}`;
}

/** The cache file holds the bundle's stamp, a newline, then V8's data. */
function codeCacheFor(file: string, cacheFile: string): Buffer | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(cacheFile);
  } catch {
    return undefined;
  }
  const nl = bytes.indexOf(10);
  if (nl < 0 || bytes.toString('latin1', 0, nl) !== bundleStamp(file)) return undefined;
  return bytes.subarray(nl + 1);
}
