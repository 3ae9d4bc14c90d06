import type * as Crypto from 'node:crypto';
import { createRequire } from 'node:module';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deserialize, serialize } from 'node:v8';
import type { CompiledPolicySet } from '../model/compiled-policy.js';
import { deepFreeze } from '../model/deep-freeze.js';
import { packageRoot, policiesDir } from '../package-root.js';
import { terminologyFromFiles, type TerminologyFiles } from '../terminology/shipped-terminology.js';
import type { DecisionContext } from './load-context.js';

// Compiling the policy set (YAML, schemas, quote location, indexes) and building the terminology
// were most of every command's start-up. So the build compiles the package's own corpus once and
// writes the result here (scripts/prebuild-context.ts), with a stamp of every file it came from:
// the policies directory, terminology/ and the compiled code that did the compiling. At run time
// the artifact is used only when every one of those files is still what it was; otherwise (an
// analyst's edit, another corpus, a rebuilt compiler, the operator's CMS files) the context is
// compiled from the sources as before. The check costs a stat per file; a file whose times
// changed (a checkout, a copy, an unpacked package) is hashed and compared, so a touch alone
// does not throw the artifact away, and an edit that kept size and times cannot go unnoticed
// (a change sets ctime, which nothing can set back).

const FORMAT = 'medpolicy-prebuilt-context/1';

/** dist/src: the compiled code, which the artifact depends on as much as on the data. */
const CODE_ROOT = fileURLToPath(new URL('../', import.meta.url));

/** Where `npm run build` writes the artifact. */
export const PREBUILT_CONTEXT_FILE = join(CODE_ROOT, '..', 'context', 'decision-context.v8');

// Directories of dist/src whose code decides what the context holds; the adapters, the store
// and the web UI do not.
const CODE_DIRS = ['', 'engine', 'model', 'policies', 'service', 'terminology'];

/** One input file as it was when the artifact was built. */
interface FileStamp {
  path: string;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  sha256: string;
}

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

/**
 * Every file under `dir` (below it too when `deep`), as paths relative to it, sorted. Symbolic
 * links are followed, as the loaders follow them: a linked file's stamp is its target's.
 */
function listFiles(dir: string, deep = true): string[] {
  const out: string[] = [];
  const walk = (rel: string, depth: number) => {
    if (depth > 16) throw new Error(`${dir}: directories nested too deep (a link loop?)`);
    for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const path = rel ? `${rel}/${e.name}` : e.name;
      const kind = e.isSymbolicLink() ? statSync(join(dir, path)) : e;
      if (kind.isDirectory()) {
        if (deep) walk(path, depth + 1);
      } else if (kind.isFile()) out.push(path);
    }
  };
  walk('', 0);
  return out.sort();
}

function codeFiles(): string[] {
  return CODE_DIRS.flatMap((d) =>
    listFiles(join(CODE_ROOT, d), d !== '')
      .filter((p) => p.endsWith('.js') && !p.endsWith('.test.js'))
      .map((p) => (d ? `${d}/${p}` : p)),
  );
}

// Required on first use: while every stamp matches, nothing is hashed, and loading the crypto
// module was a noticeable part of what is left of start-up.
const require = createRequire(import.meta.url);
let crypto: typeof Crypto | undefined;
const sha256 = (path: string) =>
  (crypto ??= require('node:crypto') as typeof Crypto)
    .createHash('sha256')
    .update(readFileSync(path))
    .digest('base64url');

function stamp(base: string, path: string): FileStamp {
  const full = join(base, path);
  const s = statSync(full);
  return { path, size: s.size, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs, sha256: sha256(full) };
}

/** Whether the files under `base` are exactly the stamped ones, each with its stamped content. */
function unchanged(base: string, paths: readonly string[], stamps: readonly FileStamp[]): boolean {
  if (paths.length !== stamps.length) return false;
  return stamps.every((was, i) => {
    if (paths[i] !== was.path) return false;
    const full = join(base, was.path);
    const now = statSync(full);
    if (now.size !== was.size) return false;
    if (now.mtimeMs === was.mtimeMs && now.ctimeMs === was.ctimeMs) return true;
    return sha256(full) === was.sha256;
  });
}

const terminologyDir = (roots: ContextRoots) => join(roots.root, 'terminology');

/** The stamps of every file the context of `roots` is compiled from: take them before compiling. */
export function stampInputs(roots: ContextRoots): InputStamps {
  const term = terminologyDir(roots);
  return {
    policies: listFiles(roots.policiesDir).map((p) => stamp(roots.policiesDir, p)),
    terminology: listFiles(term).map((p) => stamp(term, p)),
    code: codeFiles().map((p) => stamp(CODE_ROOT, p)),
  };
}

function inputsUnchanged(roots: ContextRoots, inputs: InputStamps): boolean {
  const term = terminologyDir(roots);
  return (
    unchanged(roots.policiesDir, listFiles(roots.policiesDir), inputs.policies) &&
    unchanged(term, listFiles(term), inputs.terminology) &&
    unchanged(CODE_ROOT, codeFiles(), inputs.code)
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
      // Compiled policies are deep-frozen wherever they come from (see deepFreeze).
      policySet: deepFreeze(payload.policySet),
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
