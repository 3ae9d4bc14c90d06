import { readFileSync } from 'node:fs';
import type { FactVocabulary } from '../../model/facts.js';
import { factsFromAnswers, isAnswerCode, type AnswerCode } from '../../questions/answers.js';
import { closest } from '../../model/suggest.js';
import { UsageError } from './exit-codes.js';

// `check --answers FILE`: answers to fact questions, as JSON `{ "<fact>": true|false }` or as a
// FHIR QuestionnaireResponse whose items are keyed by fact id (linkId) and answered with a Y, N
// or ASKU valueCoding. Read as plain JSON: no FHIR library.

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The facts the file gives, checked against the vocabulary; a mistake is a usage error (exit 2). */
export function readAnswersFile(file: string, vocabulary: FactVocabulary): Record<string, boolean> {
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    throw new UsageError(
      `cannot read --answers ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`--answers ${file} is not JSON: ${(e as Error).message}`);
  }
  const facts =
    isObject(data) && data.resourceType === 'QuestionnaireResponse'
      ? factsFromAnswers(answersOfResponse(data, file))
      : plainFacts(data, file);
  for (const fact of Object.keys(facts)) {
    if (vocabulary.get(fact)) continue;
    const guess = closest(fact, vocabulary.ids);
    throw new UsageError(
      `--answers ${file}: "${fact}" is not a fact a policy turns on${guess ? ` (did you mean "${guess}"?)` : ''}; facts are listed in policies/valuesets/facts.yaml`,
    );
  }
  return facts;
}

function plainFacts(data: unknown, file: string): Record<string, boolean> {
  if (!isObject(data)) {
    throw new UsageError(
      `--answers ${file} must be a JSON object { "<fact>": true | false } or a QuestionnaireResponse`,
    );
  }
  for (const [k, v] of Object.entries(data)) {
    if (typeof v !== 'boolean')
      throw new UsageError(
        `--answers ${file}: "${k}" must be true or false, not ${JSON.stringify(v)}`,
      );
  }
  return data as Record<string, boolean>;
}

/** Every answered item, nested ones included: linkId → Y, N or ASKU. */
function answersOfResponse(qr: Json, file: string): Record<string, AnswerCode> {
  const out: Record<string, AnswerCode> = {};
  const walk = (items: unknown, where: string) => {
    if (items === undefined) return;
    if (!Array.isArray(items))
      throw new UsageError(`--answers ${file}: ${where}.item must be an array`);
    items.forEach((item: unknown, i) => {
      const at = `${where}.item[${i}]`;
      if (!isObject(item) || typeof item.linkId !== 'string')
        throw new UsageError(`--answers ${file}: ${at} needs a linkId`);
      const answers = item.answer;
      if (answers !== undefined) {
        if (!Array.isArray(answers) || answers.length !== 1) {
          throw new UsageError(`--answers ${file}: ${at} (${item.linkId}) must have one answer`);
        }
        const a = answers[0] as unknown;
        const code = isObject(a) && isObject(a.valueCoding) ? a.valueCoding.code : undefined;
        if (!isAnswerCode(code)) {
          throw new UsageError(
            `--answers ${file}: ${at} (${item.linkId}) must be answered with a valueCoding Y, N or ASKU`,
          );
        }
        if (out[item.linkId] !== undefined && out[item.linkId] !== code) {
          throw new UsageError(
            `--answers ${file}: ${item.linkId} is answered twice, ${out[item.linkId]} and ${code}`,
          );
        }
        out[item.linkId] = code;
        for (const ans of answers as Json[]) walk(ans.item, `${at}.answer`);
      }
      walk(item.item, at);
    });
  };
  walk(qr.item, 'QuestionnaireResponse');
  return out;
}
