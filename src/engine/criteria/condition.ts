import type { CompiledCondition } from '../../model/compiled-policy.js';
import type { NormalizedRequest } from '../../model/normalized-request.js';
import { MEDICARE_PRIMARY_PRODUCTS } from '../../model/vocabulary.js';

/**
 * Three-valued: a condition on something the request does not say (the setting, whether the
 * provider participates) is 'unknown', so a rule that turns on it yields "conditional" rather
 * than a guess. A missing plan type matches any the rule lists: the policy's answer is the same
 * for every plan type it names. Absent booleans (Medicare primary, group policy) mean false.
 */
export type Truth = true | false | 'unknown';

export function evalCondition(c: CompiledCondition, req: NormalizedRequest): Truth {
  if (c.payer && !c.payer.has(req.payer)) return false;
  if (c.lineOfBusiness && !c.lineOfBusiness.has(req.lineOfBusiness)) return false;
  if (c.planType && req.planType !== undefined && !c.planType.has(req.planType)) return false;
  if (c.medicarePrimary !== undefined && c.medicarePrimary !== medicarePrimary(req)) return false;
  if (c.groupPolicy !== undefined && c.groupPolicy !== req.groupPolicy) return false;
  // An ITS/BlueCard member belongs to another plan: a home plan that is the payer itself is the
  // payer's own member, to whom this payer's policy applies.
  if (
    c.homePlan !== undefined &&
    c.homePlan !== (req.homePlan !== undefined && req.homePlan !== req.payer)
  )
    return false;
  let unknown = false;
  if (c.setting) {
    if (req.setting === undefined) unknown = true;
    else if (!c.setting.has(req.setting)) return false;
  }
  if (c.providerParticipating !== undefined) {
    if (req.providerParticipating === undefined) unknown = true;
    else if (c.providerParticipating !== req.providerParticipating) return false;
  }
  return unknown ? 'unknown' : true;
}

/** Whether Medicare pays first: as the request says, or always for a product that implies it. */
export function medicarePrimary(req: NormalizedRequest): boolean {
  return req.medicarePrimary || MEDICARE_PRIMARY_PRODUCTS.has(req.lineOfBusiness);
}

/** The request fields an 'unknown' condition is waiting for. */
export function unknownFields(c: CompiledCondition, req: NormalizedRequest): string[] {
  const fields: string[] = [];
  if (c.setting && req.setting === undefined) fields.push('setting');
  if (c.providerParticipating !== undefined && req.providerParticipating === undefined)
    fields.push('providerParticipating');
  return fields;
}
