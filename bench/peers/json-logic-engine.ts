// BCBSAL MP-446 in JsonLogic, the same JSON rules as json-logic.ts, compiled once by
// json-logic-engine (`new LogicEngine().build(rule)`: each rule becomes a JavaScript function),
// its fastest mode and the one a team that cares about speed would use.
import { LogicEngine } from 'json-logic-engine';
import { decideWithJsonLogic, MP446_JSONLOGIC, type JsonLogicRules } from './json-logic.js';
import type { Mp446Facts, PeerDecision } from './mp446-facts.js';

const engine = new LogicEngine();
const build = (rule: unknown) => engine.build(rule) as (data: object) => unknown;

export const JSON_LOGIC_ENGINE: JsonLogicRules = {
  version: build(MP446_JSONLOGIC.version),
  role: build(MP446_JSONLOGIC.role),
  missing: build(MP446_JSONLOGIC.missing),
  decision: build(MP446_JSONLOGIC.decision),
  codeNotEffective: build(MP446_JSONLOGIC.codeNotEffective),
};

export function decideJsonLogicEngine(f: Mp446Facts): PeerDecision {
  return decideWithJsonLogic(JSON_LOGIC_ENGINE, f);
}
