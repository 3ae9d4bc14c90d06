// Part of `npm run build`, after prebuild-yaml: compiles the package's own policies and code sets
// once and writes them, stamped with the files they came from, as dist/context/ (see
// src/service/prebuilt-context.ts). Every command then starts from it while those files are as
// they were. A corpus that does not compile writes nothing: the commands report its problems.
import { rmSync } from 'node:fs';
import { prebuildContext } from '../src/service/load-context.js';
import { PREBUILT_CONTEXT_FILE } from '../src/service/prebuilt-context.js';

try {
  const { policySet } = prebuildContext({});
  console.log(
    `prebuilt the decision context: ${policySet.policies.length} policies, revision ${policySet.revision.slice(0, 12)}`,
  );
} catch (e) {
  rmSync(PREBUILT_CONTEXT_FILE, { force: true });
  console.log(`no prebuilt decision context: ${(e as Error).message.split('\n')[0]}`);
}
