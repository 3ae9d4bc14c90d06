import type { CodeRecord, CodeSystemId } from '../terminology/code-system.js';
import { windowOn } from '../terminology/code-system.js';
import {
  classifyProcedureCode,
  displayIcd10cm,
  normalizeIcd10cm,
} from '../terminology/code-format.js';
import type { Terminology } from '../terminology/terminology.js';

export const CODE_SYSTEMS: readonly CodeSystemId[] = ['icd10cm', 'hcpcs', 'cpt'];

export interface CodeViewV1 {
  system: CodeSystemId;
  code: string;
  display: string;
  drug?: string | undefined;
  routes?: readonly string[] | undefined;
  windows: readonly { from: string; to?: string | undefined; billable: boolean }[];
  /** Status on the asked date: billable, header (not billable), or not valid that day. */
  on?: { date: string; status: 'billable' | 'header' | 'not-valid' } | undefined;
}

export type CodeLookup =
  { ok: true; code: CodeViewV1 } | { ok: false; reason: 'malformed' | 'unknown'; detail: string };

/** The key a code system files a code under, or undefined when the text is not such a code. */
function codeKey(id: CodeSystemId, text: string): string | undefined {
  if (id === 'icd10cm') return normalizeIcd10cm(text);
  const c = classifyProcedureCode(text);
  return c?.system === id ? c.code : undefined;
}

function view(id: CodeSystemId, r: CodeRecord, date?: string): CodeViewV1 {
  const v: CodeViewV1 = {
    system: id,
    code: id === 'icd10cm' ? displayIcd10cm(r.code) : r.code,
    display: r.display,
    windows: r.windows,
  };
  if (r.drug) v.drug = r.drug;
  if (r.routes) v.routes = r.routes;
  if (date) {
    const w = windowOn(r, date);
    v.on = { date, status: !w ? 'not-valid' : w.billable ? 'billable' : 'header' };
  }
  return v;
}

export function lookupCode(
  t: Terminology,
  id: CodeSystemId,
  text: string,
  date?: string,
): CodeLookup {
  const key = codeKey(id, text);
  if (!key) {
    return { ok: false, reason: 'malformed', detail: `'${text}' is not shaped like a ${id} code` };
  }
  const cs = t[id];
  const r = cs.get(key);
  if (!r) {
    const partial = cs.subsetPrefixes && !cs.subsetPrefixes.some((p) => key.startsWith(p));
    return {
      ok: false,
      reason: 'unknown',
      detail: partial
        ? `${text} is outside the shipped ${id} subset (${cs.version}); load the complete CMS file to look it up`
        : `${text} is not in ${id} ${cs.version}`,
    };
  }
  return { ok: true, code: view(id, r, date) };
}

/** Search-as-you-type: codes starting with the query first, then displays containing its words. */
export function searchCodes(
  t: Terminology,
  id: CodeSystemId,
  query: string,
  limit: number,
  date?: string,
): CodeViewV1[] {
  const q = query.trim().toUpperCase();
  if (q === '') return [];
  const codeQ = id === 'icd10cm' ? q.replace('.', '') : q;
  const words = q.split(/\s+/).filter(Boolean);
  const byCode: CodeRecord[] = [];
  const byText: CodeRecord[] = [];
  for (const r of t[id].all()) {
    if (r.code.startsWith(codeQ)) byCode.push(r);
    else if (words.every((w) => r.display.toUpperCase().includes(w))) byText.push(r);
  }
  byCode.sort((a, b) => a.code.localeCompare(b.code));
  return [...byCode, ...byText].slice(0, limit).map((r) => view(id, r, date));
}
