import { displayIcd10cm } from './code-format.js';
import {
  dayBefore,
  type CodeRecord,
  type CodeSystem,
  type CodeWindow,
  type ReleaseInfo,
} from './code-system.js';
import type { IcdRelease, OrderFileEntry } from './cms-order-file.js';
import type { HistorySource } from './icd10cm-history-file.js';
import { ABSENT, chainReleases, windowsFromStatuses } from './icd10cm-history.js';

/** ICD-10-CM replaced ICD-9-CM in the US for dates of service from this day. */
export const ICD10CM_START = '2015-10-01';

/**
 * What changed at or before the oldest shipped release, curated by hand: the shipped history
 * reads the oldest release back to ICD10CM_START, and these say where that reading is wrong.
 */
export interface CuratedChange {
  fiscalYear: number;
  effectiveFrom: string;
  note: string;
  added?: OrderFileEntry[];
  becameHeader?: string[];
}

/** The loaded CMS releases as a history source (operator files, or one release alone). */
export function releasesSource(releases: readonly IcdRelease[]): HistorySource {
  if (releases.length === 0) throw new Error('no ICD-10-CM release given');
  const chained = chainReleases(releases);
  const maps = chained.map((r) => new Map(r.entries.map((e) => [e.code, e])));
  return {
    releases: chained.map(({ entries: _entries, ...info }) => info),
    statuses(code) {
      let s = '';
      for (const m of maps) {
        const e = m.get(code);
        s += e ? (e.billable ? '1' : '0') : ABSENT;
      }
      return s.replaceAll(ABSENT, '') === '' ? undefined : s;
    },
    description(code) {
      for (let i = maps.length - 1; i >= 0; i--) {
        const e = maps[i]!.get(code);
        if (e) return e.short;
      }
      return undefined;
    },
    codes: () => [...new Set(maps.flatMap((m) => [...m.keys()]))].sort(byCode),
  };
}

/**
 * The shipped history followed (or corrected) by releases an operator loaded: a loaded release
 * replaces a shipped one that takes effect the same day, and a newer one extends the history, so
 * an FY2027 file dropped in on October 1 needs no new medpolicy release.
 */
export function extendHistory(
  shipped: HistorySource,
  loaded: readonly IcdRelease[],
): HistorySource {
  const extra = releasesSource(loaded);
  const replaced = new Set(extra.releases.map((r) => r.effectiveFrom));
  type Origin = { from: 'shipped' | 'loaded'; index: number; info: ReleaseInfo };
  const origins: Origin[] = [
    ...shipped.releases.flatMap((info, index) =>
      replaced.has(info.effectiveFrom) ? [] : [{ from: 'shipped' as const, index, info }],
    ),
    ...extra.releases.map((info, index) => ({ from: 'loaded' as const, index, info })),
  ].sort((a, b) => a.info.effectiveFrom.localeCompare(b.info.effectiveFrom));
  const releases = chainReleases(origins.map((o) => o.info));
  return {
    releases,
    statuses(code) {
      const a = shipped.statuses(code);
      const b = extra.statuses(code);
      if (a === undefined && b === undefined) return undefined;
      const s = origins
        .map((o) => (o.from === 'shipped' ? a : b)?.charAt(o.index) || ABSENT)
        .join('');
      return s.replaceAll(ABSENT, '') === '' ? undefined : s;
    },
    description: (code) => extra.description(code) ?? shipped.description(code),
    *codes() {
      const more = [...extra.codes()].filter((c) => shipped.statuses(c) === undefined);
      let i = 0;
      for (const c of shipped.codes()) {
        while (i < more.length && more[i]! < c) yield more[i++]!;
        yield c;
      }
      while (i < more.length) yield more[i++]!;
    },
  };
}

export interface HistoryCodeSystemOptions {
  version: string;
  provenance: string;
  /** Read the oldest release's codes back to this date (the shipped build: ICD10CM_START). */
  readBackTo?: string;
  /** Corrections to that reading. */
  curated?: readonly CuratedChange[];
}

/** ICD-10-CM as a code system: each code's windows from its statuses in the releases. */
export function historyCodeSystem(
  source: HistorySource,
  opts: HistoryCodeSystemOptions,
): CodeSystem {
  const { releases } = source;
  if (releases.length === 0) throw new Error('no ICD-10-CM release given');
  const oldest = releases[0]!;
  const newest = releases[releases.length - 1]!;
  const corrections = curatedCorrections(opts.curated ?? [], oldest, opts.readBackTo);
  const cache = new Map<string, CodeRecord | null>();
  const record = (code: string, statuses: string): CodeRecord => {
    const windows = windowsFromStatuses(statuses, releases, opts.readBackTo);
    corrections.get(code)?.(windows);
    return {
      code,
      windows,
      get display() {
        return source.description(code) ?? '';
      },
    };
  };
  return {
    system: 'icd10cm',
    version: opts.version,
    provenance: opts.provenance,
    covers: { from: opts.readBackTo ?? oldest.effectiveFrom, to: newest.effectiveTo },
    releases,
    get(code) {
      const hit = cache.get(code);
      if (hit !== undefined) return hit ?? undefined;
      const statuses = source.statuses(code);
      const r = statuses === undefined ? undefined : record(code, statuses);
      if (cache.size < 10_000) cache.set(code, r ?? null);
      return r;
    },
    *all() {
      for (const code of source.codes()) {
        const statuses = source.statuses(code);
        if (statuses !== undefined) yield record(code, statuses);
      }
    },
  };
}

/** For each corrected code, how its read-back windows change. */
function curatedCorrections(
  changes: readonly CuratedChange[],
  oldest: ReleaseInfo,
  readBackTo: string | undefined,
): Map<string, (windows: CodeWindow[]) => void> {
  const out = new Map<string, (windows: CodeWindow[]) => void>();
  for (const change of changes) {
    if (change.effectiveFrom > oldest.effectiveFrom) {
      throw new Error(
        `curated change FY${change.fiscalYear} (${change.effectiveFrom}) is after the oldest shipped release, ${oldest.label}: the release history already holds it`,
      );
    }
    if (readBackTo === undefined || change.effectiveFrom <= readBackTo) continue;
    for (const added of change.added ?? []) {
      // Not there before it was added.
      out.set(added.code, (windows) => {
        if (windows[0]?.from === readBackTo) windows[0].from = change.effectiveFrom;
      });
    }
    for (const code of change.becameHeader ?? []) {
      // Billable until it gained children.
      out.set(code, (windows) => {
        const first = windows[0];
        if (first?.from !== readBackTo || first.billable) return;
        first.from = change.effectiveFrom;
        windows.unshift({ from: readBackTo, to: dayBefore(change.effectiveFrom), billable: true });
      });
    }
  }
  return out;
}

function byCode(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export { displayIcd10cm };
