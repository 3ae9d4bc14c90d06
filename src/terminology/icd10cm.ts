import { displayIcd10cm } from './code-format.js';
import { dayBefore, mapCodeSystem, type CodeRecord, type CodeSystem } from './code-system.js';
import type { IcdRelease, OrderFileEntry } from './cms-order-file.js';

/** ICD-10-CM replaced ICD-9-CM in the US for dates of service from this day. */
export const ICD10CM_START = '2015-10-01';

export interface CuratedChange {
  fiscalYear: number;
  effectiveFrom: string;
  note: string;
  added?: OrderFileEntry[];
  becameHeader?: string[];
}

/**
 * The shipped subset: one CMS base release, read as if its codes had held since ICD-10-CM began,
 * corrected by the curated changes before and after it. Honest about what it is in `version`.
 */
export function shippedIcd10cm(
  base: { label: string; effectiveFrom: string; entries: OrderFileEntry[] },
  changes: CuratedChange[],
  subsetPrefixes: readonly string[],
): CodeSystem {
  const records = new Map<string, CodeRecord>();
  for (const e of base.entries) {
    records.set(e.code, {
      code: e.code,
      display: e.short,
      windows: [{ from: ICD10CM_START, billable: e.billable }],
    });
  }
  for (const change of [...changes].sort((a, b) => a.effectiveFrom.localeCompare(b.effectiveFrom))) {
    for (const added of change.added ?? []) {
      const existing = records.get(added.code);
      if (existing && change.effectiveFrom <= base.effectiveFrom) {
        existing.windows[0]!.from = change.effectiveFrom;
      } else {
        records.set(added.code, {
          code: added.code,
          display: added.short,
          windows: [{ from: change.effectiveFrom, billable: added.billable }],
        });
      }
    }
    for (const code of change.becameHeader ?? []) {
      const r = records.get(code);
      if (!r) throw new Error(`curated change FY${change.fiscalYear}: ${code} is not in the base release`);
      const last = r.windows[r.windows.length - 1]!;
      const wasBillableBefore = change.effectiveFrom <= base.effectiveFrom ? true : last.billable;
      r.windows = [
        ...r.windows.slice(0, -1),
        { from: last.from, to: dayBefore(change.effectiveFrom), billable: wasBillableBefore },
        { from: change.effectiveFrom, billable: false },
      ];
    }
  }
  const lastChange = changes.reduce((fy, c) => Math.max(fy, c.fiscalYear), 0);
  return mapCodeSystem(
    'icd10cm',
    `ICD-10-CM shipped subset: CMS ${base.label} with curated changes through FY${lastChange}`,
    'CMS / CDC NCHS ICD-10-CM order file (public domain); terminology/icd10cm/',
    { from: ICD10CM_START },
    records.values(),
    subsetPrefixes,
  );
}

/**
 * Complete CMS releases loaded by an operator. A code's windows are the releases that hold it;
 * the newest release is read as still in force, and dates after its fiscal year are flagged.
 */
export function releasesIcd10cm(releases: IcdRelease[]): CodeSystem {
  if (releases.length === 0) throw new Error('no ICD-10-CM release given');
  const sorted = [...releases].sort((a, b) => a.effectiveFrom.localeCompare(b.effectiveFrom));
  const records = new Map<string, CodeRecord>();
  sorted.forEach((release, i) => {
    const next = sorted[i + 1];
    const to = next ? dayBefore(next.effectiveFrom) : undefined;
    for (const e of release.entries) {
      let r = records.get(e.code);
      if (!r) {
        r = { code: e.code, display: e.short, windows: [] };
        records.set(e.code, r);
      }
      r.display = e.short;
      const last = r.windows[r.windows.length - 1];
      if (last && last.billable === e.billable && last.to === dayBefore(release.effectiveFrom)) {
        if (to === undefined) delete last.to;
        else last.to = to;
      } else {
        r.windows.push(to === undefined ? { from: release.effectiveFrom, billable: e.billable } : { from: release.effectiveFrom, to, billable: e.billable });
      }
    }
  });
  const first = sorted[0]!;
  const last = sorted[sorted.length - 1]!;
  return mapCodeSystem(
    'icd10cm',
    `ICD-10-CM ${sorted.map((r) => r.label).join(', ')} (loaded from CMS files)`,
    'CMS / CDC NCHS ICD-10-CM order files (public domain), loaded by the operator',
    { from: first.effectiveFrom, to: last.effectiveTo },
    records.values(),
  );
}

export { displayIcd10cm };
