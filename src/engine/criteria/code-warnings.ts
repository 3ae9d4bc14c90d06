import type { WarningV1 } from '../../model/determination.js';
import type { NormalizedRequest } from '../../model/normalized-request.js';
import { displayIcd10cm } from '../../terminology/code-format.js';
import { windowOn, type CodeSystem } from '../../terminology/code-system.js';
import { describeAmbiguity } from '../../terminology/indications.js';
import type { Terminology } from '../../terminology/terminology.js';

const SYSTEM_LABEL = { icd10cm: 'ICD-10-CM', hcpcs: 'HCPCS', cpt: 'CPT' } as const;

/** Warnings for codes that are unknown, header-only or not valid on the date of service. */
export function codeWarnings(req: NormalizedRequest, t: Terminology, out: WarningV1[]): void {
  if (req.diagnosisCodes.length > 0) {
    coverageWarning(t.icd10cm, req.dateOfService, out);
    for (const code of req.diagnosisCodes) checkCode(t.icd10cm, code, req.dateOfService, out);
  }
  for (const pc of req.procedureCodes)
    checkCode(pc.system === 'cpt' ? t.cpt : t.hcpcs, pc.code, req.dateOfService, out);
}

// Today's claims fall after the newest release loaded, so this warning is on nearly every
// request: built once per code system and date, shared frozen (the engine never edits a warning).
const coverageWarnings = new WeakMap<CodeSystem, Map<string, WarningV1 | null>>();

function coverageWarning(cs: CodeSystem, date: string, out: WarningV1[]): void {
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
  if (a) {
    out.push({
      code: 'ambiguous-indication',
      message: describeAmbiguity(a),
      subject: displayIcd10cm(code),
    });
  }
}

function checkCode(cs: CodeSystem, code: string, date: string, out: WarningV1[]): void {
  const record = cs.get(code);
  // Most codes are valid: build display strings only for a warning.
  const w = record ? windowOn(record, date) : undefined;
  if (w?.billable) return;
  const display = cs.system === 'icd10cm' ? displayIcd10cm(code) : code;
  const label = `${SYSTEM_LABEL[cs.system]} ${display}`;
  if (!record) {
    const outsideSubset =
      cs.subsetPrefixes !== undefined && !cs.subsetPrefixes.some((p) => code.startsWith(p));
    out.push(
      outsideSubset
        ? {
            code: 'code-not-in-shipped-set',
            message: `${label} is outside the codes medpolicy ships; it was not validated (load the complete CMS code set to check it)`,
            subject: display,
          }
        : { code: 'unknown-code', message: `${label} is not in ${cs.version}`, subject: display },
    );
    return;
  }
  if (!w) {
    const spans = record.windows.map((x) => `${x.from} to ${x.to ?? 'now'}`).join(', ');
    out.push({
      code: 'code-not-effective',
      message: `${label} is not valid on ${date} (valid ${spans})`,
      subject: display,
    });
  } else if (!w.billable) {
    out.push({
      code: 'header-code',
      message: `${label} is a header (non-billable) code on ${date}; report a more specific code`,
      subject: display,
    });
  }
}
