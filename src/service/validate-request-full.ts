import { ROUTE_WORDS } from '../model/vocabulary.js';
import type { ErrorObject } from 'ajv';
import { strictValidator } from '../lazy-packages.js';
import { isCalendarDate } from '../model/calendar-date.js';
import { emptyList } from '../model/empty-list.js';
import type { CoverageRequest } from '../model/coverage-request.js';
import {
  COMPARE_REQUEST_JSON_SCHEMA,
  COVERAGE_REQUEST_JSON_SCHEMA,
} from '../model/request-json-schemas.js';
import {
  normalizedRequestOf,
  type NormalizedRequest,
  type ProcedureCode,
} from '../model/normalized-request.js';
import { problem, type Problem } from '../model/problem.js';
import { classifyProcedureCode, normalizeIcd10cm } from '../terminology/code-format.js';
import type { DecisionContext } from './load-context.js';
import { drugNameProblem } from './drug-name.js';
import { closest } from '../model/suggest.js';
import { NO_FACTS } from '../model/facts.js';
import { acceptFacts, factProblems, foldAliases, type AliasFields } from './request-facts.js';

// The full validator: Ajv against the schema, then the checks the schema cannot state, every
// problem collected. It runs only for requests the fast path (validate-request-fast.ts) does not
// accept, so Ajv is loaded and the schema compiled on the first such request, never in a process
// that sees only valid ones.
// The plain JSON Schema copies: TypeBox is not loaded to validate a request.
const validateCoverage = strictValidator(COVERAGE_REQUEST_JSON_SCHEMA);
const validateCompare = strictValidator(COMPARE_REQUEST_JSON_SCHEMA);
const MAX_PROBLEMS = 20;

export type Validated<T> = { ok: true; value: T } | { ok: false; problems: Problem[] };

export function fullyValidateCoverageRequest(
  input: unknown,
  ctx: DecisionContext,
): Validated<NormalizedRequest> {
  return validate(input, ctx, true);
}

/** A compare request: a CoverageRequest without payer, normalized once for every payer. */
export function fullyValidateCompareRequest(
  input: unknown,
  ctx: DecisionContext,
): Validated<Omit<NormalizedRequest, 'payer'>> {
  return validate(input, ctx, false);
}

function validate(
  input: unknown,
  ctx: DecisionContext,
  withPayer: true,
): Validated<NormalizedRequest>;
function validate(
  input: unknown,
  ctx: DecisionContext,
  withPayer: false,
): Validated<Omit<NormalizedRequest, 'payer'>>;
function validate(
  input: unknown,
  ctx: DecisionContext,
  withPayer: boolean,
): Validated<NormalizedRequest> | Validated<Omit<NormalizedRequest, 'payer'>> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return {
      ok: false,
      problems: [
        problem(
          'wrong-type',
          `the request must be a JSON object, not ${Array.isArray(input) ? 'an array' : input === null ? 'null' : typeof input}`,
          '',
        ),
      ],
    };
  }
  const validateFn = withPayer ? validateCoverage() : validateCompare();
  const problems: Problem[] = [];
  if (!validateFn(input)) {
    const fields = Object.keys(
      (withPayer ? COVERAGE_REQUEST_JSON_SCHEMA : COMPARE_REQUEST_JSON_SCHEMA).properties,
    );
    for (const e of validateFn.errors ?? []) {
      const p = schemaProblem(e, fields, input as Record<string, unknown>, withPayer);
      if (p) problems.push(p);
    }
  }
  const req = input as CoverageRequest;
  if (withPayer && typeof req.payer === 'string' && !ctx.policySet.payers.includes(req.payer)) {
    const guess = closest(req.payer, ctx.policySet.payers);
    problems.push(
      problem(
        'unknown-payer',
        `payer '${req.payer}' is not one of: ${ctx.policySet.payers.join(', ')}`,
        '/payer',
        guess ? `did you mean '${guess}'?` : undefined,
      ),
    );
  }
  if (
    typeof req.dateOfService === 'string' &&
    !isCalendarDate(req.dateOfService) &&
    // Not in YYYY-MM-DD form at all: the schema's problem already says so.
    !problems.some((p) => p.path === '/dateOfService')
  ) {
    problems.push(
      problem(
        'invalid-date',
        `dateOfService '${req.dateOfService}' is not a calendar date`,
        '/dateOfService',
        'use YYYY-MM-DD, e.g. 2025-09-15',
      ),
    );
  }
  if (
    typeof req.indication === 'string' &&
    !ctx.terminology.indications.families.has(req.indication)
  ) {
    const guess = closest(req.indication, [...ctx.terminology.indications.families.keys()]);
    problems.push(
      problem(
        'unknown-value',
        `indication '${req.indication}' is not an indication family`,
        '/indication',
        guess
          ? `did you mean '${guess}'? (families are listed in policies/valuesets/indications.yaml)`
          : 'families are listed in policies/valuesets/indications.yaml',
      ),
    );
  }
  if (typeof req.drug === 'string' && !problems.some((p) => p.path === '/drug')) {
    const p = drugNameProblem(req.drug, ctx.terminology.drugs);
    if (p) problems.push(p);
  }
  const diagnosisCodes = emptyList<string>();
  if (Array.isArray(req.diagnosisCodes)) {
    req.diagnosisCodes.forEach((c, i) => {
      if (typeof c !== 'string') return;
      const key = normalizeIcd10cm(c);
      if (key === undefined)
        problems.push(
          problem(
            'malformed-code',
            `'${c}' is not an ICD-10-CM code`,
            `/diagnosisCodes/${i}`,
            'ICD-10-CM codes look like G90.521 or G90521: a letter, two characters, then up to four more',
          ),
        );
      else diagnosisCodes.push(key);
    });
  }
  const procedureCodes = emptyList<ProcedureCode>();
  if (Array.isArray(req.procedureCodes)) {
    req.procedureCodes.forEach((c, i) => {
      if (typeof c !== 'string') return;
      const pc = classifyProcedureCode(c);
      if (!pc)
        problems.push(
          problem(
            'malformed-code',
            `'${c}' is not a CPT or HCPCS code`,
            `/procedureCodes/${i}`,
            'CPT codes are five digits (96365); HCPCS Level II codes are a letter and four digits (J3490)',
          ),
        );
      else procedureCodes.push(pc);
    });
  }
  const given: AliasFields = {
    medicarePrimary: typeof req.medicarePrimary === 'boolean' ? req.medicarePrimary : undefined,
    providerParticipating:
      typeof req.providerParticipating === 'boolean' ? req.providerParticipating : undefined,
    groupPolicy: typeof req.groupPolicy === 'boolean' ? req.groupPolicy : undefined,
  };
  if (req.facts !== undefined)
    problems.push(...factProblems(req.facts, ctx.terminology.facts, given));
  if (problems.length > 0) return { ok: false, problems: problems.slice(0, MAX_PROBLEMS) };
  // The schema and the checks above passed: the facts are known ids with boolean values.
  const facts = req.facts === undefined ? NO_FACTS : acceptFacts(req.facts, ctx.terminology.facts)!;
  foldAliases(facts, ctx.terminology.facts, given);

  const value = normalizedRequestOf(
    {
      lineOfBusiness: req.lineOfBusiness ?? 'commercial',
      medicarePrimary: given.medicarePrimary ?? false,
      groupPolicy: given.groupPolicy ?? false,
      dateOfService: req.dateOfService,
      procedureCodes,
      diagnosisCodes,
      planType: req.planType,
      providerParticipating: given.providerParticipating,
      homePlan: req.homePlan,
      setting: req.setting,
      drug: req.drug?.trim(),
      route: req.route,
      indication: req.indication,
    },
    withPayer ? req.payer : undefined,
    facts,
  );
  return { ok: true, value };
}

const TYPE_EXAMPLES: Record<string, string> = {
  array: 'a JSON array, e.g. ["G90.521"]',
  string: 'a JSON string, in quotes, e.g. "ketamine"',
  boolean: 'true or false, without quotes',
  object: 'a JSON object, e.g. {"payer": "bcbsma", …}',
  number: 'a JSON number, without quotes',
  integer: 'a whole number, without quotes',
};

function schemaProblem(
  e: ErrorObject,
  fields: string[],
  input: Record<string, unknown>,
  withPayer: boolean,
): Problem | undefined {
  const path = e.instancePath;
  const field = path.split('/')[1] ?? '';
  switch (e.keyword) {
    case 'additionalProperties': {
      const extra = (e.params as { additionalProperty: string }).additionalProperty;
      if (!withPayer && extra === 'payer') {
        return problem(
          'unknown-field',
          "a compare request is for every payer and takes no 'payer'",
          '/payer',
          "remove 'payer', or use check for one payer",
        );
      }
      const guess = closest(extra, fields);
      return problem(
        'unknown-field',
        `unknown field '${extra}'`,
        `/${extra}`,
        guess ? `did you mean '${guess}'?` : `known fields: ${fields.join(', ')}`,
      );
    }
    case 'required': {
      const missing = (e.params as { missingProperty: string }).missingProperty;
      return problem(
        'missing-field',
        `'${missing}' is required`,
        `/${missing}`,
        missing === 'dateOfService' ? 'give the date of service as YYYY-MM-DD' : undefined,
      );
    }
    case 'type': {
      const expected = (e.params as { type: string }).type;
      const value = valueAt(input, path);
      return problem(
        'wrong-type',
        `${path.slice(1) || 'the request'} must be ${expected === 'array' ? 'an array' : `a ${expected}`}, not ${describeType(value)}`,
        path,
        `send ${path.slice(1) || 'it'} as ${TYPE_EXAMPLES[expected] ?? `a JSON ${expected}`}`,
      );
    }
    case 'enum': {
      const allowed = (e.params as { allowedValues: string[] }).allowedValues;
      const value = textOf(valueAt(input, path));
      const guess = ROUTE_WORDS[value.toLowerCase()] ?? closest(value, allowed);
      return problem(
        'unknown-value',
        `${field} '${value}' is not one of: ${allowed.join(', ')}`,
        path,
        guess ? `did you mean '${guess}'?` : `use one of the values listed, e.g. '${allowed[0]}'`,
      );
    }
    case 'pattern':
      if (field === 'dateOfService')
        return problem(
          'invalid-date',
          `dateOfService '${textOf(valueAt(input, path))}' is not a date in YYYY-MM-DD form`,
          path,
          'use YYYY-MM-DD, e.g. 2025-09-15',
        );
      return problem('invalid-value', `${path} ${e.message}`, path);
    case 'maxItems':
      return problem(
        'invalid-value',
        `${field} has too many entries (at most ${(e.params as { limit: number }).limit})`,
        path,
        'split the request',
      );
    case 'minLength':
    case 'maxLength':
      return problem('invalid-value', `${path.slice(1)} ${e.message}`, path);
    default:
      return problem(
        'invalid-value',
        `${path || 'the request'} ${e.message ?? 'is invalid'}`,
        path,
      );
  }
}

function valueAt(input: Record<string, unknown>, pointer: string): unknown {
  let cur: unknown = input;
  for (const seg of pointer.split('/').slice(1))
    cur = (cur as Record<string, unknown> | undefined)?.[seg];
  return cur;
}

/**
 * A sent value as text for a message. Never String(v): a parsed object may carry a "toString"
 * key that is not a function, and converting it would throw.
 */
function textOf(v: unknown): string {
  return typeof v === 'string' ? v : (JSON.stringify(v) ?? typeof v);
}

function describeType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'string'
    ? `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`
    : `a ${typeof v}`;
}
