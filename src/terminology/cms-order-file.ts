import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { gunzipSync } from './gunzip.js';

/** One line of a CMS ICD-10-CM order file. */
export interface OrderFileEntry {
  code: string;
  billable: boolean;
  short: string;
}

export interface IcdRelease {
  /** e.g. "FY2021" or "FY2021 (April update)" */
  label: string;
  fiscalYear: number;
  effectiveFrom: string;
  effectiveTo: string;
  entries: OrderFileEntry[];
}

/**
 * Parses the CMS "order file": fixed columns — order number (5), space, code without dot (7),
 * space, billable flag (1), space, short description (60), space, long description.
 * Throws with the line number on the first line that does not fit the layout, so an operator
 * who points at the wrong file hears about it before a single request is decided.
 */
export function parseOrderFile(text: string, fileName = 'order file'): OrderFileEntry[] {
  const entries: OrderFileEntry[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const code = line.slice(6, 13).trim();
    const flag = line.charAt(14);
    if (
      !/^\d{5} $/.test(line.slice(0, 6)) ||
      !/^[A-Z](?:[0-9][0-9A-Z]|[A-Z][0-9])[0-9A-Z]{0,4}$/.test(code) ||
      (flag !== '0' && flag !== '1')
    ) {
      throw new Error(
        `${fileName}:${i + 1}: not a CMS ICD-10-CM order-file line (expected "NNNNN CODE    F description")`,
      );
    }
    entries.push({ code, billable: flag === '1', short: line.slice(16, 76).trim() });
  }
  if (entries.length === 0) throw new Error(`${fileName}: no codes found`);
  return entries;
}

/**
 * The fiscal year and effective window of a release, from its file name as CMS publishes it
 * (icd10cm_order_2026.txt, icd10cm-order-Jan-2021.txt, icd10cm-order-April-2024.txt). An April
 * update takes effect on April 1 of its year; an annual release on October 1 of the year before.
 */
export function releaseFromFileName(fileName: string): Omit<IcdRelease, 'entries'> {
  const name = basename(fileName);
  const year = /(20\d\d)/.exec(name)?.[1];
  if (!year) {
    throw new Error(
      `${name}: cannot tell the fiscal year from the file name; name it as CMS does (e.g. icd10cm_order_2026.txt) or set MEDPOLICY_ICD10CM_FY`,
    );
  }
  return releaseForFiscalYear(Number(year), /apr/i.test(name));
}

export function releaseForFiscalYear(
  fiscalYear: number,
  aprilUpdate = false,
): Omit<IcdRelease, 'entries'> {
  return {
    label: aprilUpdate ? `FY${fiscalYear} (April update)` : `FY${fiscalYear}`,
    fiscalYear,
    effectiveFrom: aprilUpdate ? `${fiscalYear}-04-01` : `${fiscalYear - 1}-10-01`,
    effectiveTo: `${fiscalYear}-09-30`,
  };
}

export function readOrderFile(
  path: string,
  fiscalYear?: number,
  aprilUpdate?: boolean,
): IcdRelease {
  const raw = readFileSync(path);
  const text = (path.endsWith('.gz') ? gunzipSync(raw) : raw).toString('latin1');
  const release = fiscalYear
    ? releaseForFiscalYear(fiscalYear, aprilUpdate ?? /apr/i.test(basename(path)))
    : releaseFromFileName(path);
  return { ...release, entries: parseOrderFile(text, basename(path)) };
}
