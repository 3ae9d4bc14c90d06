// Code formats. A string that is not shaped like a code is an error (the request is rejected);
// a well-shaped code the loaded code set does not know is only a warning.

// The second character was always a digit until FY2026 brought QA0- (neurodevelopmental
// disorders related to pathogenic gene variants): it may be a letter when the third is a digit,
// which still keeps words such as "CRPS" from passing for codes.
const ICD10CM = /^[A-Z](?:[0-9][0-9A-Z]|[A-Z][0-9])(?:\.?[0-9A-Z]{1,4})?$/;
const CPT = /^[0-9]{4}[0-9FTU]$/;
const HCPCS = /^[A-V][0-9]{4}$/;

/** Uppercase, dot removed: the key every ICD-10-CM lookup uses. */
export function normalizeIcd10cm(code: string): string | undefined {
  const c = code.trim().toUpperCase();
  if (!ICD10CM.test(c)) return undefined;
  // A dot is only valid after the category (third character).
  if (c.includes('.') && c.indexOf('.') !== 3) return undefined;
  return c.replace('.', '');
}

/** The conventional display form: a dot after the category. */
export function displayIcd10cm(key: string): string {
  return key.length > 3 ? `${key.slice(0, 3)}.${key.slice(3)}` : key;
}

export type ProcedureSystem = 'cpt' | 'hcpcs';

export function classifyProcedureCode(
  code: string,
): { system: ProcedureSystem; code: string } | undefined {
  const c = code.trim().toUpperCase();
  if (CPT.test(c)) return { system: 'cpt', code: c };
  if (HCPCS.test(c)) return { system: 'hcpcs', code: c };
  return undefined;
}
