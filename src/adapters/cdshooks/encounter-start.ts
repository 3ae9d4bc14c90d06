// encounter-start: userId, patientId, encounterId. Reads the Encounter and primary Coverage (so a
// deployment can cache them for the encounter's order hooks); the policies attach nothing to the
// start of an encounter, so no cards.
import { firstProblem, requireString, type HookBehaviour } from './hook-behaviour.js';

export const encounterStart: HookBehaviour = {
  decides: false,
  checkContext: (c) =>
    firstProblem(
      requireString(c, 'userId'),
      requireString(c, 'patientId'),
      requireString(c, 'encounterId'),
    ),
  targets: () => ({ inline: [], refs: [] }),
};
