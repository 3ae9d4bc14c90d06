import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

/** One Level II code from a CMS HCPCS contractor file ("ANWEB", 320-character records). */
export interface HcpcsFileEntry {
  code: string;
  long: string;
  short: string;
  /** YYYY-MM-DD */
  added?: string;
  terminated?: string;
}

// Positions from the CMS HCPCS record layout (HCPC<YYYY>_recordlayout.txt), 1-based inclusive:
// code 1-5, sequence 6-10, record id 11 (3 procedure, 4 its continuation, 7/8 modifiers),
// long description 12-91, short description 92-119, code added date 269-276,
// action effective date 277-284, termination date 285-292, action code 293.
const FIELD = {
  code: [0, 5],
  recordId: [10, 11],
  long: [11, 91],
  short: [91, 119],
  added: [268, 276],
  terminated: [284, 292],
} as const;

const slice = (line: string, [a, b]: readonly [number, number]) => line.slice(a, b).trim();

function isoDate(yyyymmdd: string, where: string): string | undefined {
  if (yyyymmdd === '' || /^0+$/.test(yyyymmdd)) return undefined;
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(yyyymmdd);
  if (!m) throw new Error(`${where}: "${yyyymmdd}" is not a YYYYMMDD date`);
  return `${m[1]}-${m[2]}-${m[3]}`;
}

/**
 * Reads Level II procedure records; continuation lines extend the long description. CPT codes
 * (numeric) and modifiers are skipped: CPT descriptors are the AMA's.
 */
export function parseHcpcsFile(text: string, fileName = 'HCPCS file'): HcpcsFileEntry[] {
  const entries: HcpcsFileEntry[] = [];
  let current: HcpcsFileEntry | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    if (raw.trim() === '') return;
    const where = `${fileName}:${i + 1}`;
    const line = raw.padEnd(320);
    const code = slice(line, FIELD.code);
    const recordId = slice(line, FIELD.recordId);
    if (!/^[A-Z0-9]{5}$/.test(code) || !/^[3478]$/.test(recordId)) {
      throw new Error(
        `${where}: not a CMS HCPCS record (expected a 5-character code and record id 3, 4, 7 or 8 at column 11)`,
      );
    }
    if (recordId === '4') {
      if (current?.code === code)
        current.long = `${current.long} ${slice(line, FIELD.long)}`.trim();
      return;
    }
    current = undefined;
    if (recordId !== '3' || /^\d/.test(code)) return;
    const added = isoDate(slice(line, FIELD.added), where);
    const terminated = isoDate(slice(line, FIELD.terminated), where);
    current = {
      code,
      long: slice(line, FIELD.long),
      short: slice(line, FIELD.short),
      ...(added ? { added } : {}),
      ...(terminated ? { terminated } : {}),
    };
    entries.push(current);
  });
  if (entries.length === 0) throw new Error(`${fileName}: no HCPCS Level II codes found`);
  return entries;
}

export function readHcpcsFile(path: string): { label: string; entries: HcpcsFileEntry[] } {
  const name = basename(path);
  const release = /HCPC(\d{4})_?([A-Z]{3})?/i.exec(name);
  const label = release
    ? `HCPCS ${release[1]}${release[2] ? ` ${release[2].toUpperCase()}` : ''}`
    : `HCPCS (${name})`;
  return { label, entries: parseHcpcsFile(readFileSync(path, 'latin1'), name) };
}
