// What differs between hooks: how the context is checked and which resources are decided.
import { asArray, isObject, isResource, refKey, str, type Json } from './fhir.js';

export interface Targets {
  /** Resources carried in the context itself (draft orders, proposed appointments). */
  inline: Json[];
  /** "Type/id" references to resolve from prefetch or the EHR (dispatched orders). */
  refs: string[];
}

export interface HookBehaviour {
  /** A message naming what is wrong with the context, or undefined when it is usable. */
  checkContext(context: Json): string | undefined;
  targets(context: Json): Targets;
  /** Whether the hook returns coverage information (false: encounter hooks only read data). */
  decides: boolean;
}

/** Request resource types a CRD order hook may carry (CRD hooks.md). */
export const ORDER_TYPES = [
  'CommunicationRequest',
  'DeviceRequest',
  'MedicationRequest',
  'NutritionOrder',
  'ServiceRequest',
  'VisionPrescription',
];

/** More resources than an order screen holds is not a real call; bound the work. */
export const MAX_ENTRIES = 100;

export function requireString(context: Json, field: string): string | undefined {
  return str(context[field]) ? undefined : `context.${field} must be a non-empty string`;
}

/** A Bundle of resources, each with resourceType (of the allowed types) and id. */
export function checkBundle(
  v: unknown,
  field: string,
  types: readonly string[],
): string | undefined {
  if (!isObject(v) || v['resourceType'] !== 'Bundle')
    return `context.${field} must be a FHIR Bundle`;
  if (v['entry'] !== undefined && !Array.isArray(v['entry']))
    return `context.${field}.entry must be an array`;
  const entries = asArray(v['entry']);
  if (entries.length > MAX_ENTRIES) return `context.${field} has more than ${MAX_ENTRIES} entries`;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    const r = isObject(e) ? e['resource'] : undefined;
    if (!isResource(r)) return `context.${field}.entry[${i}].resource must be a FHIR resource`;
    if (!types.includes(r.resourceType))
      return `context.${field}.entry[${i}].resource is a ${r.resourceType}; expected ${types.join(', ')}`;
    if (!str(r['id'])) return `context.${field}.entry[${i}].resource needs an id`;
  }
  return undefined;
}

export function bundleResources(v: unknown): Json[] {
  if (!isObject(v)) return [];
  return asArray(v['entry'])
    .map((e) => (isObject(e) ? e['resource'] : undefined))
    .filter(isResource);
}

/** An array of reference strings ("MedicationRequest/123"). */
export function checkRefArray(v: unknown, field: string): string | undefined {
  if (!Array.isArray(v) || v.length === 0)
    return `context.${field} must be a non-empty array of references`;
  if (v.length > MAX_ENTRIES) return `context.${field} has more than ${MAX_ENTRIES} references`;
  for (let i = 0; i < v.length; i++)
    if (!refKey(v[i]))
      return `context.${field}[${i}] must be a reference like "MedicationRequest/123"`;
  return undefined;
}

export function firstProblem(...checks: (string | undefined)[]): string | undefined {
  return checks.find((c) => c !== undefined);
}
