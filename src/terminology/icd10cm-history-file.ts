import { readFileSync } from 'node:fs';
import { gunzipSync } from './gunzip.js';
import {
  compressStatuses,
  expandStatuses,
  releaseFromTag,
  releaseTag,
  type ReleaseHistory,
} from './icd10cm-history.js';
import type { ReleaseInfo } from './code-system.js';

// The shipped build of the ICD-10-CM history is two files in terminology/icd10cm/:
//  - history.tsv: a header naming each release, then one line per code, sorted: the code and its
//    statuses (compressed: the final run written once). About 1 MB; every command reads it at
//    start, so it is not compressed and not parsed: a lookup is a binary search over its bytes.
//  - descriptions.tsv.gz: the CMS short description of each code, needed only to show codes
//    (lookup, search, the update report), so it is read the first time one is asked for.

export const HISTORY_FILE = 'terminology/icd10cm/history.tsv';
export const DESCRIPTIONS_FILE = 'terminology/icd10cm/descriptions.tsv.gz';

const RELEASE_LINE = '# release\t';
const NEWLINE = 10;
const TAB = 9;

export function formatHistoryTsv(history: ReleaseHistory, sources: readonly string[]): string {
  const head = [
    '# ICD-10-CM release history shipped with medpolicy: every code of every release below, with',
    '# whether it was billable or a header in each. Public domain (CMS / CDC NCHS). Written by',
    '# scripts/build-icd10cm-history.ts from the CMS order files; do not edit by hand.',
    ...history.releases.map(
      (r, i) =>
        `${RELEASE_LINE}${releaseTag(r)}\t${r.effectiveFrom}\t${r.effectiveTo}\t${sources[i] ?? ''}`,
    ),
    '# columns: code (no dot); its status in each release above, oldest first (1 billable, 0 header,',
    '# - absent), the last character holding for every later release',
  ];
  const lines = history.rows.map((r) => `${r.code}\t${compressStatuses(r.statuses)}`);
  return head.concat(lines).join('\n') + '\n';
}

export function formatDescriptionsTsv(history: ReleaseHistory): string {
  return history.rows.map((r) => `${r.code}\t${r.short}`).join('\n') + '\n';
}

/** Where the release history comes from, whatever its storage. */
export interface HistorySource {
  readonly releases: readonly ReleaseInfo[];
  /** One character per release (see icd10cm-history.ts), or undefined when no release held the code. */
  statuses(code: string): string | undefined;
  description(code: string): string | undefined;
  /** Every code, in code order. */
  codes(): Iterable<string>;
}

/** The shipped build, searched in place. */
export function readHistoryFiles(historyPath: string, descriptionsPath: string): HistorySource {
  const buf = readFileSync(historyPath);
  const releases: ReleaseInfo[] = [];
  let pos = 0;
  // Header lines start with '#'; the code lines follow, sorted.
  while (pos < buf.length && buf[pos] === 0x23) {
    const end = lineEnd(buf, pos);
    const line = buf.toString('latin1', pos, end);
    if (line.startsWith(RELEASE_LINE)) {
      const [tag, from, to] = line.slice(RELEASE_LINE.length).split('\t');
      releases.push(releaseFromTag(tag!, from!, to!));
    }
    pos = end + 1;
  }
  if (releases.length === 0) throw new Error(`${historyPath}: names no release`);
  const dataStart = pos;
  const count = releases.length;
  let descriptions: Map<string, string> | undefined;
  const readDescriptions = () => {
    const map = new Map<string, string>();
    for (const line of gunzipSync(readFileSync(descriptionsPath)).toString('utf8').split('\n')) {
      const tab = line.indexOf('\t');
      if (tab > 0) map.set(line.slice(0, tab), line.slice(tab + 1));
    }
    return map;
  };
  return {
    releases,
    statuses(code) {
      const at = findLine(buf, dataStart, buf.length, code);
      if (at < 0) return undefined;
      return expandStatuses(buf.toString('latin1', at + code.length + 1, lineEnd(buf, at)), count);
    },
    description: (code) => (descriptions ??= readDescriptions()).get(code),
    *codes() {
      for (let p = dataStart; p < buf.length; p = lineEnd(buf, p) + 1) {
        yield buf.toString('latin1', p, buf.indexOf(TAB, p));
      }
    },
  };
}

function lineEnd(buf: Buffer, from: number): number {
  const end = buf.indexOf(NEWLINE, from);
  return end < 0 ? buf.length : end;
}

/** Binary search over whole lines in [lo, hi): the offset of the line whose code is `code`, or -1. */
function findLine(buf: Buffer, lo: number, hi: number, code: string): number {
  while (lo < hi) {
    let mid = (lo + hi) >>> 1;
    while (mid > lo && buf[mid - 1] !== NEWLINE) mid--;
    const cmp = compareCodeAt(buf, mid, code);
    if (cmp === 0) return mid;
    if (cmp < 0) lo = lineEnd(buf, mid) + 1;
    else hi = mid;
  }
  return -1;
}

/** The line's code against `code`, in plain string (ASCII) order. */
function compareCodeAt(buf: Buffer, at: number, code: string): number {
  for (let i = 0; ; i++) {
    const b = buf[at + i]!;
    const lineEnded = b === TAB;
    if (i === code.length) return lineEnded ? 0 : 1;
    if (lineEnded) return -1;
    const c = code.charCodeAt(i);
    if (b !== c) return b < c ? -1 : 1;
  }
}
