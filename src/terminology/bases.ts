// The bases of policies/valuesets/bases.yaml: data, so a payer-defined basis is a row, not code.

/** One basis: its id and the words each surface shows for it. */
export interface BasisEntry {
  id: string;
  /** Short words: tables, the web UI, screening. */
  label: string;
  /** How CRD cards and PAS notes say it. */
  phrase: string;
  /** The reason sentence of a conditional product rule with this basis. */
  reason?: string;
}

export interface BasesFile {
  description?: string;
  bases: BasisEntry[];
}

export interface Bases {
  readonly list: readonly BasisEntry[];
  readonly ids: readonly string[];
  get(id: string): BasisEntry | undefined;
  /** The card/note phrase of a basis; its id with spaces for one the file does not list. */
  phrase(id: string): string;
  /** The short label of a basis; its id for one the file does not list. */
  label(id: string): string;
}

/** The bases a statement's verdict gives: the file must keep them. */
export const VERDICT_BASES = ['investigational', 'not-medically-necessary', 'not-covered'] as const;

const ID = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** Checks and indexes the file; throws naming the file and the entry on any fault. */
export function compileBases(raw: unknown, file = 'policies/valuesets/bases.yaml'): Bases {
  const data = raw as Partial<BasesFile> | null;
  if (!data || typeof data !== 'object' || !Array.isArray(data.bases)) {
    throw new Error(`${file}: needs a list "bases" of { id, label, phrase, reason? }`);
  }
  const byId = new Map<string, BasisEntry>();
  data.bases.forEach((b: Partial<BasisEntry> | null, i) => {
    const at = `${file}: bases[${i}]`;
    if (!b || typeof b !== 'object') throw new Error(`${at} is not a mapping`);
    for (const k of Object.keys(b)) {
      if (!['id', 'label', 'phrase', 'reason'].includes(k))
        throw new Error(`${at}: unknown key "${k}"`);
    }
    if (typeof b.id !== 'string' || !ID.test(b.id)) throw new Error(`${at}: id must be kebab-case`);
    if (typeof b.label !== 'string' || !b.label) throw new Error(`${at} (${b.id}): needs a label`);
    if (typeof b.phrase !== 'string' || !b.phrase)
      throw new Error(`${at} (${b.id}): needs a phrase`);
    if (b.reason !== undefined && (typeof b.reason !== 'string' || !b.reason)) {
      throw new Error(`${at} (${b.id}): reason must be text`);
    }
    if (byId.has(b.id)) throw new Error(`${at}: duplicate id "${b.id}"`);
    byId.set(b.id, {
      id: b.id,
      label: b.label,
      phrase: b.phrase,
      ...(b.reason ? { reason: b.reason } : {}),
    });
  });
  for (const v of VERDICT_BASES) {
    if (!byId.has(v)) throw new Error(`${file}: must list "${v}" (a statement's verdict gives it)`);
  }
  const list = [...byId.values()];
  return {
    list,
    ids: list.map((b) => b.id),
    get: (id) => byId.get(id),
    phrase: (id) => byId.get(id)?.phrase ?? id.replace(/-/g, ' '),
    label: (id) => byId.get(id)?.label ?? id,
  };
}
