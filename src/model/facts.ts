// The facts of policies/valuesets/facts.yaml: yes/no questions beyond the request that a policy
// condition can turn on. Checked by hand, like bases.yaml, so a process that starts from the
// prebuilt context builds the vocabulary without loading a schema library.

/** Request fields a fact may spell (one value, two spellings): each is a yes/no field. */
export const FACT_REQUEST_FIELDS = [
  'medicarePrimary',
  'providerParticipating',
  'groupPolicy',
] as const;
export type FactRequestField = (typeof FACT_REQUEST_FIELDS)[number];

/** Who can answer the question (the DTR item's audience; only the provider's office today). */
export const FACT_AUDIENCES = ['admin'] as const;

/** At most this many facts in one request. */
export const MAX_REQUEST_FACTS = 32;

export interface FactEntry {
  id: string;
  question: string;
  /** What a yes means, in words ("primary Medicare covered the service"). */
  yesText: string;
  noText: string;
  audience: (typeof FACT_AUDIENCES)[number];
  /** The request field this fact is another spelling of. */
  requestField?: FactRequestField;
}

export interface FactsFile {
  description?: string;
  facts: FactEntry[];
}

export interface FactVocabulary {
  readonly list: readonly FactEntry[];
  readonly ids: readonly string[];
  get(id: string): FactEntry | undefined;
  /** The fact spelled by a request field, if any. */
  byRequestField(field: FactRequestField): FactEntry | undefined;
}

/** The pattern of a fact id: kebab-case. */
export const FACT_ID = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const KEYS = new Set(['id', 'question', 'yesText', 'noText', 'audience', 'requestField']);

/** Checks and indexes the file; throws naming the file and the entry on any fault. */
export function compileFacts(raw: unknown, file = 'policies/valuesets/facts.yaml'): FactVocabulary {
  const data = raw as Partial<FactsFile> | null;
  if (!data || typeof data !== 'object' || Array.isArray(data)) {
    throw new Error(`${file}: needs a mapping with a list "facts"`);
  }
  for (const k of Object.keys(data)) {
    if (k !== 'description' && k !== 'facts') throw new Error(`${file}: unknown key "${k}"`);
  }
  if (!Array.isArray(data.facts)) {
    throw new Error(
      `${file}: needs a list "facts" of { id, question, yesText, noText, audience, requestField? }`,
    );
  }
  const byId = new Map<string, FactEntry>();
  const byField = new Map<FactRequestField, FactEntry>();
  data.facts.forEach((f: Partial<FactEntry> | null, i) => {
    const at = `${file}: facts[${i}]`;
    if (!f || typeof f !== 'object' || Array.isArray(f)) throw new Error(`${at} is not a mapping`);
    for (const k of Object.keys(f)) if (!KEYS.has(k)) throw new Error(`${at}: unknown key "${k}"`);
    if (typeof f.id !== 'string' || !FACT_ID.test(f.id))
      throw new Error(`${at}: id must be kebab-case`);
    for (const k of ['question', 'yesText', 'noText'] as const) {
      const v = f[k];
      if (typeof v !== 'string' || v.trim().length < 3)
        throw new Error(`${at} (${f.id}): needs ${k}`);
    }
    if (!FACT_AUDIENCES.includes(f.audience as never)) {
      throw new Error(`${at} (${f.id}): audience must be one of ${FACT_AUDIENCES.join(', ')}`);
    }
    if (f.requestField !== undefined && !FACT_REQUEST_FIELDS.includes(f.requestField)) {
      throw new Error(
        `${at} (${f.id}): requestField must be one of ${FACT_REQUEST_FIELDS.join(', ')}`,
      );
    }
    if (byId.has(f.id)) throw new Error(`${at}: duplicate id "${f.id}"`);
    if (f.requestField !== undefined && byField.has(f.requestField)) {
      throw new Error(
        `${at} (${f.id}): ${f.requestField} is already spelled by "${byField.get(f.requestField)!.id}"`,
      );
    }
    const entry: FactEntry = Object.freeze({
      id: f.id,
      question: f.question!,
      yesText: f.yesText!,
      noText: f.noText!,
      audience: f.audience!,
      ...(f.requestField !== undefined ? { requestField: f.requestField } : {}),
    });
    byId.set(entry.id, entry);
    if (entry.requestField) byField.set(entry.requestField, entry);
  });
  const list = Object.freeze([...byId.values()]);
  return {
    list,
    ids: Object.freeze(list.map((f) => f.id)),
    get: (id) => byId.get(id),
    byRequestField: (field) => byField.get(field),
  };
}

/** A request's facts: a frozen record without a prototype (so no key is inherited). */
export type RequestFacts = Readonly<Record<string, boolean>>;

/** The facts of a request that gives none: one shared object, so every request has the field. */
export const NO_FACTS: RequestFacts = Object.freeze(Object.create(null) as Record<string, boolean>);

/** A request's facts as the validators build them. */
export function requestFacts(entries: Iterable<readonly [string, boolean]>): RequestFacts {
  const out = Object.create(null) as Record<string, boolean>;
  let any = false;
  for (const [k, v] of entries) {
    out[k] = v;
    any = true;
  }
  return any ? Object.freeze(out) : NO_FACTS;
}
