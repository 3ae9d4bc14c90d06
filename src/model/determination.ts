import type { OutOfScopeReason } from './out-of-scope-reason.js';
import type { Basis, Outcome, PriorAuth } from './vocabulary.js';

export interface CitationV1 {
  /** Repository path of the source document, with the line the quote starts on. */
  source: string;
  /** Verbatim text from the source. */
  quote: string;
  line: number;
}

export interface ReasonV1 {
  text: string;
  citation?: CitationV1;
  /** The rule in the policy file that produced this reason, e.g. "statement:chronic-pain". */
  rule?: string;
}

export interface WarningV1 {
  code: string;
  message: string;
  /** The code or field the warning is about. */
  subject?: string;
}

export interface PolicyRefV1 {
  id: string;
  title: string;
  number?: string;
  version: string;
  effectiveFrom: string;
  effectiveTo?: string;
}

export interface NoticeV1 {
  kind: 'member-liability' | 'benefit' | 'administrative' | 'coding';
  text: string;
  citation: CitationV1;
}

export interface DeterminationV1 {
  outcome: Outcome;
  basis?: Basis | undefined;
  /** For `out-of-scope` only: which kind of non-answer it is. */
  outOfScopeReason?: OutOfScopeReason | undefined;
  priorAuth: PriorAuth;
  payer: string;
  policy?: PolicyRefV1 | undefined;
  indication?: string | undefined;
  drug?: string | undefined;
  route?: string | undefined;
  referTo: readonly string[];
  reasons: readonly ReasonV1[];
  missing: readonly string[];
  warnings: WarningV1[];
  notices: readonly NoticeV1[];
  /** Content hash of the compiled policy set that decided this. */
  revision: string;
  trace?: TraceStepV1[] | undefined;
  /**
   * The facts beyond the request that coverage still turns on, in the order the policy's
   * conditions need them; each `id` is also in `missing`. Absent when none.
   */
  questions?: readonly QuestionV1[] | undefined;
  /** The facts the decision used, as the request gave them. Absent when none. */
  facts?: Readonly<Record<string, boolean>> | undefined;
}

/**
 * A yes/no fact a policy sentence makes coverage turn on (issue #19): the CLI, the web UI and the
 * DTR questionnaire all ask it in these words, with the sentence that makes it matter.
 */
export interface QuestionV1 {
  /** The entry in `missing`: `facts.<fact>`. */
  id: string;
  /** The fact's id in policies/valuesets/facts.yaml, e.g. "primary-medicare-covered". */
  fact: string;
  /** The question as asked. */
  text: string;
  /** What a yes and a no mean, in words ("primary Medicare covered the service"). */
  answers: { yes: string; no: string };
  /** The policy's words that make the fact matter, with their citation. */
  reason: ReasonV1;
  /** The rule that waits on the fact, e.g. "product:bcn65-medicare-complementary". */
  rule: string;
}

export interface TraceStepV1 {
  step: string;
  detail: string;
}
