// Hook name → behaviour: one file per hook.
import { appointmentBook } from './appointment-book.js';
import { encounterDischarge } from './encounter-discharge.js';
import { encounterStart } from './encounter-start.js';
import type { HookBehaviour } from './hook-behaviour.js';
import { orderDispatch } from './order-dispatch.js';
import { orderSelect } from './order-select.js';
import { orderSign } from './order-sign.js';
import type { Hook } from './services.js';

export const HOOK_BEHAVIOURS: Record<Hook, HookBehaviour> = {
  'order-sign': orderSign,
  'order-select': orderSelect,
  'order-dispatch': orderDispatch,
  'appointment-book': appointmentBook,
  'encounter-start': encounterStart,
  'encounter-discharge': encounterDischarge,
};
