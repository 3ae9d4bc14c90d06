import type { ErrorObject, ValidateFunction } from 'ajv';
import { strictValidator } from '../lazy-packages.js';
import {
  DrugCatalogFileSchema,
  IndicationValueSetFileSchema,
  PolicyFileSchema,
  type DrugCatalogFile,
  type IndicationValueSetFile,
  type PolicyFile,
} from './policy.js';

export interface SchemaIssue {
  /** JSON Pointer into the file. */
  path: string;
  message: string;
}

export function schemaIssues(errors: ErrorObject[] | null | undefined): SchemaIssue[] {
  return (errors ?? []).map((e) => {
    if (e.keyword === 'additionalProperties') {
      const extra = (e.params as { additionalProperty: string }).additionalProperty;
      return { path: `${e.instancePath}/${extra}`, message: `unknown key "${extra}"` };
    }
    return { path: e.instancePath || '/', message: e.message ?? e.keyword };
  });
}

// Each schema is compiled on its first use: compiling all three cost about 0.1 s of every
// start-up, and a file found among the prebuilt ones (prebuilt-yaml.ts) was checked at build time.
export const policyFileValidator = strictValidator<PolicyFile>(PolicyFileSchema);
const indicationsValidator = strictValidator<IndicationValueSetFile>(IndicationValueSetFileSchema);
const drugsValidator = strictValidator<DrugCatalogFile>(DrugCatalogFileSchema);

function assertValid<T>(
  validate: ValidateFunction<T>,
  data: unknown,
  file: string,
): asserts data is T {
  if (!validate(data)) {
    const issues = schemaIssues(validate.errors).map((i) => `${file}: ${i.path}: ${i.message}`);
    throw new Error(`invalid value-set file:\n${issues.join('\n')}`);
  }
}

export function validateIndicationValueSets(
  data: unknown,
  file: string,
): asserts data is IndicationValueSetFile {
  assertValid(indicationsValidator(), data, file);
}
export function validateDrugCatalog(data: unknown, file: string): asserts data is DrugCatalogFile {
  assertValid(drugsValidator(), data, file);
}
