import { isCalendarDate } from '../model/calendar-date.js';
import { emptyList } from '../model/empty-list.js';
import { COVERAGE_REQUEST_JSON_SCHEMA } from '../model/request-json-schemas.js';
import {
  normalizedRequestOf,
  type NormalizedRequest,
  type ProcedureCode,
  type RequestFields,
} from '../model/normalized-request.js';
import { LINES_OF_BUSINESS, PLAN_TYPES, ROUTES, SETTINGS } from '../model/vocabulary.js';
import { classifyProcedureCode, normalizeIcd10cm } from '../terminology/code-format.js';
import { drugNameProblem } from './drug-name.js';
import { NO_FACTS, type FactVocabulary, type RequestFacts } from '../model/facts.js';
import { acceptFacts, foldAliases, type AliasFields } from './request-facts.js';
import type { DecisionContext } from './load-context.js';
import { fullyValidateCoverageRequest, type Validated } from './validate-request-full.js';

// The fast path of request validation, for every adapter (validate-request.ts) and for batch
// screening. It accepts only requests it can prove valid with plain checks and memoized code
// lookups; anything else (every rejection, and anything unusual) goes to the full validator,
// which produces the problems. So it rejects exactly what the full validator rejects and, on
// acceptance, returns the same normalized request (tested by table and by random mutation in
// validate-request-fast.test.ts).

const LOB = new Set<string>(LINES_OF_BUSINESS);
const PLAN = new Set<string>(PLAN_TYPES);
const SETTING = new Set<string>(SETTINGS);
const ROUTE = new Set<string>(ROUTES);
// The schema's limits, read from it so the fast path cannot accept what the schema rejects.
const SCHEMA = COVERAGE_REQUEST_JSON_SCHEMA.properties;
export const MAX_PROCEDURE_CODES = SCHEMA.procedureCodes.maxItems;
export const MAX_PROCEDURE_CODE_LENGTH = SCHEMA.procedureCodes.items.maxLength;
export const MAX_DIAGNOSIS_CODES = SCHEMA.diagnosisCodes.maxItems;
export const MAX_DIAGNOSIS_CODE_LENGTH = SCHEMA.diagnosisCodes.items.maxLength;
/**
 * A string the schema surely accepts. The schema counts code points and .length counts UTF-16
 * units (up to two per code point): the checks err towards the full validator.
 */
const stringWithin = (s: { minLength?: number; maxLength?: number }) => {
  const min = 2 * (s.minLength ?? 0) - 1;
  const max = s.maxLength ?? Infinity;
  return (v: unknown): v is string => typeof v === 'string' && v.length >= min && v.length <= max;
};
export const payerString = stringWithin(SCHEMA.payer);
export const homePlanString = stringWithin(SCHEMA.homePlan);
export const drugString = stringWithin(SCHEMA.drug);
export const indicationString = stringWithin(SCHEMA.indication);
// Memo tables are bounded: a pathological input of unique codes cannot grow them without limit.
const MEMO_LIMIT = 100_000;

export interface FastValidator {
  /**
   * Validates and normalizes one request. Keys in `skipKeys` (a batch envelope such as claimId)
   * are not part of the request: they are ignored here and left out of what the full validator
   * sees.
   */
  validate(input: unknown, skipKeys?: ReadonlySet<string>): Validated<NormalizedRequest>;
  /** How many requests went to the full validator (rejected or unusual). */
  readonly fullValidations: number;
}

/** The checks of the fast path, memoized per policy set: shared by every fast reader of requests. */
export interface FastChecks {
  readonly payers: ReadonlySet<string>;
  readonly families: ReadonlyMap<string, unknown>;
  readonly facts: FactVocabulary;
  calendarDate(d: string): boolean;
  /** The canonical ICD-10-CM key, or null for a code that is not well formed. */
  icdKey(c: string): string | null;
  /** The classified procedure code (frozen), or null for one that is not well formed. */
  procCode(c: string): ProcedureCode | null;
  /** The drug name, trimmed, if the catalog knows it (as the full validator decides); else null. */
  drugName(d: string): string | null;
}

export function fastChecks(ctx: DecisionContext): FastChecks {
  const dates = new Map<string, boolean>();
  const icd = new Map<string, string | null>();
  const proc = new Map<string, ProcedureCode | null>();
  const drugNames = new Map<string, string | null>();
  return {
    payers: new Set(ctx.policySet.payers),
    families: ctx.terminology.indications.families,
    facts: ctx.terminology.facts,
    calendarDate(d) {
      let ok = dates.get(d);
      if (ok === undefined) {
        ok = isCalendarDate(d);
        if (dates.size < MEMO_LIMIT) dates.set(d, ok);
      }
      return ok;
    },
    icdKey(c) {
      let k = icd.get(c);
      if (k === undefined) {
        k = normalizeIcd10cm(c) ?? null;
        if (icd.size < MEMO_LIMIT) icd.set(c, k);
      }
      return k;
    },
    procCode(c) {
      let p = proc.get(c);
      if (p === undefined) {
        p = classifyProcedureCode(c) ?? null;
        if (p) p = Object.freeze(p);
        if (proc.size < MEMO_LIMIT) proc.set(c, p);
      }
      return p;
    },
    drugName(d) {
      let n = drugNames.get(d);
      if (n === undefined) {
        n = drugString(d) && !drugNameProblem(d, ctx.terminology.drugs) ? d.trim() : null;
        if (drugNames.size < MEMO_LIMIT) drugNames.set(d, n);
      }
      return n;
    },
  };
}

/** The fields of a request the fast path accepted, before defaults are written out. */
export interface FastFields extends RequestFields {
  payer: string;
  procedureCodes: ProcedureCode[];
  diagnosisCodes: string[];
  /** Absent: none (readers that take no facts). */
  facts?: RequestFacts;
}

/** The normalized request of fields the fast checks accepted. */
export function normalizedRequest(f: FastFields): NormalizedRequest {
  return normalizedRequestOf(f, f.payer, f.facts ?? NO_FACTS);
}

/**
 * The fast checks of a context, made once per policy set and terminology: every adapter's
 * requests share their memo tables. (A context is sometimes rebuilt around another terminology,
 * as `codes diff` does, so the key is the pair, not the context object.)
 */
const sharedChecks = new WeakMap<object, WeakMap<object, FastChecks>>();

export function fastChecksOf(ctx: DecisionContext): FastChecks {
  let byTerminology = sharedChecks.get(ctx.policySet);
  if (!byTerminology) sharedChecks.set(ctx.policySet, (byTerminology = new WeakMap()));
  let checks = byTerminology.get(ctx.terminology);
  if (!checks) byTerminology.set(ctx.terminology, (checks = fastChecks(ctx)));
  return checks;
}

export function fastValidator(ctx: DecisionContext, checks = fastChecksOf(ctx)): FastValidator {
  let fullValidations = 0;
  function full(input: unknown, skipKeys: ReadonlySet<string> | undefined) {
    fullValidations++;
    if (skipKeys && typeof input === 'object' && input !== null && !Array.isArray(input)) {
      const copy: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(input)) if (!skipKeys.has(k)) copy[k] = v;
      return fullyValidateCoverageRequest(copy, ctx);
    }
    return fullyValidateCoverageRequest(input, ctx);
  }
  return {
    validate(input, skipKeys) {
      const value = acceptRequest(input, checks, true, skipKeys);
      return value ? { ok: true, value } : full(input, skipKeys);
    },
    get fullValidations() {
      return fullValidations;
    },
  };
}

/**
 * The normalized request, when plain checks prove `input` valid; undefined for anything else
 * (every invalid request, and anything unusual), which the full validator then decides. No
 * regex and no allocation but the result: this is every adapter's per-request path. `withPayer`
 * false is a compare request, which takes no payer.
 */
export function acceptRequest(
  input: unknown,
  checks: FastChecks,
  withPayer: true,
  skipKeys?: ReadonlySet<string>,
): NormalizedRequest | undefined;
export function acceptRequest(
  input: unknown,
  checks: FastChecks,
  withPayer: false,
): Omit<NormalizedRequest, 'payer'> | undefined;
export function acceptRequest(
  input: unknown,
  checks: FastChecks,
  withPayer: boolean,
  skipKeys?: ReadonlySet<string>,
): NormalizedRequest | Omit<NormalizedRequest, 'payer'> | undefined {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return undefined;
  if (Object.getPrototypeOf(input) !== Object.prototype) return undefined;
  const { payers, families, icdKey, procCode, drugName } = checks;
  const r = input as Record<string, unknown>;
  let payer: string | undefined;
  let dateOfService: string | undefined;
  let lineOfBusiness = 'commercial';
  let medicarePrimary = false;
  let groupPolicy = false;
  let planType: string | undefined;
  let providerParticipating: boolean | undefined;
  let homePlan: string | undefined;
  let setting: string | undefined;
  let drug: string | undefined;
  let route: string | undefined;
  let indication: string | undefined;
  let procedureCodes: ProcedureCode[] | undefined;
  let diagnosisCodes: string[] | undefined;
  let factsInput: unknown;
  let medicarePrimaryGiven = false;
  let groupPolicyGiven = false;
  for (const k in r) {
    if (!Object.prototype.hasOwnProperty.call(r, k)) return undefined;
    const v = r[k];
    switch (k) {
      case 'payer':
        if (!withPayer || !payerString(v) || !payers.has(v)) return undefined;
        payer = v;
        break;
      case 'dateOfService':
        if (typeof v !== 'string' || !isCalendarDate(v)) return undefined;
        dateOfService = v;
        break;
      case 'lineOfBusiness':
        if (typeof v !== 'string' || !LOB.has(v)) return undefined;
        lineOfBusiness = v;
        break;
      case 'planType':
        if (typeof v !== 'string' || !PLAN.has(v)) return undefined;
        planType = v;
        break;
      case 'medicarePrimary':
        if (typeof v !== 'boolean') return undefined;
        medicarePrimary = v;
        medicarePrimaryGiven = true;
        break;
      case 'providerParticipating':
        if (typeof v !== 'boolean') return undefined;
        providerParticipating = v;
        break;
      case 'groupPolicy':
        if (typeof v !== 'boolean') return undefined;
        groupPolicy = v;
        groupPolicyGiven = true;
        break;
      case 'homePlan':
        if (!homePlanString(v)) return undefined;
        homePlan = v;
        break;
      case 'setting':
        if (typeof v !== 'string' || !SETTING.has(v)) return undefined;
        setting = v;
        break;
      case 'drug': {
        const name = typeof v === 'string' ? drugName(v) : null;
        if (name === null) return undefined;
        drug = name;
        break;
      }
      case 'route':
        if (typeof v !== 'string' || !ROUTE.has(v)) return undefined;
        route = v;
        break;
      case 'indication':
        if (!indicationString(v) || !families.has(v)) return undefined;
        indication = v;
        break;
      case 'procedureCodes':
        procedureCodes = codeList(v, MAX_PROCEDURE_CODES, MAX_PROCEDURE_CODE_LENGTH, procCode);
        if (!procedureCodes) return undefined;
        break;
      case 'diagnosisCodes':
        diagnosisCodes = codeList(v, MAX_DIAGNOSIS_CODES, MAX_DIAGNOSIS_CODE_LENGTH, icdKey);
        if (!diagnosisCodes) return undefined;
        break;
      case 'facts':
        factsInput = v;
        break;
      default:
        if (!skipKeys?.has(k)) return undefined;
    }
  }
  if ((withPayer && payer === undefined) || dateOfService === undefined) return undefined;
  let facts = NO_FACTS;
  if (factsInput !== undefined) {
    const accepted = acceptFacts(factsInput, checks.facts);
    if (accepted === undefined) return undefined;
    // Facts that spell a request field are folded into it; a disagreement is the full validator's to name.
    const fields: AliasFields = {
      medicarePrimary: medicarePrimaryGiven ? medicarePrimary : undefined,
      providerParticipating,
      groupPolicy: groupPolicyGiven ? groupPolicy : undefined,
    };
    if (!foldAliases(accepted, checks.facts, fields)) return undefined;
    facts = accepted;
    medicarePrimary = fields.medicarePrimary ?? false;
    providerParticipating = fields.providerParticipating;
    groupPolicy = fields.groupPolicy ?? false;
  }
  return normalizedRequestOf(
    {
      lineOfBusiness,
      medicarePrimary,
      groupPolicy,
      dateOfService,
      procedureCodes: procedureCodes ?? emptyList(),
      diagnosisCodes: diagnosisCodes ?? emptyList(),
      planType,
      providerParticipating,
      homePlan,
      setting,
      drug,
      route,
      indication,
    },
    withPayer ? payer : undefined,
    facts,
  );
}

/** An array of code strings within the limits, each mapped by `lookup`; undefined if any is not. */
function codeList<T>(
  v: unknown,
  max: number,
  maxLength: number,
  lookup: (c: string) => T | null,
): T[] | undefined {
  if (!Array.isArray(v) || v.length > max) return undefined;
  // Pushed onto emptyList: every request's lists are of one class (new Array(n) is a holey one).
  const out = emptyList<T>();
  for (let i = 0; i < v.length; i++) {
    const c: unknown = v[i];
    if (typeof c !== 'string' || c.length > maxLength) return undefined;
    const x = lookup(c);
    if (x === null) return undefined;
    out.push(x);
  }
  return out;
}
