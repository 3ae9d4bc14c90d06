// Words and signs for the contract's values: every colour in the UI also has its text and symbol.
import { outOfScopeLabel } from '../model/out-of-scope-reason.js';
import { bases } from 'virtual:valuesets';
import type { Outcome, PriorAuth } from '../model/vocabulary.js';

export { OUT_OF_SCOPE_WORDS, outOfScopeLabel } from '../model/out-of-scope-reason.js';

export const OUTCOME_LABEL: Record<Outcome, string> = {
  covered: 'Covered',
  'not-covered': 'Not covered',
  conditional: 'Conditional',
  'out-of-scope': 'Out of scope',
  'needs-info': 'Needs info',
};

/** A shape per outcome, so the matrix reads the same in greyscale. */
const OUTCOME_SIGN: Record<Outcome, string> = {
  covered: '✓',
  'not-covered': '✕',
  conditional: '◐',
  'out-of-scope': '–',
  'needs-info': '?',
};

// The words for each basis are data (policies/valuesets/bases.yaml, read at build time).
const BASIS_LABEL: ReadonlyMap<string, string> = new Map(bases.map((b) => [b.id, b.label]));

const PRIOR_AUTH_LABEL: Record<PriorAuth, string> = {
  required: 'PA required',
  'not-required': 'no PA',
  'not-applicable': 'PA n/a',
  conditional: 'PA conditional',
};

export function outcomeLabel(o: string): string {
  return OUTCOME_LABEL[o as Outcome] ?? o;
}
export function basisLabel(b: string | undefined): string {
  return b ? (BASIS_LABEL.get(b) ?? b) : '';
}
export function priorAuthLabel(p: string): string {
  return PRIOR_AUTH_LABEL[p as PriorAuth] ?? p;
}
export function outcomeSign(o: string): string {
  return OUTCOME_SIGN[o as Outcome] ?? '';
}

/**
 * "Not covered · investigational", "Out of scope · refers elsewhere": the outcome and its basis,
 * or which kind of non-answer, as one phrase.
 */
export function outcomePhrase(d: {
  outcome: string;
  basis?: string | undefined;
  outOfScopeReason?: string | undefined;
}): string {
  const b = basisLabel(d.basis) || outOfScopeLabel(d.outOfScopeReason);
  return b ? `${outcomeLabel(d.outcome)} · ${b}` : outcomeLabel(d.outcome);
}
