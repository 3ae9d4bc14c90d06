import { problem, type Problem } from '../../model/problem.js';
import { closest } from '../../model/suggest.js';
import { UsageError } from '../cli/exit-codes.js';
import { settingForPos } from '../../terminology/place-of-service.js';
import type { Screener } from './screener.js';

// CSV claim lines (RFC 4180: comma-separated, fields optionally in double quotes, "" for a quote
// inside one, CRLF or LF). The first record is the header; column names are case-insensitive.
//
// A careful hand parser rather than csv-parse: csv-parse (tried, v7) recovers from an invalid
// closing quote by swallowing the record after it, and reports the line a record ends on rather
// than the one it starts on. Here a malformed record becomes one error row naming its first line,
// parsing resumes on the next physical line, and no later line is lost. It is also a plain loop
// over indexOf, which keeps CSV screening close to NDJSON speed.

/** The documented columns: CSV name → what it becomes in the CoverageRequest. */
const CSV_COLUMNS = {
  claim_id: 'claim id (echoed on the output row)',
  line_number: 'claim line number (echoed)',
  payer: 'payer id (required)',
  line_of_business: 'lineOfBusiness',
  plan_type: 'planType',
  date_of_service: 'dateOfService (required): YYYY-MM-DD, YYYYMMDD or MM/DD/YYYY',
  place_of_service:
    'CMS place-of-service code, mapped to setting (src/terminology/place-of-service.ts)',
  procedure_code: 'CPT or HCPCS code of the line',
  modifiers: 'procedure modifiers (read, not used by the policies)',
  ndc: 'NDC of the drug; mapped to a drug with --ndc-map',
  diagnosis_codes: 'ICD-10-CM codes in pointer order, separated by | ; or spaces',
  provider_participating: 'Y/N (or true/false, 1/0)',
  // Optional columns for what a claim line does not carry.
  drug: 'drug (generic name); overrides the NDC mapping',
  route: 'route',
  setting: 'setting; overrides place_of_service',
  medicare_primary: 'Y/N: Medicare is primary',
  home_plan: 'ITS/BlueCard home plan',
  group_policy: 'Y/N: the group has its own policy',
  indication: 'indication family',
  other_procedure_codes: "the claim's other procedure codes, | separated (route inference)",
} as const;

type Column = keyof typeof CSV_COLUMNS;
const REQUIRED: Column[] = ['payer', 'date_of_service'];

/** Where each request field came from, so an error names the CSV column. */
const FIELD_TO_COLUMN: Record<string, string> = {
  payer: 'payer',
  lineOfBusiness: 'line_of_business',
  planType: 'plan_type',
  dateOfService: 'date_of_service',
  setting: 'setting',
  procedureCodes: 'procedure_code',
  diagnosisCodes: 'diagnosis_codes',
  providerParticipating: 'provider_participating',
  drug: 'drug',
  route: 'route',
  medicarePrimary: 'medicare_primary',
  homePlan: 'home_plan',
  groupPolicy: 'group_policy',
  indication: 'indication',
};

export interface CsvLayout {
  width: number;
  /** Column name → index, for the columns present. */
  index: Partial<Record<Column, number>>;
}

export function parseHeader(line: string): CsvLayout {
  const fields: string[] = [];
  const r = parseRecord(line.replace(/^\uFEFF/, ''), 0, fields);
  if (r.error) throw new UsageError(`the CSV header is malformed: ${r.error}`);
  const index: Partial<Record<Column, number>> = {};
  fields.forEach((raw, i) => {
    const name = raw
      .trim()
      .toLowerCase()
      .replace(/[\s-]+/g, '_');
    if (!(name in CSV_COLUMNS)) {
      const guess = closest(name, Object.keys(CSV_COLUMNS));
      throw new UsageError(
        `unknown CSV column "${raw}"${guess ? ` (did you mean "${guess}"?)` : ''}; the columns are: ${Object.keys(CSV_COLUMNS).join(', ')}`,
      );
    }
    if (index[name as Column] !== undefined)
      throw new UsageError(`CSV column "${name}" appears twice`);
    index[name as Column] = i;
  });
  for (const c of REQUIRED)
    if (index[c] === undefined) throw new UsageError(`the CSV header has no "${c}" column`);
  return { width: fields.length, index };
}

interface RecordEnd {
  /** Index just past the record's line terminator. */
  end: number;
  /** Physical lines the record spans. */
  lines: number;
  error?: string;
}

/** Parses one record starting at `pos` into `out`. On an error, `end` is the next line. */
export function parseRecord(text: string, pos: number, out: string[]): RecordEnd {
  out.length = 0;
  let i = pos;
  let lines = 1;
  const n = text.length;
  const fail = (error: string): RecordEnd => {
    const nl = text.indexOf('\n', pos);
    return { end: nl < 0 ? n : nl + 1, lines: 1, error };
  };
  for (;;) {
    if (text.charCodeAt(i) === 34 /* " */) {
      let value = '';
      let j = i + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q < 0) return fail(`a quoted field opened in column ${out.length + 1} is never closed`);
        value += text.slice(j, q);
        if (text.charCodeAt(q + 1) === 34) {
          value += '"';
          j = q + 2;
        } else {
          j = q + 1;
          break;
        }
      }
      for (let k = value.indexOf('\n'); k >= 0; k = value.indexOf('\n', k + 1)) lines++;
      out.push(value);
      i = j;
      const c = text.charCodeAt(i);
      if (c === 44 /* , */) {
        i++;
        continue;
      }
      if (i >= n) return { end: n, lines };
      if (c === 10) return { end: i + 1, lines };
      if (c === 13 && text.charCodeAt(i + 1) === 10) return { end: i + 2, lines };
      return fail(`unexpected text after the closing quote in column ${out.length}`);
    }
    let k = i;
    while (k < n) {
      const c = text.charCodeAt(k);
      if (c === 44 || c === 10) break;
      if (c === 34) return fail(`a quote inside the unquoted field in column ${out.length + 1}`);
      k++;
    }
    let field = text.slice(i, k);
    if (k >= n || text.charCodeAt(k) === 10) {
      if (field.endsWith('\r')) field = field.slice(0, -1);
      out.push(field);
      return { end: k >= n ? n : k + 1, lines };
    }
    out.push(field);
    i = k + 1;
  }
}

const LIST = /[|;,\s]+/;
const YES = new Set(['y', 'yes', 'true', '1']);
const NO = new Set(['n', 'no', 'false', '0']);
const US_DATE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;
const COMPACT_DATE = /^(\d{4})(\d{2})(\d{2})$/;

export function isoDate(s: string): string {
  const t = s.trim();
  let m = COMPACT_DATE.exec(t);
  if (m) return `${m[1]}-${m[2]}-${m[3]}`;
  m = US_DATE.exec(t);
  if (m) return `${m[3]}-${m[1]!.padStart(2, '0')}-${m[2]!.padStart(2, '0')}`;
  return t;
}

function splitList(s: string): string[] {
  const t = s.trim();
  return t === '' ? [] : t.split(LIST).filter((x) => x !== '');
}

export function normalizeNdc(s: string): string {
  return s.replace(/[^0-9]/g, '');
}

/** A CSV record as a CoverageRequest object, or the problem with a CSV column. */
export function csvRequest(
  fields: readonly string[],
  layout: CsvLayout,
  ndcDrugs: ReadonlyMap<string, string> | undefined,
): { ok: true; request: Record<string, unknown> } | { ok: false; problem: Problem } {
  const ix = layout.index;
  const get = (c: Column): string => {
    const i = ix[c];
    return i === undefined ? '' : fields[i]!.trim();
  };
  const req: Record<string, unknown> = {};
  const set = (field: string, c: Column) => {
    const v = get(c);
    if (v !== '') req[field] = v;
  };
  set('payer', 'payer');
  set('lineOfBusiness', 'line_of_business');
  set('planType', 'plan_type');
  const dos = get('date_of_service');
  if (dos !== '') req.dateOfService = isoDate(dos);
  const pos = get('place_of_service');
  if (pos !== '') {
    const s = settingForPos(pos);
    if (s === null)
      return {
        ok: false,
        problem: problem(
          'invalid-value',
          `place_of_service '${pos}' is not a two-digit place-of-service code`,
          '/place_of_service',
        ),
      };
    if (s !== undefined) req.setting = s;
  }
  set('setting', 'setting');
  const codes = splitList(get('procedure_code'));
  codes.push(...splitList(get('other_procedure_codes')));
  if (codes.length > 0) req.procedureCodes = codes;
  const dx = splitList(get('diagnosis_codes'));
  if (dx.length > 0) req.diagnosisCodes = dx;
  for (const [field, c] of [
    ['providerParticipating', 'provider_participating'],
    ['medicarePrimary', 'medicare_primary'],
    ['groupPolicy', 'group_policy'],
  ] as const) {
    const v = get(c).toLowerCase();
    if (v === '') continue;
    if (YES.has(v)) req[field] = true;
    else if (NO.has(v)) req[field] = false;
    else
      return {
        ok: false,
        problem: problem('invalid-value', `${c} '${get(c)}' is not Y or N`, `/${c}`),
      };
  }
  set('homePlan', 'home_plan');
  set('indication', 'indication');
  set('route', 'route');
  const drug = get('drug');
  if (drug !== '') req.drug = drug;
  else if (ndcDrugs) {
    const ndc = get('ndc');
    const mapped = ndc === '' ? undefined : ndcDrugs.get(normalizeNdc(ndc));
    if (mapped !== undefined) req.drug = mapped;
  }
  return { ok: true, request: req };
}

/** Rewrites a request field path (/diagnosisCodes/1) to the CSV column (/diagnosis_codes/1). */
function csvPath(p: Problem): Problem {
  const [, field, ...rest] = p.path.split('/');
  const col = field === undefined ? undefined : FIELD_TO_COLUMN[field];
  if (col === undefined) return p;
  return { ...p, path: ['', col, ...rest].join('/') };
}

/**
 * Screens the CSV records of a chunk of whole records (the header is not in it) into the
 * screener's rows; returns the line number that follows the chunk.
 */
export function screenCsvChunk(
  s: Screener,
  text: string,
  startLine: number,
  layout: CsvLayout,
  ndcDrugs: ReadonlyMap<string, string> | undefined,
): number {
  let pos = 0;
  let line = startLine;
  const fields: string[] = [];
  const n = text.length;
  while (pos < n) {
    const start = pos;
    const r = parseRecord(text, pos, fields);
    const here = line;
    pos = r.end;
    line += r.lines;
    if (r.error) {
      s.error(
        { sourceLine: here, claimId: undefined, claimLine: undefined },
        problem('invalid-value', `line ${here} is not a well-formed CSV record: ${r.error}`, ''),
      );
      continue;
    }
    if (fields.length === 1 && fields[0]!.trim() === '') continue; // blank line
    if (s.checkEncoding && text.slice(start, r.end).includes('\uFFFD')) {
      s.encodingError(here);
      continue;
    }
    const claimId = layout.index.claim_id !== undefined ? fields[layout.index.claim_id] : undefined;
    const claimLine =
      layout.index.line_number !== undefined ? fields[layout.index.line_number] : undefined;
    const ref = { sourceLine: here, claimId, claimLine };
    if (fields.length !== layout.width) {
      s.error(
        ref,
        problem(
          'invalid-value',
          `line ${here} has ${fields.length} fields; the header has ${layout.width}`,
          '',
        ),
      );
      continue;
    }
    const m = csvRequest(fields, layout, ndcDrugs);
    if (!m.ok) {
      s.error(ref, m.problem);
      continue;
    }
    s.request(m.request, ref, undefined, csvPath);
  }
  return line;
}
