import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { CompiledPolicySet } from '../model/compiled-policy.js';
import { policiesDir } from '../package-root.js';
import type { Terminology } from '../terminology/terminology.js';
import { compilePolicySet, type PolicyInput } from './compile-policy-set.js';

const COVERAGE_MAP_NAME = 'crd-coverage-map.yaml';

/**
 * Every policy file under policies/<payer>/ (not the cases, value sets or sources), from the
 * policies directory `dir` (default: MEDPOLICY_POLICIES or the package's). Paths are reported as
 * policies/<payer>/<file> whichever directory they came from.
 */
export function readPolicyInputs(dir = policiesDir()) {
  const policies: PolicyInput[] = [];
  const otherInputs: PolicyInput[] = [];
  const sources = new Map<string, string>();
  for (const entry of readdirSync(dir).sort()) {
    const sub = join(dir, entry);
    // The CRD coverage map decides CRD answers: a change to it is a new revision like any other.
    if (entry === COVERAGE_MAP_NAME) {
      otherInputs.push({ path: `policies/${entry}`, text: readFileSync(sub, 'utf8') });
      continue;
    }
    if (!statSync(sub).isDirectory()) continue;
    for (const name of readdirSync(sub).sort()) {
      const path = join(sub, name);
      const rel = `policies/${relative(dir, path).split(sep).join('/')}`;
      if (entry === 'sources') {
        if (name.endsWith('.txt')) sources.set(`sources/${name}`, readFileSync(path, 'utf8'));
      } else if (entry === 'valuesets') {
        if (name.endsWith('.yaml'))
          otherInputs.push({ path: rel, text: readFileSync(path, 'utf8') });
      } else if (name.endsWith('.yaml') && !name.endsWith('.cases.yaml')) {
        policies.push({ path: rel, text: readFileSync(path, 'utf8') });
      }
    }
  }
  return { policies, sources, otherInputs };
}

export function loadPolicySet(terminology: Terminology, dir = policiesDir()): CompiledPolicySet {
  return compilePolicySet(readPolicyInputs(dir), terminology);
}
