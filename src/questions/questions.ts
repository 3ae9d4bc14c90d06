import type { CompiledVersion } from '../model/compiled-policy.js';
import type { QuestionV1 } from '../model/determination.js';

// The questions a policy version can ask: what a questionnaire generator (DTR), a standard form
// and the CLI build on. Pure data from the compiled version, no FHIR.

/** One product rule that turns on facts, with its questions in the order the engine asks them. */
export interface RuleQuestions {
  /** The rule, as reasons name it: "product:bcn65-medicare-complementary". */
  readonly rule: string;
  readonly questions: readonly QuestionV1[];
}

/** The version's fact rules in policy order; empty when it asks nothing. */
export function questionsOfVersion(version: CompiledVersion): RuleQuestions[] {
  const out: RuleQuestions[] = [];
  for (const r of version.productRules) {
    if (!r.facts || r.facts.length === 0) continue;
    out.push({ rule: `product:${r.id}`, questions: r.facts.map((f) => f.question) });
  }
  return out;
}
