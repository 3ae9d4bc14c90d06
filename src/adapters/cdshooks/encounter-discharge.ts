// encounter-discharge: userId, patientId, encounterId. Accepted and validated; no policy here
// attaches anything to a discharge, so no cards.
import { firstProblem, requireString, type HookBehaviour } from './hook-behaviour.js';

export const encounterDischarge: HookBehaviour = {
  decides: false,
  checkContext: (c) =>
    firstProblem(
      requireString(c, 'userId'),
      requireString(c, 'patientId'),
      requireString(c, 'encounterId'),
    ),
  targets: () => ({ inline: [], refs: [] }),
};
