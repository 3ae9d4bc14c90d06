import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DecisionContext } from '../../service/load-context.js';
import { unchanged, type FileStamp } from '../../service/file-stamps.js';
import { contextRoots, readPrebuiltContext } from '../../service/prebuilt-context.js';
import {
  loadsOperatorFiles,
  terminologyOptionsFromEnv,
} from '../../terminology/terminology-options.js';
import { check, CHECK_USAGE } from './check.js';
import { runCommand } from './run-command.js';

// `medpolicy check` as one file: the build bundles this module and what it imports into
// dist/src/prebuilt/check.cjs (scripts/prebuild-check.ts), with the V8 code cache of a run, and
// bin/medpolicy.js runs `check` from it. Loading some forty ES modules and compiling their
// functions was most of what `check` cost above a bare `node`. The bundle is a copy of compiled
// code, so it stamps the files it was made from and is used only while they are unchanged; it
// serves only the prebuilt context, and everything else (a stale bundle or context, the
// operator's CMS files) goes to the ordinary command.

export const CHECK_BUNDLE_FORMAT = 'medpolicy-check-bundle/1';

/** Written beside the bundle: the compiled files it was made from, relative to dist/src. */
export interface CheckBundleStamps {
  format: typeof CHECK_BUNDLE_FORMAT;
  inputs: FileStamp[];
}

/**
 * Runs `medpolicy check` with `argv` when the bundle's inputs (stamped in `stampsFile`, paths
 * relative to `codeRoot`) and the prebuilt context are current; undefined, having read nothing
 * else, when they are not.
 */
export function checkPrebuilt(
  argv: string[],
  out: (s: string) => void,
  err: (s: string) => void,
  stampsFile: string,
  codeRoot: string = dirname(dirname(stampsFile)),
): Promise<number> | undefined {
  let context: DecisionContext | undefined;
  try {
    const stamps = JSON.parse(readFileSync(stampsFile, 'utf8')) as CheckBundleStamps;
    if (stamps.format !== CHECK_BUNDLE_FORMAT || !unchanged(codeRoot, stamps.inputs)) return;
    const opts = terminologyOptionsFromEnv(process.env);
    if (loadsOperatorFiles(opts)) return;
    // One request and exit: nothing outlives the answer, so freezing the set (which only guards
    // long-lived shared objects and the serializer's cache) is not worth its ~20 ms.
    context = readPrebuiltContext(contextRoots(opts), undefined, { freeze: false });
  } catch {
    return; // not built, or a setting the ordinary command reports
  }
  if (!context) return;
  const ctx = Promise.resolve(context);
  return runCommand('check', { usage: CHECK_USAGE, run: check }, argv, () => ctx, out, err);
}
