import type { CompiledPolicy, CompiledVersion } from '../../model/compiled-policy.js';

/** The version in force on a date of service (ISO dates compare as strings). */
export function versionAt(
  policy: CompiledPolicy,
  dateOfService: string,
): CompiledVersion | undefined {
  const versions = policy.versions;
  for (let i = versions.length - 1; i >= 0; i--) {
    const v = versions[i]!;
    if (v.effectiveFrom <= dateOfService) return v;
  }
  return undefined;
}
