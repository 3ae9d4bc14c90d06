// Which code sets to load, as the environment or the caller says. Apart from the loader so that
// deciding whether the prebuilt context applies loads nothing else.

export interface TerminologyOptions {
  /**
   * CMS ICD-10-CM order files to load (MEDPOLICY_ICD10CM): they extend the shipped history (a
   * newer release) or replace the shipped release that takes effect the same day.
   */
  icd10cmFiles?: string[];
  /** Use only those files, not the shipped history (MEDPOLICY_ICD10CM_ONLY=1). */
  icd10cmOnlyLoaded?: boolean;
  /** Fiscal year, when a single file's name does not carry it (MEDPOLICY_ICD10CM_FY). */
  icd10cmFiscalYear?: number;
  /** A CMS HCPCS contractor file (HCPC<YYYY>_<MON>_ANWEB.txt) to load (MEDPOLICY_HCPCS). */
  hcpcsFile?: string;
  /** The package root, for the shipped code sets under terminology/. */
  root?: string;
  /** The policies directory, for its valuesets/ (MEDPOLICY_POLICIES; default the package's). */
  policiesDir?: string;
}

export function terminologyOptionsFromEnv(env: NodeJS.ProcessEnv): TerminologyOptions {
  const opts: TerminologyOptions = {};
  const files = env.MEDPOLICY_ICD10CM?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (files?.length) opts.icd10cmFiles = files;
  if (env.MEDPOLICY_ICD10CM_ONLY === '1' || env.MEDPOLICY_ICD10CM_ONLY === 'true')
    opts.icd10cmOnlyLoaded = true;
  if (env.MEDPOLICY_HCPCS?.trim()) opts.hcpcsFile = env.MEDPOLICY_HCPCS.trim();
  if (env.MEDPOLICY_ICD10CM_FY) {
    const fy = Number(env.MEDPOLICY_ICD10CM_FY);
    if (!Number.isInteger(fy) || fy < 2016 || fy > 2100) {
      throw new Error(
        `MEDPOLICY_ICD10CM_FY must be a fiscal year such as 2026, not "${env.MEDPOLICY_ICD10CM_FY}"`,
      );
    }
    opts.icd10cmFiscalYear = fy;
  }
  return opts;
}

/** Whether the options load code sets from the operator's CMS files instead of the shipped ones. */
export function loadsOperatorFiles(opts: TerminologyOptions): boolean {
  return (
    (opts.icd10cmFiles?.length ?? 0) > 0 ||
    opts.icd10cmOnlyLoaded === true ||
    opts.hcpcsFile !== undefined
  );
}
