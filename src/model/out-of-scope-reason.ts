// Why an `out-of-scope` determination gives no verdict. The contract's outcome stays
// `out-of-scope`; this names which of its very different situations it is, because a prior-auth
// desk reads a bare "out of scope" as "not restricted", and only some of these mean that.
// Every surface (CLI table, web UI, screening report, CRD cards) shows the words below.

export const OUT_OF_SCOPE_REASONS = [
  'refers-elsewhere',
  'product-not-governed',
  'excluded-use',
  'not-addressed',
  'no-version-in-force',
  'version-text-unavailable',
  'code-set-does-not-cover-date',
] as const;
export type OutOfScopeReason = (typeof OUT_OF_SCOPE_REASONS)[number];

export interface OutOfScopeWords {
  /** A few words, for table cells and badges. */
  label: string;
  /** One sentence, for legends, cards and reports. */
  meaning: string;
}

export const OUT_OF_SCOPE_WORDS: Readonly<Record<OutOfScopeReason, OutOfScopeWords>> = {
  'refers-elsewhere': {
    label: 'refers elsewhere',
    meaning: 'The policy sends this case to another policy (referTo names it); that one decides.',
  },
  'product-not-governed': {
    label: 'product not governed',
    meaning: "The member's product (line of business or plan type) is not one this policy governs.",
  },
  'excluded-use': {
    label: 'excluded use',
    meaning: 'The policy says this use is outside it (e.g. terminal cancer pain).',
  },
  'not-addressed': {
    label: 'not addressed',
    meaning: 'The policy never mentions this drug, route or indication.',
  },
  'no-version-in-force': {
    label: 'no version in force',
    meaning: 'No version of the policy was in force on the date of service.',
  },
  'version-text-unavailable': {
    label: 'version text unavailable',
    meaning:
      'A version was in force on that date, but its text is not in the source: no verdict is borrowed.',
  },
  'code-set-does-not-cover-date': {
    label: 'code set does not cover the date',
    meaning:
      'The ICD-10-CM release in use does not cover the date of service, so the diagnosis cannot be read for it.',
  },
};

export function outOfScopeLabel(kind: string | undefined): string {
  return kind ? (OUT_OF_SCOPE_WORDS[kind as OutOfScopeReason]?.label ?? kind) : '';
}

export function outOfScopeMeaning(kind: string | undefined): string {
  return kind ? (OUT_OF_SCOPE_WORDS[kind as OutOfScopeReason]?.meaning ?? kind) : '';
}
