// Every peer of the benchmarks, with the paths each is measured on: from the derived facts
// (against medpolicy's decide()), from the raw request (against decideRequest() and, after
// JSON.parse, in screening) and from medpolicy's screening reader's output (in screening).
import type { NormalizedRequest } from '../../src/model/normalized-request.js';
import type { Terminology } from '../../src/terminology/terminology.js';
import {
  decideHandWritten,
  handWrittenFromNormalized,
  handWrittenFromRequest,
} from './hand-written.js';
import { decideJsonLogic } from './json-logic.js';
import { decideJsonLogicEngine } from './json-logic-engine.js';
import { decideJsonRulesEngine } from './json-rules-engine.js';
import {
  mp446Facts,
  mp446FactsFromNormalized,
  type Mp446Facts,
  type PeerDecision,
} from './mp446-facts.js';
import { peerRequestProblem } from './validate-request.js';

export interface Peer {
  name: string;
  /** json-rules-engine answers with a promise; the others return their decision. */
  async: boolean;
  /** The rules applied to facts already derived (mp446Facts). */
  fromFacts(f: Mp446Facts): PeerDecision | Promise<PeerDecision>;
  /**
   * Validation, facts and rules, from the raw request; null when the request is refused.
   * `envelope` names fields beside the request (a claim id) that are not checked.
   */
  fromRequest(
    raw: unknown,
    envelope?: ReadonlySet<string>,
  ): PeerDecision | null | Promise<PeerDecision | null>;
  /** Facts and rules, from a request medpolicy's screening reader has read and validated. */
  fromNormalized(req: NormalizedRequest): PeerDecision | Promise<PeerDecision>;
}

/** The peers, deciding for `payers` (the payers their service answers for) with `t`'s value sets. */
export function mp446Peers(t: Terminology, payers: ReadonlySet<string>): Peer[] {
  const sync = (name: string, decide: (f: Mp446Facts) => PeerDecision): Peer => ({
    name,
    async: false,
    fromFacts: decide,
    fromRequest: (raw, envelope) =>
      peerRequestProblem(raw, t, payers, envelope) === undefined
        ? decide(mp446Facts(raw as Record<string, unknown>, t))
        : null,
    fromNormalized: (req) => decide(mp446FactsFromNormalized(req, t)),
  });
  return [
    sync('json-logic-engine', decideJsonLogicEngine),
    sync('json-logic-js', decideJsonLogic),
    {
      name: 'json-rules-engine',
      async: true,
      fromFacts: decideJsonRulesEngine,
      fromRequest: (raw, envelope) =>
        peerRequestProblem(raw, t, payers, envelope) === undefined
          ? decideJsonRulesEngine(mp446Facts(raw as Record<string, unknown>, t))
          : null,
      fromNormalized: (req) => decideJsonRulesEngine(mp446FactsFromNormalized(req, t)),
    },
    {
      name: 'hand-written',
      async: false,
      fromFacts: decideHandWritten,
      fromRequest: (raw, envelope) => handWrittenFromRequest(raw, t, payers, envelope),
      fromNormalized: (req) => handWrittenFromNormalized(req, t),
    },
  ];
}
