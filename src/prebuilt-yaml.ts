import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  DrugCatalogFileSchema,
  IndicationValueSetFileSchema,
  PolicyFileSchema,
} from './model/policy.js';

// Parsing YAML with the `yaml` package (which keeps every node's position, for error messages)
// and compiling the schemas that check it were about a third of every command's and every
// screening thread's start-up. So the build parses and checks the shipped files once
// (scripts/prebuild-yaml.ts writes prebuilt-yaml.json beside this module), and at run time a
// file whose kind and exact text hash to a prebuilt entry takes its value from there. Any other
// text, such as an analyst's edit or another policy root, is parsed and checked as before: an
// entry only ever holds what parsing and checking that same text gives.

/** What a YAML file is, which decides how it is checked. */
export type YamlKind =
  'policy' | 'indications' | 'drugs' | 'bases' | 'facts' | 'code-system' | 'icd10cm-changes';

/** The file the build writes: entry key → the value as JSON text. */
export interface PrebuiltYamlV1 {
  format: 'medpolicy-prebuilt-yaml/1';
  entries: Record<string, string>;
}

export const PREBUILT_YAML_FILE = new URL('./prebuilt-yaml.json', import.meta.url);

// The schemas are part of every key: a build whose prebuilt file was not rewritten after a
// schema changed (tsc run alone) finds no entries, rather than values the new schema never saw.
let schemas: string | undefined;

export function prebuiltKey(kind: YamlKind, text: string): string {
  schemas ??= createHash('sha256')
    .update(JSON.stringify([PolicyFileSchema, IndicationValueSetFileSchema, DrugCatalogFileSchema]))
    .digest('base64url');
  return createHash('sha256')
    .update(schemas)
    .update('\0')
    .update(kind)
    .update('\0')
    .update(text)
    .digest('base64url');
}

let entries: Record<string, string> | undefined;

/** The prebuilt value of a file of this kind and text (a fresh copy), or undefined. */
export function prebuiltYaml(kind: YamlKind, text: string): unknown {
  entries ??= readEntries();
  const json = entries[prebuiltKey(kind, text)];
  return json === undefined ? undefined : JSON.parse(json);
}

/** How many entries the build wrote (none when the file is absent or not ours). */
export function prebuiltYamlCount(): number {
  entries ??= readEntries();
  return Object.keys(entries).length;
}

function readEntries(): Record<string, string> {
  try {
    const file = JSON.parse(readFileSync(PREBUILT_YAML_FILE, 'utf8')) as PrebuiltYamlV1;
    return file.format === 'medpolicy-prebuilt-yaml/1' ? file.entries : {};
  } catch {
    return {}; // not built (running from a checkout before `npm run build`): parse everything
  }
}
