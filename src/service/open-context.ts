import {
  loadsOperatorFiles,
  terminologyOptionsFromEnv,
  type TerminologyOptions,
} from '../terminology/terminology-options.js';
import type { DecisionContext } from './load-context.js';
import { contextRoots, readPrebuiltContext } from './prebuilt-context.js';

/**
 * loadContext for a process that can wait on an import: the policy compiler, the YAML parser and
 * the schemas are loaded only when the prebuilt context does not apply, so a command started
 * from it loads none of them.
 */
export async function openContext(
  opts: TerminologyOptions = terminologyOptionsFromEnv(process.env),
): Promise<DecisionContext> {
  const prebuilt = loadsOperatorFiles(opts) ? undefined : readPrebuiltContext(contextRoots(opts));
  return prebuilt ?? (await import('./load-context.js')).compileContext(opts);
}
