import type { IcdRelease } from './cms-order-file.js';
import { dayBefore, type CodeWindow, type ReleaseInfo } from './code-system.js';

// The ICD-10-CM release history: which codes each CMS release held, and whether each was
// billable (1) or a header (0). One character per release, oldest first, '-' when the release
// lacked the code. This is the one representation the shipped build, operator-loaded files and
// the code-set update report all share, so that "valid on a date" is computed in one place.

export const ABSENT = '-';

export interface HistoryRow {
  code: string;
  /** One character per release, oldest first: '1' billable, '0' header, '-' absent. */
  statuses: string;
  /** The CMS short description in the newest release that holds the code. */
  short: string;
}

export interface ReleaseHistory {
  releases: ReleaseInfo[];
  /** Sorted by code (plain string order, the order the shipped file is searched in). */
  rows: HistoryRow[];
}

/**
 * The releases in force one after another. A release is in force until the next one takes
 * effect, so an annual release followed by an April update ends on March 31, not September 30.
 */
export function chainReleases<T extends ReleaseInfo>(releases: readonly T[]): T[] {
  const sorted = [...releases].sort((a, b) => a.effectiveFrom.localeCompare(b.effectiveFrom));
  sorted.forEach((r, i) => {
    if (i > 0 && r.effectiveFrom === sorted[i - 1]!.effectiveFrom) {
      throw new Error(
        `${sorted[i - 1]!.label} and ${r.label} both take effect on ${r.effectiveFrom}`,
      );
    }
  });
  return sorted.map((r, i) => {
    const next = sorted[i + 1];
    return next ? { ...r, effectiveTo: dayBefore(next.effectiveFrom) } : r;
  });
}

export function historyFromReleases(releases: readonly IcdRelease[]): ReleaseHistory {
  const chained = chainReleases(releases);
  const byCode = new Map<string, { statuses: string[]; short: string }>();
  chained.forEach((release, i) => {
    for (const e of release.entries) {
      let row = byCode.get(e.code);
      if (!row)
        byCode.set(
          e.code,
          (row = { statuses: Array<string>(chained.length).fill(ABSENT), short: e.short }),
        );
      row.statuses[i] = e.billable ? '1' : '0';
      row.short = e.short;
    }
  });
  const rows = [...byCode]
    .map(([code, r]) => ({ code, statuses: r.statuses.join(''), short: r.short }))
    .sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  return { releases: chained.map(({ entries: _entries, ...info }) => info), rows };
}

/** The statuses with their final run written once: a new release that changes nothing for a code leaves its line as it was. */
export function compressStatuses(statuses: string): string {
  let end = statuses.length;
  while (end > 1 && statuses[end - 2] === statuses[end - 1]) end--;
  return statuses.slice(0, end);
}

export function expandStatuses(compressed: string, releaseCount: number): string {
  if (compressed.length >= releaseCount) return compressed.slice(0, releaseCount);
  return (
    compressed + compressed.charAt(compressed.length - 1).repeat(releaseCount - compressed.length)
  );
}

/**
 * The validity windows a code's statuses give. The newest release is read as in force until a
 * newer one is loaded (open end); `readBackTo` extends the oldest release's codes to an earlier
 * date, for dates of service before the oldest release shipped.
 */
export function windowsFromStatuses(
  statuses: string,
  releases: readonly ReleaseInfo[],
  readBackTo?: string,
): CodeWindow[] {
  const windows: CodeWindow[] = [];
  let open: CodeWindow | undefined;
  for (let i = 0; i < releases.length; i++) {
    const s = statuses.charAt(i);
    const from = i === 0 && readBackTo !== undefined ? readBackTo : releases[i]!.effectiveFrom;
    if (s !== '0' && s !== '1') {
      open = undefined;
      continue;
    }
    const billable = s === '1';
    const next = releases[i + 1];
    if (open && open.billable === billable) {
      if (next) open.to = dayBefore(next.effectiveFrom);
      else delete open.to;
      continue;
    }
    open = next ? { from, to: dayBefore(next.effectiveFrom), billable } : { from, billable };
    windows.push(open);
  }
  return windows;
}

/** How a release is named in the shipped file's header: FY2026, or FY2022-04 for an April update. */
export function releaseTag(r: ReleaseInfo): string {
  return r.effectiveFrom.endsWith('-04-01') ? `FY${r.fiscalYear}-04` : `FY${r.fiscalYear}`;
}

export function releaseFromTag(
  tag: string,
  effectiveFrom: string,
  effectiveTo: string,
): ReleaseInfo {
  const m = /^FY(\d{4})(-04)?$/.exec(tag);
  if (!m) throw new Error(`"${tag}" is not a release tag (FY2026 or FY2022-04)`);
  const fiscalYear = Number(m[1]);
  const label = m[2] ? `FY${fiscalYear} (April update)` : `FY${fiscalYear}`;
  return { label, fiscalYear, effectiveFrom, effectiveTo };
}
