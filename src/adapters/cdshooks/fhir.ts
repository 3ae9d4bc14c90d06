// Small, total helpers over untrusted FHIR JSON: every accessor tolerates any input shape.

/** The few FHIR R4 shapes read here; everything else stays untyped JSON. */
export interface Coding {
  system?: string;
  code?: string;
  display?: string;
}
export interface Resource {
  resourceType: string;
  id?: string;
}

export type Json = Record<string, unknown>;

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function isResource(v: unknown): v is Resource & Json {
  return isObject(v) && typeof v['resourceType'] === 'string';
}

export function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/** Every Coding of a CodeableConcept (or of a list of them), skipping malformed entries. */
export function codings(cc: unknown): Coding[] {
  const out: Coding[] = [];
  for (const c of asArray(cc)) {
    if (!isObject(c)) continue;
    for (const coding of asArray(c['coding']))
      if (isObject(coding) && typeof (coding as Coding).code === 'string')
        out.push(coding as Coding);
  }
  return out;
}

/** The human text of a CodeableConcept: its text, then its codings' displays. */
export function conceptTexts(cc: unknown): string[] {
  const out: string[] = [];
  for (const c of asArray(cc)) {
    if (!isObject(c)) continue;
    const text = str(c['text']);
    if (text) out.push(text);
    for (const coding of codings(c)) if (coding.display) out.push(coding.display);
  }
  return out;
}

/** "Type/id" from a reference (relative, absolute or versioned), or undefined. */
export function refKey(ref: unknown): string | undefined {
  const r = isObject(ref) ? str(ref['reference']) : str(ref);
  if (!r || r.startsWith('#')) return undefined;
  const m = /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(r);
  return m ? `${m[1]}/${m[2]}` : undefined;
}

export function resourceKey(r: unknown): string | undefined {
  if (!isResource(r)) return undefined;
  const id = str(r['id']);
  return id ? `${r.resourceType}/${id}` : undefined;
}

/** Resources in a prefetch value: a resource, a Bundle of them, or nothing (null / OperationOutcome). */
export function resourcesIn(v: unknown): (Resource & Json)[] {
  if (!isResource(v)) return [];
  if (v.resourceType === 'Bundle')
    return asArray(v['entry'])
      .map((e) => (isObject(e) ? e['resource'] : undefined))
      .filter(isResource);
  if (v.resourceType === 'OperationOutcome') return [];
  return [v];
}

/** A date (YYYY-MM-DD) from a FHIR date or dateTime, if it is one. */
export function datePart(v: unknown): string | undefined {
  const s = str(v);
  const m = s ? /^(\d{4}-\d{2}-\d{2})/.exec(s) : null;
  return m ? m[1] : undefined;
}

/** Lower-case words only, so names match regardless of punctuation ("Blue Cross & Blue Shield"). */
export function words(s: string): string {
  return ` ${s
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()} `;
}

/** `needle` occurs in `hay` as whole words. */
export function containsWords(hay: string, needle: string): boolean {
  const n = words(needle);
  return n.trim().length > 0 && words(hay).includes(n);
}
