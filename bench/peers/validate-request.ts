// What a team without medpolicy would check before its rules run, so that the peers' measured
// path from a raw request does the work medpolicy's validation does: the object's shape and
// known fields, the required payer and date, a date that exists, the closed vocabularies, a
// drug name the catalog knows, an indication family that exists, and well-formed codes. Written
// as plain checks rather than a JSON Schema validator: the cheapest way a team would do it, so
// it errs in the peers' favour.
import { LINES_OF_BUSINESS, PLAN_TYPES, ROUTES, SETTINGS } from '../../src/model/vocabulary.js';
import type { Terminology } from '../../src/terminology/terminology.js';

const LOB = new Set<string>(LINES_OF_BUSINESS);
const PLAN = new Set<string>(PLAN_TYPES);
const SETTING = new Set<string>(SETTINGS);
const ROUTE = new Set<string>(ROUTES);
const BOOLEAN_FIELDS = new Set(['medicarePrimary', 'providerParticipating', 'groupPolicy']);
const FIELDS = new Set([
  'payer',
  'lineOfBusiness',
  'planType',
  'homePlan',
  'dateOfService',
  'setting',
  'drug',
  'route',
  'indication',
  'procedureCodes',
  'diagnosisCodes',
  ...BOOLEAN_FIELDS,
]);
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ICD10CM = /^[A-Z](?:[0-9][0-9A-Z]|[A-Z][0-9])(?:\.?[0-9A-Z]{1,4})?$/;
const PROCEDURE = /^(?:[0-9]{4}[0-9FTU]|[A-V][0-9]{4})$/;
const MAX_CODES = 50;
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function calendarDate(s: string): boolean {
  const m = DATE.exec(s);
  if (!m) return false;
  const y = Number(m[1]);
  const month = Number(m[2]);
  const d = Number(m[3]);
  if (month < 1 || month > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return d <= (month === 2 && leap ? 29 : DAYS[month - 1]!);
}

const shortString = (v: unknown): v is string =>
  typeof v === 'string' && v.length >= 1 && v.length <= 64;

function codes(v: unknown, format: RegExp, dotAfterCategory: boolean): boolean {
  if (v === undefined) return true;
  if (!Array.isArray(v) || v.length > MAX_CODES) return false;
  for (const c of v) {
    if (typeof c !== 'string' || c.length > 16) return false;
    const k = c.trim().toUpperCase();
    if (!format.test(k)) return false;
    if (dotAfterCategory && k.includes('.') && k.indexOf('.') !== 3) return false;
  }
  return true;
}

/**
 * The path of the first thing wrong with a BCBSAL request, or undefined when it can be decided.
 * `payers` are the payers the team's service answers for; `envelope` names fields beside the
 * request (a claim id) that are not checked.
 */
export function peerRequestProblem(
  req: unknown,
  t: Terminology,
  payers: ReadonlySet<string>,
  envelope?: ReadonlySet<string>,
): string | undefined {
  if (typeof req !== 'object' || req === null || Array.isArray(req)) return '';
  const r = req as Record<string, unknown>;
  for (const k in r) if (!FIELDS.has(k) && !envelope?.has(k)) return `/${k}`;
  if (typeof r.payer !== 'string' || !payers.has(r.payer)) return '/payer';
  if (typeof r.dateOfService !== 'string' || !calendarDate(r.dateOfService))
    return '/dateOfService';
  if (r.lineOfBusiness !== undefined && !LOB.has(r.lineOfBusiness as string))
    return '/lineOfBusiness';
  if (r.planType !== undefined && !PLAN.has(r.planType as string)) return '/planType';
  if (r.setting !== undefined && !SETTING.has(r.setting as string)) return '/setting';
  if (r.route !== undefined && !ROUTE.has(r.route as string)) return '/route';
  for (const k of BOOLEAN_FIELDS)
    if (r[k] !== undefined && typeof r[k] !== 'boolean') return `/${k}`;
  if (r.homePlan !== undefined && !shortString(r.homePlan)) return '/homePlan';
  if (r.drug !== undefined && (!shortString(r.drug) || !t.drugs.resolve(r.drug.trim())))
    return '/drug';
  if (
    r.indication !== undefined &&
    (!shortString(r.indication) || !t.indications.families.has(r.indication))
  )
    return '/indication';
  if (!codes(r.procedureCodes, PROCEDURE, false)) return '/procedureCodes';
  if (!codes(r.diagnosisCodes, ICD10CM, true)) return '/diagnosisCodes';
  return undefined;
}
