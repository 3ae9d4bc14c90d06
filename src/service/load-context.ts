import { loadPolicySet } from '../policies/load-policy-set.js';
import {
  loadsOperatorFiles,
  terminologyFromSources,
  terminologyOptionsFromEnv,
  TERMINOLOGY_PATHS,
  type TerminologyOptions,
} from '../terminology/load-terminology.js';
import {
  contextRoots,
  PREBUILT_CONTEXT_FILE,
  readPrebuiltContext,
  stampInputs,
  writePrebuiltContext,
} from './prebuilt-context.js';

import type { DecisionContext } from './decision-context.js';

// Defined on its own, so the prebuilt artifact's reader and writer name it without importing this.
export type { DecisionContext };

/**
 * Loads the policies and the terminology. `policiesDir` (default: the MEDPOLICY_POLICIES
 * environment variable, else the package's policies/) is another policy corpus: payer folders,
 * sources/, valuesets/ and crd-coverage-map.yaml, laid out as the package's. The build's
 * prebuilt context (`prebuilt`) is used when it was made from exactly these files; otherwise
 * the context is compiled from them.
 */
export function loadContext(
  opts: TerminologyOptions = terminologyOptionsFromEnv(process.env),
  prebuilt: string = PREBUILT_CONTEXT_FILE,
): DecisionContext {
  return (
    (loadsOperatorFiles(opts) ? undefined : readPrebuiltContext(contextRoots(opts), prebuilt)) ??
    compileContext(opts)
  );
}

/** The context compiled from the sources, whatever the build prebuilt. */
export function compileContext(
  opts: TerminologyOptions = terminologyOptionsFromEnv(process.env),
): DecisionContext {
  return compiled(opts).context;
}

/** Compiles the context of `opts`'s corpus and writes it as the prebuilt context `file`. */
export function prebuildContext(
  opts: TerminologyOptions,
  file: string = PREBUILT_CONTEXT_FILE,
): DecisionContext {
  if (loadsOperatorFiles(opts))
    throw new Error('the prebuilt context is of the shipped code sets only');
  // Stamped before compiling: a file edited meanwhile leaves the artifact stale, never wrong.
  const inputs = stampInputs(contextRoots(opts));
  const { context, files } = compiled(opts);
  writePrebuiltContext(
    inputs,
    {
      policySet: context.policySet,
      terminologyFiles: files,
      terminologyPaths: TERMINOLOGY_PATHS,
    },
    file,
  );
  return context;
}

function compiled(opts: TerminologyOptions) {
  const { root, policiesDir } = contextRoots(opts);
  const { terminology, files } = terminologyFromSources({ ...opts, root, policiesDir });
  const policySet = loadPolicySet(terminology, policiesDir);
  return { context: { terminology, policySet, policiesDir }, files };
}
