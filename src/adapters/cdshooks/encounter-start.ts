// encounter-start: userId, patientId, encounterId. Validated and answered with no cards: the
// policies attach nothing to the start of an encounter, and without a coverage cache (not built
// yet) reading the Encounter and Coverage here would serve nothing.
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
