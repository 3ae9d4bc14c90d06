import type { DeterminationV1 } from '../model/determination.js';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { policiesDir } from '../package-root.js';

// The scenario corpus: policies/<payer>/<policy>.cases.yaml. One corpus, many runners (engine,
// CLI, and later HTTP and fuzz seeds). A case without an expectation or a citation fails to load.

export interface ScenarioExpect {
  outcome: string;
  basis?: string | null;
  /** For out-of-scope: which kind of non-answer (null: absent). */
  outOfScopeReason?: string | null;
  priorAuth?: string;
  version?: string | null;
  indication?: string | null;
  drug?: string | null;
  referTo?: string[];
  missing?: string[];
  /** Exactly the facts asked, in order (the `fact` of each question; [] for none). */
  questions?: string[];
  /** Exactly these warning codes (order ignored). */
  warnings?: string[];
  /** Notice kinds that must be present. */
  notices?: string[];
  /** Text the leading reasons must contain, in order: the first reason the first string, … */
  reasons?: string[];
  /** Text no reason, nor the quote it cites, may contain (words the policy does not say there). */
  reasonsNot?: string[];
}

export interface ScenarioCase {
  file: string;
  line: number;
  policy: string;
  name: string;
  cite: string;
  request: Record<string, unknown>;
  expect: ScenarioExpect;
}

/** What a request the validators must refuse is refused with. */
export interface ScenarioError {
  status: number;
  code: string;
  path: string;
  /** Text the problem's hint must contain, e.g. "did you mean 'ketamine'?". */
  hint?: string;
}

/** A case whose request is refused, not decided: `expect: { error: {...} }`. */
export interface RejectedScenarioCase extends Omit<ScenarioCase, 'expect'> {
  expect: { error: ScenarioError };
}

const EXPECT_KEYS = new Set([
  'outcome',
  'basis',
  'outOfScopeReason',
  'priorAuth',
  'version',
  'indication',
  'drug',
  'referTo',
  'missing',
  'questions',
  'warnings',
  'notices',
  'reasons',
  'reasonsNot',
]);
const ERROR_KEYS = new Set(['status', 'code', 'path', 'hint']);

/** The decided cases: every runner (engine, CLI, HTTP, fuzz seeds, benchmarks) decides these. */
export function loadScenarioCases(dir = policiesDir()): ScenarioCase[] {
  return loadAllCases(dir).filter((c): c is ScenarioCase => !('error' in c.expect));
}

/** The cases whose request must be refused (an unknown drug name), with what it is refused with. */
export function loadRejectedScenarioCases(dir = policiesDir()): RejectedScenarioCase[] {
  return loadAllCases(dir).filter((c): c is RejectedScenarioCase => 'error' in c.expect);
}

function loadAllCases(dir: string): (ScenarioCase | RejectedScenarioCase)[] {
  const out: (ScenarioCase | RejectedScenarioCase)[] = [];
  for (const sub of readdirSync(dir).sort()) {
    const subdir = join(dir, sub);
    if (!statSync(subdir).isDirectory()) continue;
    for (const name of readdirSync(subdir).sort()) {
      if (name.endsWith('.cases.yaml'))
        out.push(
          ...parseCases(
            `policies/${relative(dir, join(subdir, name)).split(sep).join('/')}`,
            readFileSync(join(subdir, name), 'utf8'),
          ),
        );
    }
  }
  return out;
}

export function parseCases(file: string, text: string): (ScenarioCase | RejectedScenarioCase)[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]!.message}`);
  const data = doc.toJS() as {
    policy?: string;
    defaults?: { request?: Record<string, unknown> };
    cases?: unknown[];
  };
  if (typeof data.policy !== 'string' || !Array.isArray(data.cases))
    throw new Error(`${file}: needs "policy" and a list of "cases"`);
  return data.cases.map((raw, i) => {
    const node = doc.getIn(['cases', i], true) as { range?: [number, number, number] } | undefined;
    const line = node?.range ? lineCounter.linePos(node.range[0]).line : 0;
    const c = raw as Partial<ScenarioCase>;
    const where = `${file}:${line}`;
    if (typeof c.name !== 'string') throw new Error(`${where}: a case needs a name`);
    if (typeof c.cite !== 'string' || c.cite.length < 5)
      throw new Error(`${where}: "${c.name}" needs a cite: the source sentence that justifies it`);
    const error = (c.expect as { error?: Partial<ScenarioError> } | undefined)?.error;
    if (error !== undefined) {
      if (Object.keys(c.expect!).length !== 1)
        throw new Error(`${where}: "${c.name}" expects an error and nothing else`);
      for (const k of Object.keys(error))
        if (!ERROR_KEYS.has(k)) throw new Error(`${where}: unknown expect.error key "${k}"`);
      if (
        typeof error.status !== 'number' ||
        typeof error.code !== 'string' ||
        typeof error.path !== 'string'
      )
        throw new Error(`${where}: "${c.name}" needs expect.error status, code and path`);
    } else {
      if (!c.expect || typeof c.expect.outcome !== 'string')
        throw new Error(`${where}: "${c.name}" needs expect.outcome`);
      for (const k of Object.keys(c.expect))
        if (!EXPECT_KEYS.has(k)) throw new Error(`${where}: unknown expect key "${k}"`);
    }
    // Defaults are merged in; a null in the case removes a default field.
    const merged: Record<string, unknown> = {
      ...(data.defaults?.request ?? {}),
      ...(c.request ?? {}),
    };
    for (const [k, v] of Object.entries(merged)) if (v === null) delete merged[k];
    return {
      file,
      line,
      policy: data.policy!,
      name: c.name,
      cite: c.cite,
      request: merged,
      expect: c.expect!,
    } as ScenarioCase | RejectedScenarioCase;
  });
}

/** Compares only what the case states; absent keys are not checked, null means "absent". */
export function caseMismatches(c: ScenarioCase, d: DeterminationV1): string[] {
  const e = c.expect;
  const problems: string[] = [];
  const eq = (label: string, expected: unknown, actual: unknown) => {
    if (expected === undefined) return;
    if (JSON.stringify(expected ?? undefined) !== JSON.stringify(actual))
      problems.push(
        `${label}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`,
      );
  };
  eq('outcome', e.outcome, d.outcome);
  eq('basis', e.basis, d.basis);
  eq('outOfScopeReason', e.outOfScopeReason, d.outOfScopeReason);
  eq('priorAuth', e.priorAuth, d.priorAuth);
  eq('version', e.version, d.policy?.version);
  eq('indication', e.indication, d.indication);
  eq('drug', e.drug, d.drug);
  eq('referTo', e.referTo, d.referTo);
  eq('missing', e.missing, d.missing);
  eq(
    'questions',
    e.questions,
    (d.questions ?? []).map((q) => q.fact),
  );
  if (e.warnings)
    eq('warnings', [...e.warnings].sort(), [...new Set(d.warnings.map((w) => w.code))].sort());
  for (const kind of e.notices ?? [])
    if (!d.notices.some((n) => n.kind === kind)) problems.push(`notices: no ${kind} notice`);
  (e.reasons ?? []).forEach((text, i) => {
    const actual = d.reasons[i]?.text;
    if (!actual?.includes(text))
      problems.push(
        `reasons[${i}]: expected text containing ${JSON.stringify(text)}, got ${JSON.stringify(actual)}`,
      );
  });
  for (const text of e.reasonsNot ?? []) {
    const hit = d.reasons.find(
      (r) => r.text.includes(text) || (r.citation?.quote ?? '').includes(text),
    );
    if (hit)
      problems.push(
        `reasons: ${JSON.stringify(hit.text)} (quoting ${JSON.stringify(hit.citation?.quote)}) says ${JSON.stringify(text)}`,
      );
  }
  return problems;
}

/** Where a refused request's error differs from the case's expectation. */
export function rejectionMismatches(
  c: RejectedScenarioCase,
  error: { status: number; code: string; path: string; hint?: string | undefined },
): string[] {
  const e = c.expect.error;
  const problems: string[] = [];
  if (error.status !== e.status) problems.push(`status: expected ${e.status}, got ${error.status}`);
  if (error.code !== e.code) problems.push(`code: expected ${e.code}, got ${error.code}`);
  if (error.path !== e.path) problems.push(`path: expected ${e.path}, got ${error.path}`);
  if (e.hint !== undefined && !(error.hint ?? '').includes(e.hint))
    problems.push(
      `hint: expected it to contain ${JSON.stringify(e.hint)}, got ${JSON.stringify(error.hint)}`,
    );
  return problems;
}
