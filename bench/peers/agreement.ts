// Checks every peer's decisions against medpolicy's Determinations for the same requests: a
// benchmark whose contenders decide differently compares nothing.
import { decide } from '../../src/engine/decide.js';
import type { DeterminationV1 } from '../../src/model/determination.js';
import type { DecisionContext } from '../../src/service/load-context.js';
import { decideRequest } from '../../src/service/decide-request.js';
import { validateCoverageRequest } from '../../src/service/validate-request.js';
import { mp446Facts, type PeerDecision } from './mp446-facts.js';
import type { Peer } from './peers.js';

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

export interface Disagreement {
  peer: string;
  /** 'request': decideRequest() against the peer from the raw request; 'facts': decide() against the peer from facts. */
  path: 'request' | 'facts';
  request: unknown;
  medpolicy: PeerDecision | 'refused';
  peerDecision: PeerDecision | 'refused';
}

/**
 * Every disagreement of every peer with medpolicy on `requests`, on both paths: a refused
 * request must be refused by both sides; a decided one decided alike.
 */
export async function disagreements(
  requests: readonly unknown[],
  ctx: DecisionContext,
  peers: readonly Peer[],
): Promise<Disagreement[]> {
  const found: Disagreement[] = [];
  const show = (d: PeerDecision | null) => (d === null ? 'refused' : normalizePeer(d));
  for (const request of requests) {
    const r = decideRequest(request, ctx);
    const ours = r.ok ? comparable(r.determination) : 'refused';
    const v = validateCoverageRequest(request, ctx);
    const facts = v.ok ? mp446Facts(request as Record<string, unknown>, ctx.terminology) : null;
    const fromDecide = v.ok ? comparable(decide(v.value, ctx.policySet, ctx.terminology)) : null;
    for (const peer of peers) {
      const theirs = show(await peer.fromRequest(request));
      if (JSON.stringify(theirs) !== JSON.stringify(ours))
        found.push({
          peer: peer.name,
          path: 'request',
          request,
          medpolicy: ours,
          peerDecision: theirs,
        });
      if (facts && fromDecide) {
        const fromFacts = show(await peer.fromFacts(facts));
        if (JSON.stringify(fromFacts) !== JSON.stringify(fromDecide))
          found.push({
            peer: peer.name,
            path: 'facts',
            request,
            medpolicy: fromDecide,
            peerDecision: fromFacts,
          });
      }
    }
  }
  return found;
}
