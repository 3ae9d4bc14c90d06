import { parse } from 'yaml';
import { readPolicyInputs } from '../../src/policies/load-policy-set.js';

// What the policy corpus in use (MEDPOLICY_POLICIES or the package's policies/) holds, read from
// its files directly, not through the compiler: tests compare the engine's answers with these, so
// adding a payer or a policy as data keeps them green while dropping one still fails them.

/** Every policy file's id and payers, in file order. */
export function corpusPolicies(): { id: string; payers: string[]; path: string }[] {
  return readPolicyInputs().policies.map((p) => {
    const data = parse(p.text) as { id: string; payers: string[] };
    return { id: data.id, payers: data.payers, path: p.path };
  });
}

/** Every payer some policy governs, sorted (the order compare and the payer lists use). */
export function corpusPayers(): string[] {
  return [...new Set(corpusPolicies().flatMap((p) => p.payers))].sort();
}
