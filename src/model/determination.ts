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
}

export interface TraceStepV1 {
  step: string;
  detail: string;
}
