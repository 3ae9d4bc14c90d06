// The CDS services this server offers, declared once as data: discovery, request validation and
// dispatch all read this table. Service URL: {base}/cds-services/{id}.
import { CRD_VERSIONS } from './coverage-information.js';

export const HOOKS = [
  'order-sign',
  'order-select',
  'order-dispatch',
  'appointment-book',
  'encounter-start',
  'encounter-discharge',
] as const;
export type Hook = (typeof HOOKS)[number];

export interface ConfigurationOption {
  code: string;
  type: 'boolean' | 'integer';
  name: string;
  description: string;
  default: boolean | number;
}

export interface ServiceDefinition {
  id: string;
  hook: Hook;
  title: string;
  description: string;
  prefetch: Record<string, string>;
  configurationOptions: ConfigurationOption[];
}

// The CRD standard prefetch templates (CRD IG, CRDServices.json), restricted to what a coverage
// decision reads: Encounter (setting), the primary Coverage, the orders and their Medications.
// Patient demographics and practitioner records are not requested (CRD found-26 allows asking for
// less; security.md sec-5 asks servers to take only what the decision needs).
const BASE = {
  encounter: 'Encounter/{{context.encounterId}}',
  coverage: 'Coverage?patient={{context.patientId}}&status=active',
};
const DRAFT_MEDICATIONS =
  'Medication?_id={{context.draftOrders.entry.resource.ofType(MedicationRequest).medication.resolve().id}}';

const OPTION = {
  coverageInfo: {
    code: 'coverage-info',
    type: 'boolean',
    name: 'Coverage Information',
    description:
      'Whether the order is covered under the member’s plan and needs prior authorization, as the payer’s medical policy states it, with the policy sentence that decides it',
    default: true,
  },
  guideline: {
    code: 'guideline',
    type: 'boolean',
    name: 'Policy reference',
    description: 'A link to the medical policy that decided the order',
    default: true,
  },
  maxCards: {
    code: 'max-cards',
    type: 'integer',
    name: 'Maximum cards',
    description: 'The maximum number of cards returned; instructions cards come first',
    default: 10,
  },
} as const satisfies Record<string, ConfigurationOption>;
const ORDER_OPTIONS: ConfigurationOption[] = [
  OPTION.coverageInfo,
  OPTION.guideline,
  OPTION.maxCards,
];

export const SERVICES: readonly ServiceDefinition[] = [
  {
    id: 'medpolicy-order-sign',
    hook: 'order-sign',
    title: 'Medical policy coverage at order signing',
    description:
      'Coverage, prior-authorization and the deciding policy sentence for draft MedicationRequest and ServiceRequest orders (IV ketamine, lidocaine and other anesthetics for chronic pain and psychiatric disorders).',
    prefetch: { ...BASE, medications: DRAFT_MEDICATIONS },
    configurationOptions: ORDER_OPTIONS,
  },
  {
    id: 'medpolicy-order-select',
    hook: 'order-select',
    title: 'Medical policy coverage at order selection',
    description:
      'Coverage for the selected draft orders, early, so that order-sign can be answered from the same policies; never asks for documentation.',
    prefetch: { ...BASE, medications: DRAFT_MEDICATIONS },
    configurationOptions: ORDER_OPTIONS,
  },
  {
    id: 'medpolicy-order-dispatch',
    hook: 'order-dispatch',
    title: 'Medical policy coverage at order dispatch',
    description:
      'Coverage for orders dispatched to a performer; accepts the hook 1.0 (order, task) and 1.1 (dispatchedOrders, fulfillmentTasks) contexts.',
    prefetch: {
      ...BASE,
      medicationRequests:
        'MedicationRequest?_id={{context.dispatchedOrders.resolve().ofType(MedicationRequest).id}}',
      serviceRequests:
        'ServiceRequest?_id={{context.dispatchedOrders.resolve().ofType(ServiceRequest).id}}',
      medications: 'Medication?_id={{%medicationRequests.entry.resource.medication.resolve().id}}',
    },
    configurationOptions: ORDER_OPTIONS,
  },
  {
    id: 'medpolicy-appointment-book',
    hook: 'appointment-book',
    title: 'Medical policy coverage at appointment booking',
    description:
      'Coverage for proposed appointments (for example an infusion visit), decided on the order each appointment is based on.',
    prefetch: {
      ...BASE,
      serviceRequests:
        'ServiceRequest?_id={{context.appointments.entry.resource.basedOn.resolve().ofType(ServiceRequest).id}}',
      medicationRequests:
        "MedicationRequest?_id={{context.appointments.entry.resource.basedOn.extension('http://hl7.org/fhir/StructureDefinition/alternate-reference').value.resolve().ofType(MedicationRequest).id}}",
      medications: 'Medication?_id={{%medicationRequests.entry.resource.medication.resolve().id}}',
    },
    configurationOptions: ORDER_OPTIONS,
  },
  {
    id: 'medpolicy-encounter-start',
    hook: 'encounter-start',
    title: 'Coverage context at encounter start',
    description:
      'Accepted for completeness; the medical policies here attach nothing to the start of an encounter, so it returns no cards.',
    prefetch: { ...BASE },
    configurationOptions: [OPTION.maxCards],
  },
  {
    id: 'medpolicy-encounter-discharge',
    hook: 'encounter-discharge',
    title: 'Coverage context at encounter discharge',
    description:
      'Accepted for completeness; the medical policies here attach nothing to a discharge, so it returns no cards.',
    prefetch: { ...BASE },
    configurationOptions: [OPTION.maxCards],
  },
];

export function findService(id: string): ServiceDefinition | undefined {
  return SERVICES.find((s) => s.id === id);
}

/** Versions every service supports, two-part (CRD deviations.md dev-1, dev-2). */
export const SUPPORTED_CRD_VERSIONS = CRD_VERSIONS;
