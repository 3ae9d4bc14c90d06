// Checks a peer's decision against medpolicy's Determination for the same request.
import type { DeterminationV1 } from '../../src/model/determination.js';
import type { PeerDecision } from './mp446-facts.js';

const PEER_CODES = new Set(['J2002', 'J2003', 'J2004', 'S0013', 'J0013']);

/** The fields both sides decide, from medpolicy's Determination. */
export function comparable(d: DeterminationV1): PeerDecision {
  return {
    outcome: d.outcome,
    basis: d.basis ?? null,
    priorAuth: d.priorAuth,
    version: d.policy?.version ?? null,
    indication: d.indication ?? null,
    missing: [...d.missing].sort(),
    codesNotEffective: d.warnings
      .filter((w) => w.code === 'code-not-effective' && PEER_CODES.has(w.subject ?? ''))
      .map((w) => w.subject!)
      .sort(),
  };
}

export function normalizePeer(p: PeerDecision): PeerDecision {
  return {
    ...p,
    missing: [...p.missing].sort(),
    codesNotEffective: [...p.codesNotEffective].sort(),
  };
}
