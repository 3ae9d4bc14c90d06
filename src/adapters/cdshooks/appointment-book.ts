// appointment-book: userId, patientId, encounterId?, appointments (Bundle of proposed
// Appointments). Each appointment is decided on the order it is based on (basedOn), else on its
// own reason and service type; the systemAction annotates the Appointment.
import {
  bundleResources,
  checkBundle,
  firstProblem,
  requireString,
  type HookBehaviour,
} from './hook-behaviour.js';

export const appointmentBook: HookBehaviour = {
  decides: true,
  checkContext: (c) =>
    firstProblem(
      requireString(c, 'userId'),
      requireString(c, 'patientId'),
      checkBundle(c['appointments'], 'appointments', ['Appointment']),
    ),
  targets: (c) => ({ inline: bundleResources(c['appointments']), refs: [] }),
};
