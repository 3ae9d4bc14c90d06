declare module 'virtual:valuesets' {
  export interface IndicationFamily {
    id: string;
    label: string;
    parent?: string;
    /** ICD-10-CM matches: a code prefix or a range of categories (F20-F29). */
    codes: string[];
  }
  export const families: IndicationFamily[];
  export const drugs: { id: string; label: string }[];
  /** policies/valuesets/bases.yaml: each basis and its short words. */
  export const bases: { id: string; label: string }[];
}
