import type { Route } from '../model/vocabulary.js';
import type { IcdRelease } from './cms-order-file.js';

/** A CMS release as a code set records it: its label and dates, without its codes. */
export type ReleaseInfo = Omit<IcdRelease, 'entries'>;

/** A span of dates of service (inclusive, ISO strings) in which a code had one status. */
export interface CodeWindow {
  from: string;
  to?: string;
  billable: boolean;
}

export interface CodeRecord {
  code: string;
  display: string;
  windows: CodeWindow[];
  /** For drug codes: the drug the code names. */
  drug?: string;
  /** For administration or drug codes: the route(s) the code implies. */
  routes?: Route[];
}

export type CodeSystemId = 'icd10cm' | 'hcpcs' | 'cpt';

export interface CodeSystem {
  readonly system: CodeSystemId;
  /** Human-readable version, reported by `medpolicy policies` and every audit record. */
  readonly version: string;
  readonly provenance: string;
  /** Dates of service the loaded releases speak for; outside them validity is a guess. */
  readonly covers: { from: string; to?: string };
  /** ICD-10-CM: the releases loaded, oldest first, each with the dates it was in force. */
  readonly releases?: readonly ReleaseInfo[];
  /** For a shipped subset: the code prefixes it holds. A code outside them is "not shipped", not "unknown". */
  readonly subsetPrefixes?: readonly string[];
  get(code: string): CodeRecord | undefined;
  /** Every record, for search-as-you-type and listing. */
  all(): Iterable<CodeRecord>;
}

export function mapCodeSystem(
  system: CodeSystemId,
  version: string,
  provenance: string,
  covers: { from: string; to?: string },
  records: Iterable<CodeRecord>,
  subsetPrefixes?: readonly string[],
): CodeSystem {
  const byCode = new Map<string, CodeRecord>();
  for (const r of records) byCode.set(r.code, r);
  const cs: CodeSystem = {
    system,
    version,
    provenance,
    covers,
    get: (code) => byCode.get(code),
    all: () => byCode.values(),
  };
  return subsetPrefixes ? { ...cs, subsetPrefixes } : cs;
}

/** The window in force on a date, if any. */
export function windowOn(record: CodeRecord, date: string): CodeWindow | undefined {
  for (const w of record.windows) {
    if (w.from <= date && (w.to === undefined || date <= w.to)) return w;
  }
  return undefined;
}

export function dayBefore(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}

export function dayAfter(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}
