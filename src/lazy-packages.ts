import { createRequire } from 'node:module';
import type * as AjvPackage from 'ajv';
import type * as YamlPackage from 'yaml';

// Ajv and yaml are loaded on first use, not when a module imports them: a command or worker
// thread whose policy files are all prebuilt (prebuilt-yaml.ts), and whose requests all pass
// the fast validator, never needs either. Both ship CommonJS, so a synchronous require works.
const require = createRequire(import.meta.url);

let ajv: typeof AjvPackage | undefined;
let yaml: typeof YamlPackage | undefined;

export const ajvPackage = (): typeof AjvPackage => (ajv ??= require('ajv') as typeof AjvPackage);
export const yamlPackage = (): typeof YamlPackage =>
  (yaml ??= require('yaml') as typeof YamlPackage);
