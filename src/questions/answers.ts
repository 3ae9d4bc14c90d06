// Answers to fact questions as forms carry them, and facts as requests carry them. A form
// answers Y, N or ASKU ("asked but unknown", HL7 NullFlavor): ASKU is no answer, so the fact
// stays unknown and is asked again. Pure: no FHIR, no I/O.

export type AnswerCode = 'Y' | 'N' | 'ASKU';
export const ANSWER_CODES: readonly AnswerCode[] = ['Y', 'N', 'ASKU'];

export const isAnswerCode = (v: unknown): v is AnswerCode => v === 'Y' || v === 'N' || v === 'ASKU';

/** Facts from answers: Y is true, N false; ASKU gives no fact. */
export function factsFromAnswers(
  answers: Readonly<Record<string, AnswerCode>>,
): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (const [fact, code] of Object.entries(answers)) {
    if (code === 'Y') out[fact] = true;
    else if (code === 'N') out[fact] = false;
  }
  return out;
}

/** Answers from facts (a form pre-filled from what a request already gave). */
export function answersFromFacts(
  facts: Readonly<Record<string, boolean>>,
): Record<string, AnswerCode> {
  const out: Record<string, AnswerCode> = {};
  for (const [fact, value] of Object.entries(facts)) out[fact] = value ? 'Y' : 'N';
  return out;
}

/** Facts from one place (a request, an answers file, a QuestionnaireResponse), named for messages. */
export interface FactSource {
  readonly name: string;
  readonly facts: Readonly<Record<string, boolean>>;
}

export interface FactConflict {
  readonly fact: string;
  /** Every source that gives the fact, with its value. */
  readonly values: readonly { source: string; value: boolean }[];
}

export type MergedFacts =
  { ok: true; facts: Record<string, boolean> } | { ok: false; conflicts: FactConflict[] };

/**
 * The facts of every source together. A fact given twice with the same value is one fact; given
 * true by one source and false by another, it is a conflict, never a choice.
 */
export function mergeFacts(sources: readonly FactSource[]): MergedFacts {
  const facts: Record<string, boolean> = {};
  const from = new Map<string, { source: string; value: boolean }[]>();
  for (const s of sources) {
    for (const [fact, value] of Object.entries(s.facts)) {
      const seen = from.get(fact);
      if (seen) seen.push({ source: s.name, value });
      else from.set(fact, [{ source: s.name, value }]);
      facts[fact] ??= value;
    }
  }
  const conflicts: FactConflict[] = [];
  for (const [fact, values] of from)
    if (values.some((v) => v.value !== values[0]!.value)) conflicts.push({ fact, values });
  return conflicts.length > 0 ? { ok: false, conflicts } : { ok: true, facts };
}

/** A conflict in words: "primary-medicare-covered is yes in answers.json but no in the request". */
export function describeConflict(c: FactConflict): string {
  return `${c.fact} is ${c.values.map((v) => `${v.value ? 'yes' : 'no'} in ${v.source}`).join(' but ')}`;
}
