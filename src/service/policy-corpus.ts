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
import { PolicySetError } from '../policies/compile-policy-set.js';
import { indexSource, locateQuote, type SourceText } from '../policies/quote-locator.js';
import {
  caseMismatches,
  loadRejectedScenarioCases,
  loadScenarioCases,
  rejectionMismatches,
} from '../policies/scenario-cases.js';
import type { TerminologyOptions } from '../terminology/terminology-options.js';
import { decideRequest } from './decide-request.js';
import { compileContext, type DecisionContext } from './load-context.js';

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

export type CorpusCheck =
  { ok: true; context: DecisionContext; cases: number } | { ok: false; problems: string[] };

/**
 * What publishing requires of a corpus: it compiles with these code sets, and every one of its
 * own scenario cases (decided and refused) answers as the case expects, citing its source.
 */
export function checkCorpus(policiesDir: string, opts: TerminologyOptions): CorpusCheck {
  let context: DecisionContext;
  try {
    context = compileContext({ ...opts, policiesDir });
  } catch (e) {
    const problems =
      e instanceof PolicySetError
        ? e.problems.map((p) => `${p.file}${p.line ? `:${p.line}` : ''}: ${p.code}: ${p.message}`)
        : [`does not compile: ${(e as Error).message}`];
    return { ok: false, problems };
  }
  const problems: string[] = [];
  let decided, refused;
  try {
    decided = loadScenarioCases(policiesDir);
    refused = loadRejectedScenarioCases(policiesDir);
  } catch (e) {
    return { ok: false, problems: [`scenario cases: ${(e as Error).message}`] };
  }
  const citeProblem = citeChecker(context, policiesDir);
  for (const c of decided) {
    const where = `${c.file}:${c.line} "${c.name}"`;
    const cite = citeProblem(c);
    if (cite) problems.push(`${where}: ${cite}`);
    const r = decideRequest(c.request, context);
    if (!r.ok)
      problems.push(`${where}: request refused (${r.error.error.code} at ${r.error.error.path})`);
    else for (const m of caseMismatches(c, r.determination)) problems.push(`${where}: ${m}`);
  }
  for (const c of refused) {
    const where = `${c.file}:${c.line} "${c.name}"`;
    const cite = citeProblem(c);
    if (cite) problems.push(`${where}: ${cite}`);
    const r = decideRequest(c.request, context);
    if (r.ok) problems.push(`${where}: decided (${r.determination.outcome}), expected a refusal`);
    else for (const m of rejectionMismatches(c, r.error.error)) problems.push(`${where}: ${m}`);
  }
  if (decided.length + refused.length === 0) problems.push('the corpus has no scenario cases');
  return problems.length > 0
    ? { ok: false, problems }
    : { ok: true, context, cases: decided.length + refused.length };
}

/** A case's cite must occur in its policy's source document, as the corpus tests require. */
function citeChecker(context: DecisionContext, policiesDir: string) {
  const sourcePaths = new Map(context.policySet.policies.map((p) => [p.id, p.sourcePath]));
  const indexed = new Map<string, SourceText>();
  return (c: { policy: string; cite: string }): string | undefined => {
    const sourcePath = sourcePaths.get(c.policy);
    if (!sourcePath) return `no policy has id '${c.policy}'`;
    let source = indexed.get(sourcePath);
    if (!source) {
      const text = readFileSync(join(policiesDir, sourcePath.replace(/^policies\//, '')), 'utf8');
      indexed.set(sourcePath, (source = indexSource(sourcePath, text)));
    }
    return locateQuote(source, c.cite) === undefined
      ? `cite not found in ${sourcePath}`
      : undefined;
  };
}

/**
 * The context of a published revision, compiled from its files with this instance's code sets.
 * Throws when they do not compile here or compile to another revision (other code sets, other
 * code): the instance then keeps what it serves.
 */
export function contextOfRevision(
  revision: string,
  files: readonly CorpusFile[],
  opts: TerminologyOptions,
): DecisionContext {
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
