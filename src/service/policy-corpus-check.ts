import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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
