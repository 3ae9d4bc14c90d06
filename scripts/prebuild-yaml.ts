// Part of `npm run build`: parses and checks the shipped YAML files (the policies, the value sets
// and the code-set annotations) once, and writes their values beside dist/src/prebuilt-yaml.js,
// so that loading the policy set at run time does not parse YAML or compile schemas (see
// src/prebuilt-yaml.ts). A file that does not pass its checks is left out: at run time it is
// parsed, and its problems are reported, as before.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { packageRoot } from '../src/package-root.js';
import { checkedPolicyText } from '../src/policies/compile-policy-set.js';
import { readPolicyInputs } from '../src/policies/load-policy-set.js';
import {
  PREBUILT_YAML_FILE,
  prebuiltKey,
  type PrebuiltYamlV1,
  type YamlKind,
} from '../src/prebuilt-yaml.js';
import { parseTerminologyYaml, TERMINOLOGY_YAML } from '../src/terminology/load-terminology.js';

const root = packageRoot();
const entries: Record<string, string> = {};
const skipped: string[] = [];

function add(kind: YamlKind, path: string, text: string, value: () => unknown) {
  let data: unknown;
  try {
    data = value();
  } catch {
    data = undefined; // does not pass its checks: left to be reported at run time
  }
  const json = data === undefined ? undefined : JSON.stringify(data);
  // Only what JSON gives back unchanged (no NaN, Infinity or -0 in a file).
  if (json === undefined || !isDeepStrictEqual(JSON.parse(json), data)) {
    skipped.push(path);
    return;
  }
  entries[prebuiltKey(kind, text)] = json;
}

for (const f of Object.values(TERMINOLOGY_YAML)) {
  const text = readFileSync(join(root, f.path), 'utf8');
  add(f.kind, f.path, text, () => parseTerminologyYaml(f, text));
}
for (const p of readPolicyInputs(join(root, 'policies')).policies) {
  add('policy', p.path, p.text, () => {
    const checked = checkedPolicyText(p.text);
    return 'data' in checked ? checked.data : undefined;
  });
}

const file: PrebuiltYamlV1 = { format: 'medpolicy-prebuilt-yaml/1', entries };
const tmp = `${PREBUILT_YAML_FILE.pathname}.${process.pid}.tmp`;
writeFileSync(tmp, JSON.stringify(file));
renameSync(tmp, PREBUILT_YAML_FILE);
console.log(
  `prebuilt ${Object.keys(entries).length} YAML files` +
    (skipped.length > 0 ? `; left to run time: ${skipped.join(', ')}` : ''),
);
