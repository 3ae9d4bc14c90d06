import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import {
  DrugCatalogFileSchema,
  IndicationValueSetFileSchema,
  PolicyFileSchema,
  type DrugCatalogFile,
  type IndicationValueSetFile,
  type PolicyFile,
} from './policy.js';

const ajv = new Ajv({ allErrors: true, strict: true, coerceTypes: false, removeAdditional: false });

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

export const validatePolicyFile: ValidateFunction<PolicyFile> =
  ajv.compile<PolicyFile>(PolicyFileSchema);

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

const indicationsValidator = ajv.compile<IndicationValueSetFile>(IndicationValueSetFileSchema);
const drugsValidator = ajv.compile<DrugCatalogFile>(DrugCatalogFileSchema);

export function validateIndicationValueSets(
  data: unknown,
  file: string,
): asserts data is IndicationValueSetFile {
  assertValid(indicationsValidator, data, file);
}
export function validateDrugCatalog(data: unknown, file: string): asserts data is DrugCatalogFile {
  assertValid(drugsValidator, data, file);
}
