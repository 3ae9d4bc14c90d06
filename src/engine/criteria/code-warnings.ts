import type { WarningV1 } from '../../model/determination.js';
import { displayIcd10cm } from '../../terminology/code-format.js';
import { windowOn, type CodeSystem } from '../../terminology/code-system.js';
import { billableOn, type CodeValidity } from '../../terminology/code-validity.js';
import { dateNumber } from '../../model/calendar-date.js';
import { deepFreeze } from '../../model/deep-freeze.js';

const SYSTEM_LABEL = { icd10cm: 'ICD-10-CM', hcpcs: 'HCPCS', cpt: 'CPT' } as const;

/**
 * A code that is unknown, header-only or not valid on the date of service gets a warning. Its
 * validity is found with the code's other facts (code-facts.ts): the check is a date compare.
 */
export function checkCode(
  cs: CodeSystem,
  v: CodeValidity,
  date: string,
  day: number,
  out: WarningV1[],
): void {
  if (!billableOn(v, day)) out.push(codeWarning(cs, v, date));
}

/** The dates a code set speaks for, as YYYYMMDD numbers (dateNumber); `to` open is Infinity. */
export interface CoveredDays {
  readonly from: number;
  readonly to: number;
}

export function coveredDays(cs: CodeSystem): CoveredDays {
  const { from, to } = cs.covers;
  return { from: dateNumber(from), to: to === undefined ? Infinity : dateNumber(to) };
}

// Today's claims fall after the newest release loaded, so this warning is on nearly every
// request: built once per code system and date, shared frozen (the engine never edits a warning).
const coverageWarnings = new WeakMap<CodeSystem, Map<string, WarningV1 | null>>();

/** The code set does not speak for the date of service (checked once per request). */
export function coverageWarning(
  cs: CodeSystem,
  covered: CoveredDays,
  date: string,
  day: number,
  out: WarningV1[],
): void {
  if (covered.from <= day && day <= covered.to) return;
  let byDate = coverageWarnings.get(cs);
  if (!byDate) coverageWarnings.set(cs, (byDate = new Map()));
  let w = byDate.get(date);
  if (w === undefined) {
    w = buildCoverageWarning(cs, date) ?? null;
    if (byDate.size >= 4096) byDate.clear();
    byDate.set(date, w);
  }
  if (w) out.push(w);
}

function buildCoverageWarning(cs: CodeSystem, date: string): WarningV1 | undefined {
  const { from, to } = cs.covers;
  const newest = cs.releases?.[cs.releases.length - 1];
  if (newest && to !== undefined && date > to) {
    // Codes are still checked against the newest release: most survive a year, and a code
    // the next release adds or deletes is exactly what the reader needs to hear about.
    return deepFreeze({
      code: 'code-set-date',
      message: `date of service ${date} is after the newest ${SYSTEM_LABEL[cs.system]} release loaded (${newest.label}, effective ${newest.effectiveFrom} to ${newest.effectiveTo}); codes were checked against it. Load the release in force (MEDPOLICY_ICD10CM)`,
      subject: cs.system,
    });
  }
  if (date < from || (to !== undefined && date > to)) {
    return deepFreeze({
      code: 'code-set-date',
      message: `${cs.version} speaks for dates of service ${from} to ${to ?? 'today'}; ${date} is outside it, so code validity is checked against the nearest release`,
      subject: cs.system,
    });
  }
  return undefined;
}

// A code's warning depends on the code and, unless it is unknown, the date: each is built once
// and shared, frozen, per code (keyed '' when the date does not matter). Bounded per code, at
// about three years of dates: a batch that meets one header code on a few hundred dates of
// service (the bench meets G35 on 280) would otherwise clear the table and rebuild every warning.
// Not larger: bench:screen's file spreads its lines over 4,540 dates, so a header code's table
// is cleared after every thousand or so new dates, yet a bound of 8,192 made screening a million
// of those lines about 7 % slower (whole process, both orders) and the process 4 MB larger.
const codeWarningsByValidity = new WeakMap<CodeValidity, Map<string, WarningV1>>();

function codeWarning(cs: CodeSystem, v: CodeValidity, date: string): WarningV1 {
  let byDate = codeWarningsByValidity.get(v);
  if (!byDate) codeWarningsByValidity.set(v, (byDate = new Map()));
  const key = v.record ? date : '';
  let w = byDate.get(key);
  if (!w) {
    w = deepFreeze(buildCodeWarning(cs, v, date));
    if (byDate.size >= 1024) byDate.clear();
    byDate.set(key, w);
  }
  return w;
}

/** The warning for a code that is not billable on the date. */
function buildCodeWarning(cs: CodeSystem, v: CodeValidity, date: string): WarningV1 {
  const { code, record } = v;
  const display = cs.system === 'icd10cm' ? displayIcd10cm(code) : code;
  const label = `${SYSTEM_LABEL[cs.system]} ${display}`;
  if (!record) {
    const outsideSubset =
      cs.subsetPrefixes !== undefined && !cs.subsetPrefixes.some((p) => code.startsWith(p));
    return outsideSubset
      ? {
          code: 'code-not-in-shipped-set',
          message: `${label} is outside the codes medpolicy ships; it was not validated (load the complete CMS code set to check it)`,
          subject: display,
        }
      : { code: 'unknown-code', message: `${label} is not in ${cs.version}`, subject: display };
  }
  const w = windowOn(record, date);
  if (!w) {
    const spans = record.windows.map((x) => `${x.from} to ${x.to ?? 'now'}`).join(', ');
    return {
      code: 'code-not-effective',
      message: `${label} is not valid on ${date} (valid ${spans})`,
      subject: display,
    };
  }
  // Windows never overlap, so a code not billable on the date is a header on it.
  return {
    code: 'header-code',
    message: `${label} is a header (non-billable) code on ${date}; report a more specific code`,
    subject: display,
  };
}
