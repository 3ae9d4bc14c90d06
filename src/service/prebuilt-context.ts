import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deserialize, serialize } from 'node:v8';
import type { CompiledPolicySet } from '../model/compiled-policy.js';
import { freezeSharedParts } from '../model/deep-freeze.js';
import { packageRoot, policiesDir } from '../package-root.js';
import { terminologyFromFiles, type TerminologyFiles } from '../terminology/shipped-terminology.js';
import { listFiles, stampFile, unchanged, type FileStamp } from './file-stamps.js';
import type { DecisionContext } from './decision-context.js';

// Compiling the policy set (YAML, schemas, quote location, indexes) and building the terminology
// were most of every command's start-up. So the build compiles the package's own corpus once and
// writes the result here (scripts/prebuild-context.ts), with a stamp of every file it came from:
// the policies directory, terminology/ and the compiled code that did the compiling. At run time
// the artifact is used only when every one of those files is still what it was; otherwise (an
// analyst's edit, another corpus, a rebuilt compiler, the operator's CMS files) the context is
// compiled from the sources as before (file-stamps.ts says how a file is found unchanged).

const FORMAT = 'medpolicy-prebuilt-context/1';

/** dist/src: the compiled code, which the artifact depends on as much as on the data. */
const CODE_ROOT = fileURLToPath(new URL('../', import.meta.url));

/** Where `npm run build` writes the artifact. */
export const PREBUILT_CONTEXT_FILE = join(CODE_ROOT, '..', 'context', 'decision-context.v8');

// Directories of dist/src whose code decides what the context holds; the adapters, the store
// and the web UI do not.
const CODE_DIRS = ['', 'engine', 'model', 'policies', 'service', 'terminology'];

/** Every input, under the three roots it is read from. */
export interface InputStamps {
  policies: FileStamp[];
  terminology: FileStamp[];
  code: FileStamp[];
}

interface PrebuiltContextV1 {
  format: typeof FORMAT;
  inputs: InputStamps;
}

export interface PrebuiltPayloadV1 {
  policySet: CompiledPolicySet;
  terminologyFiles: TerminologyFiles;
  terminologyPaths: { hcpcs: string; cpt: string };
}

/** Where the context's inputs are: the package (or a copy of it) and its policies directory. */
export interface ContextRoots {
  root: string;
  policiesDir: string;
}

/** The roots the options name, as loadContext reads them. */
export function contextRoots(opts: { root?: string; policiesDir?: string }): ContextRoots {
  const root = opts.root ?? packageRoot();
  return {
    root,
    policiesDir: opts.policiesDir ?? (opts.root ? join(opts.root, 'policies') : policiesDir()),
  };
}

function codeFiles(): string[] {
  return CODE_DIRS.flatMap((d) =>
    listFiles(join(CODE_ROOT, d), d !== '')
      .filter((p) => p.endsWith('.js') && !p.endsWith('.test.js'))
      .map((p) => (d ? `${d}/${p}` : p)),
  );
}

const terminologyDir = (roots: ContextRoots) => join(roots.root, 'terminology');

/** The stamps of every file the context of `roots` is compiled from: take them before compiling. */
export function stampInputs(roots: ContextRoots): InputStamps {
  const term = terminologyDir(roots);
  return {
    policies: listFiles(roots.policiesDir).map((p) => stampFile(roots.policiesDir, p)),
    terminology: listFiles(term).map((p) => stampFile(term, p)),
    code: codeFiles().map((p) => stampFile(CODE_ROOT, p)),
  };
}

function inputsUnchanged(roots: ContextRoots, inputs: InputStamps): boolean {
  const term = terminologyDir(roots);
  return (
    unchanged(roots.policiesDir, inputs.policies, listFiles(roots.policiesDir)) &&
    unchanged(term, inputs.terminology, listFiles(term)) &&
    unchanged(CODE_ROOT, inputs.code, codeFiles())
  );
}

// The file: a 4-byte length, the header (format and stamps), then the payload. The header is
// read first so that a stale artifact costs no deserializing of the payload.

/** Writes the artifact: the context compiled from the files `inputs` stamps. */
export function writePrebuiltContext(
  inputs: InputStamps,
  payload: PrebuiltPayloadV1,
  file: string = PREBUILT_CONTEXT_FILE,
): void {
  const header: PrebuiltContextV1 = { format: FORMAT, inputs };
  const head = serialize(header);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(head.length);
  mkdirSync(join(file, '..'), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, Buffer.concat([length, head, serialize(payload)]));
  renameSync(tmp, file);
}

/**
 * The decision context from the artifact, when it was built from exactly the files now under
 * `roots`; undefined when it is absent, unreadable or stale.
 */
export function readPrebuiltContext(
  roots: ContextRoots,
  file: string = PREBUILT_CONTEXT_FILE,
  { freeze = true }: { freeze?: boolean } = {},
): DecisionContext | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return undefined; // not built: compile from the sources
  }
  try {
    const headEnd = 4 + bytes.readUInt32LE(0);
    const header = deserialize(bytes.subarray(4, headEnd)) as PrebuiltContextV1;
    if (header.format !== FORMAT || !inputsUnchanged(roots, header.inputs)) return undefined;
    const payload = deserialize(bytes.subarray(headEnd)) as PrebuiltPayloadV1;
    return {
      // What answers share with the compiled policies is deep-frozen wherever it comes from (see
      // freezeSharedParts), except in a one-shot process that asks not to: walking the whole set
      // costs more than deserializing it (~20 ms cold).
      policySet: freeze ? freezeSharedParts(payload.policySet) : payload.policySet,
      terminology: terminologyFromFiles(
        roots.root,
        payload.terminologyFiles,
        payload.terminologyPaths,
      ),
      policiesDir: roots.policiesDir,
    };
  } catch {
    return undefined; // truncated, or written by a Node whose serializer this one cannot read
  }
}
