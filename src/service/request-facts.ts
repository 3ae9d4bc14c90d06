import {
  MAX_REQUEST_FACTS,
  NO_FACTS,
  type FactVocabulary,
  type RequestFacts,
} from '../model/facts.js';
import { problem, type Problem } from '../model/problem.js';
import { closest } from '../model/suggest.js';

// A request's `facts`, for both validators: the fast path accepts them with plain checks, the
// full one names what is wrong. Facts that spell a request field (facts.yaml `requestField`) are
// folded into that field by the caller, which knows whether the field was given.

/** The request fields a fact may spell, as the request gave them (undefined: not given). */
export interface AliasFields {
  medicarePrimary: boolean | undefined;
  providerParticipating: boolean | undefined;
  groupPolicy: boolean | undefined;
}

/** The facts, when plain checks prove them valid; undefined for anything else. */
export function acceptFacts(v: unknown, vocabulary: FactVocabulary): RequestFacts | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  if (Object.getPrototypeOf(v) !== Object.prototype) return undefined;
  const r = v as Record<string, unknown>;
  let out: Record<string, boolean> | undefined;
  let n = 0;
  for (const k in r) {
    if (!Object.prototype.hasOwnProperty.call(r, k)) return undefined;
    const value = r[k];
    if (typeof value !== 'boolean' || vocabulary.get(k) === undefined) return undefined;
    if (++n > MAX_REQUEST_FACTS) return undefined;
    (out ??= Object.create(null) as Record<string, boolean>)[k] = value;
  }
  return out ? Object.freeze(out) : NO_FACTS;
}

/**
 * Folds the facts that spell request fields into `fields`; false when one disagrees with its
 * field as the request gave it.
 */
export function foldAliases(
  facts: RequestFacts,
  vocabulary: FactVocabulary,
  fields: AliasFields,
): boolean {
  if (facts === NO_FACTS) return true;
  for (const entry of vocabulary.list) {
    const field = entry.requestField;
    if (field === undefined) continue;
    const value = facts[entry.id];
    if (value === undefined) continue;
    const given = fields[field];
    if (given !== undefined && given !== value) return false;
    fields[field] = value;
  }
  return true;
}

const pointer = (key: string) => `/facts/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;

/** What is wrong with a request's facts beyond what the schema says (unknown ids, conflicts). */
export function factProblems(
  v: unknown,
  vocabulary: FactVocabulary,
  fields: AliasFields,
): Problem[] {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return [];
  const problems: Problem[] = [];
  for (const [k, value] of Object.entries(v as Record<string, unknown>)) {
    const entry = vocabulary.get(k);
    if (!entry) {
      const guess = closest(k, vocabulary.ids);
      problems.push(
        problem(
          'unknown-fact',
          `'${k.length > 64 ? `${k.slice(0, 64)}…` : k}' is not a fact a policy turns on`,
          pointer(k),
          `${guess ? `did you mean '${guess}'? ` : ''}facts are listed in policies/valuesets/facts.yaml: ${vocabulary.ids.join(', ')}`,
        ),
      );
      continue;
    }
    const field = entry.requestField;
    if (field === undefined || typeof value !== 'boolean') continue;
    const given = fields[field];
    if (given !== undefined && given !== value) {
      problems.push(
        problem(
          'conflicting-fact',
          `facts.${k} is ${value} but ${field} is ${given}: they are the same thing`,
          pointer(k),
          `give ${field} alone, or facts.${k} alone`,
        ),
      );
    }
  }
  return problems;
}
