import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, sep } from 'node:path';
import type { TerminologyOptions } from '../terminology/terminology-options.js';
import type { DecisionContext } from './load-context.js';

// A policy corpus as a publishable unit: every file of a policies directory (payer folders with
// their cases, sources/, valuesets/, crd-coverage-map.yaml) as path and text. What is published
// is these files, not a compiled artifact: any instance recompiles them with its own code and
// terminology, and serves them only when the result's revision is the one published.

/** One file of a corpus, by its path under the policies directory ('/'-separated). */
export interface CorpusFile {
  path: string;
  text: string;
}

/** Every file under `dir` (hidden ones aside), sorted by path. */
export function readCorpusFiles(dir: string): CorpusFile[] {
  const out: CorpusFile[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      if (name.startsWith('.')) continue;
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else
        out.push({
          path: relative(dir, full).split(sep).join('/'),
          text: readFileSync(full, 'utf8'),
        });
    }
  };
  walk(dir);
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Writes a corpus's files into a new directory of their own and returns it. */
export function writeCorpusFiles(files: readonly CorpusFile[], label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `medpolicy-revision-${label.replace(/[^\w-]/g, '')}-`));
  for (const f of files) {
    if (f.path.split('/').some((part) => part === '..' || part === '') || f.path.startsWith('/'))
      throw new Error(`corpus file path '${f.path}' leaves its directory`);
    const target = join(dir, ...f.path.split('/'));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, f.text);
  }
  return dir;
}

/**
 * The context of a published revision, compiled from its files with this instance's code sets.
 * Throws when they do not compile here or compile to another revision (other code sets, other
 * code): the instance then keeps what it serves.
 */
export async function contextOfRevision(
  revision: string,
  files: readonly CorpusFile[],
  opts: TerminologyOptions,
): Promise<DecisionContext> {
  // The compiler is loaded only when a revision is compiled: serve starts without it.
  const { compileContext } = await import('./load-context.js');
  const dir = writeCorpusFiles(files, revision);
  try {
    const context = compileContext({ ...opts, policiesDir: dir });
    if (context.policySet.revision !== revision)
      throw new Error(
        `published revision ${revision} compiles here to revision ${context.policySet.revision}`,
      );
    return context;
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/**
 * Removes the files a published revision's context was compiled from, once requests that read
 * the context before it was replaced (a policy's source text) have had time to finish.
 */
export function discardRevisionFiles(ctx: DecisionContext, afterMs: number): void {
  const dir = ctx.policiesDir;
  if (!dir || dirname(dir) !== tmpdir() || !/^medpolicy-revision-/.test(basename(dir))) return;
  const remove = () => rmSync(dir, { recursive: true, force: true });
  if (afterMs <= 0) remove();
  else setTimeout(remove, afterMs).unref();
}
