import { createRequire } from 'node:module';
import type * as AjvPackage from 'ajv';
import type { Ajv, ValidateFunction } from 'ajv';
import type * as YamlPackage from 'yaml';

// Ajv and yaml are loaded on first use, not when a module imports them: a command or worker
// thread whose policy files are all prebuilt (prebuilt-yaml.ts), and whose requests all pass
// the fast validator, never needs either. Both ship CommonJS, so a synchronous require works.
const require = createRequire(import.meta.url);

let yaml: typeof YamlPackage | undefined;
export const yamlPackage = (): typeof YamlPackage =>
  (yaml ??= require('yaml') as typeof YamlPackage);

let ajv: Ajv | undefined;

/**
 * A validator for `schema`, compiled on its first call. Files and requests are validated, never
 * repaired: every problem is collected, unknown keywords are errors, and nothing is coerced,
 * dropped or defaulted.
 */
export function strictValidator<T = unknown>(schema: object): () => ValidateFunction<T> {
  let validate: ValidateFunction<T> | undefined;
  return () =>
    (validate ??= (ajv ??= new (require('ajv') as typeof AjvPackage).Ajv({
      allErrors: true,
      strict: true,
      coerceTypes: false,
      removeAdditional: false,
      useDefaults: false,
    })).compile<T>(schema));
}
