import type { WarningV1 } from '../../model/determination.js';
import type { NormalizedRequest } from '../../model/normalized-request.js';
import { displayIcd10cm } from '../../terminology/code-format.js';
import { windowOn, type CodeSystem } from '../../terminology/code-system.js';
import {
  billableOn,
  codeValidities,
  type CodeValidities,
  type CodeValidity,
} from '../../terminology/code-validity.js';
import { describeAmbiguity, type AmbiguousPlacement } from '../../terminology/indications.js';
import type { Terminology } from '../../terminology/terminology.js';

const SYSTEM_LABEL = { icd10cm: 'ICD-10-CM', hcpcs: 'HCPCS', cpt: 'CPT' } as const;

/** Warnings for codes that are unknown, header-only or not valid on the date of service. */
export function codeWarnings(req: NormalizedRequest, t: Terminology, out: WarningV1[]): void {
  const date = req.dateOfService;
  const diagnoses = req.diagnosisCodes;
  const procedures = req.procedureCodes;
  if (diagnoses.length === 0 && procedures.length === 0) return;
  const v = validitiesOf(t);
  if (diagnoses.length > 0) {
    coverageWarning(t.icd10cm, date, out);
    for (const code of diagnoses) {
      const c = v.icd10cm.get(code);
      if (!billableOn(c, date)) out.push(codeWarning(t.icd10cm, c, date));
    }
  }
  for (const pc of procedures) {
    const isCpt = pc.system === 'cpt';
    const c = (isCpt ? v.cpt : v.hcpcs).get(pc.code);
    if (!billableOn(c, date)) out.push(codeWarning(isCpt ? t.cpt : t.hcpcs, c, date));
  }
}

interface TerminologyValidities {
  icd10cm: CodeValidities;
  cpt: CodeValidities;
  hcpcs: CodeValidities;
}
const validities = new WeakMap<Terminology, TerminologyValidities>();

/** The three code sets' validities, found once per request rather than once per code. */
let last: { t: Terminology; v: TerminologyValidities } | undefined;

function validitiesOf(t: Terminology): TerminologyValidities {
  if (last?.t === t) return last.v;
  let v = validities.get(t);
  if (!v) {
    v = {
      icd10cm: codeValidities(t.icd10cm),
      cpt: codeValidities(t.cpt),
      hcpcs: codeValidities(t.hcpcs),
    };
    validities.set(t, v);
  }
  last = { t, v };
  return v;
}

// Today's claims fall after the newest release loaded, so this warning is on nearly every
// request: built once per code system and date, shared frozen (the engine never edits a warning).
const coverageWarnings = new WeakMap<CodeSystem, Map<string, WarningV1 | null>>();

function coverageWarning(cs: CodeSystem, date: string, out: WarningV1[]): void {
  const { from, to } = cs.covers;
  if (from <= date && (to === undefined || date <= to)) return;
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
    return Object.freeze({
      code: 'code-set-date',
      message: `date of service ${date} is after the newest ${SYSTEM_LABEL[cs.system]} release loaded (${newest.label}, effective ${newest.effectiveFrom} to ${newest.effectiveTo}); codes were checked against it. Load the release in force (MEDPOLICY_ICD10CM)`,
      subject: cs.system,
    });
  }
  if (date < from || (to !== undefined && date > to)) {
    return Object.freeze({
      code: 'code-set-date',
      message: `${cs.version} speaks for dates of service ${from} to ${to ?? 'today'}; ${date} is outside it, so code validity is checked against the nearest release`,
      subject: cs.system,
    });
  }
  return undefined;
}

/** A diagnosis whose indication family the value sets leave open is named, never guessed. */
export function ambiguousPlacementWarning(code: string, t: Terminology, out: WarningV1[]): void {
  const a = t.indications.ambiguity(code);
  if (a) out.push(ambiguityWarning(a));
}

// The placement is computed once per code (indications.ts), so its warning is too.
const ambiguityWarnings = new WeakMap<AmbiguousPlacement, WarningV1>();

function ambiguityWarning(a: AmbiguousPlacement): WarningV1 {
  let w = ambiguityWarnings.get(a);
  if (!w) {
    w = Object.freeze({
      code: 'ambiguous-indication',
      message: describeAmbiguity(a),
      subject: displayIcd10cm(a.code),
    });
    ambiguityWarnings.set(a, w);
  }
  return w;
}

// A code's warning depends on the code and, unless it is unknown, the date: each is built once
// and shared, frozen, per code (keyed '' when the date does not matter). Bounded per code.
const codeWarningsByValidity = new WeakMap<CodeValidity, Map<string, WarningV1>>();

function codeWarning(cs: CodeSystem, v: CodeValidity, date: string): WarningV1 {
  let byDate = codeWarningsByValidity.get(v);
  if (!byDate) codeWarningsByValidity.set(v, (byDate = new Map()));
  const key = v.record ? date : '';
  let w = byDate.get(key);
  if (!w) {
    w = Object.freeze(buildCodeWarning(cs, v, date));
    if (byDate.size >= 256) byDate.clear();
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
