// Parameters in and out of the two DTR operations, `$questionnaire-package` and `$next-question`
// (docs/design/dtr-19.md §A.1, §A.2, §A.4, §B.4). Emits DTR 2.2.0's names; reads 2.2.0's and the
// older names a 2.0.1 or 2.1.0 client sends. Every refusal is an OperationOutcome naming the
// parameter and the fix (oper-11: a failure is a bare OperationOutcome).
import { isObject, type Json } from '../cdshooks/fhir.js';
import { operationOutcome, type OperationOutcome } from '../pas/operation-outcome.js';
import type { Questionnaire } from './questionnaire.js';
import type { AnswerProblem, QuestionnaireResponse } from './questionnaire-response.js';

/**
 * Parameter names per DTR version (README.md "Versions"). Inputs accept every name listed;
 * outputs use 2.2.0's. Sources: HL7/davinci-dtr tags 2.0.1, 2.1.0 and 2.2.0,
 * input/fsh/DTRParameters.fsh and the OperationDefinitions.
 */
export const DTR_PARAMETER_NAMES = {
  '2.0.1': {
    packageOut: ['return', 'outcome'],
    packageOutProfile: ['PackageBundle', 'operationOutcome'],
    nextIn: [],
    nextOut: [],
    changedsince: 'dateTime',
  },
  '2.1.0': {
    packageOut: ['PackageBundle', 'operationOutcome'],
    nextIn: ['in'],
    nextOut: ['out'],
    changedsince: 'dateTime',
  },
  '2.2.0': {
    packageOut: ['packagebundle', 'outcome'],
    nextIn: ['questionnaire-response'],
    nextOut: ['return'],
    changedsince: 'instant',
  },
} as const;

const PACKAGE_IN = ['coverage', 'order', 'questionnaire', 'context', 'changedsince'] as const;
const NEXT_IN = ['questionnaire-response', 'in'] as const;
/** The order types DTRParameters.fsh line 26 allows. */
export const ORDER_TYPES = [
  'Appointment',
  'Encounter',
  'CommunicationRequest',
  'DeviceRequest',
  'MedicationRequest',
  'NutritionOrder',
  'ServiceRequest',
  'SupplyRequest',
  'VisionPrescription',
] as const;

export interface Parameters {
  resourceType: 'Parameters';
  parameter: Json[];
}

export interface PackageInput {
  coverage: Json;
  orders: Json[];
  /** Canonicals, possibly `url|version`. */
  questionnaires: string[];
  /** The CRD coverage-assertion-id (spec-107). */
  context?: string;
  changedsince?: string;
}

export type Read<T> =
  { ok: true; value: T; warnings: string[] } | { ok: false; outcome: OperationOutcome };

const refuse = <T>(
  diagnostics: string,
  expression: string,
  code: 'required' | 'invalid' | 'structure' = 'invalid',
): Read<T> => ({
  ok: false,
  outcome: operationOutcome(code, diagnostics, expression),
});

function parametersOf(body: unknown): Json[] | undefined {
  if (!isObject(body) || body['resourceType'] !== 'Parameters') return undefined;
  const p = body['parameter'];
  return Array.isArray(p) && p.every(isObject) ? (p as Json[]) : undefined;
}

const valueKeys = (p: Json) => Object.keys(p).filter((k) => k.startsWith('value'));
const FHIR_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const FHIR_DATETIME =
  /^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?)?)?$/;

/** `$questionnaire-package` input (dtr-qpackage-input-parameters, 2.2.0; older forms accepted). */
export function readPackageInput(body: unknown): Read<PackageInput> {
  const params = parametersOf(body);
  if (!params)
    return refuse(
      'the body must be a FHIR Parameters resource with a parameter array: send coverage (a Coverage resource) and at least one of order, questionnaire or context',
      'Parameters',
      'structure',
    );
  const warnings: string[] = [];
  const coverages: Json[] = [];
  const orders: Json[] = [];
  const questionnaires: string[] = [];
  let context: string | undefined;
  let changedsince: string | undefined;
  for (const [i, p] of params.entries()) {
    const at = `Parameters.parameter[${i}]`;
    const name = p['name'];
    const resource = p['resource'];
    const values = valueKeys(p);
    switch (name) {
      case 'coverage':
        if (!isObject(resource) || resource['resourceType'] !== 'Coverage')
          return refuse(
            `parameter coverage must carry a Coverage resource (parameter.resource), the member's coverage the documentation is for`,
            `${at}.resource`,
          );
        coverages.push(resource);
        break;
      case 'order':
        if (!isObject(resource) || !ORDER_TYPES.includes(resource['resourceType'] as never))
          return refuse(
            `parameter order must carry one of ${ORDER_TYPES.join(', ')} as parameter.resource`,
            `${at}.resource`,
          );
        orders.push(resource);
        break;
      case 'questionnaire': {
        // 2.2.0 types it canonical; valueUri is how some clients spell a canonical.
        const v = p['valueCanonical'] ?? p['valueUri'];
        if (typeof v !== 'string' || v.length === 0 || values.length !== 1)
          return refuse(
            'parameter questionnaire must be a valueCanonical: the Questionnaire url, optionally |version',
            at,
          );
        questionnaires.push(v);
        break;
      }
      case 'context':
        if (context !== undefined)
          return refuse('parameter context may occur once: send one coverage-assertion-id', at);
        if (
          typeof p['valueString'] !== 'string' ||
          p['valueString'].length === 0 ||
          values.length !== 1
        )
          return refuse(
            'parameter context must be a valueString: the coverage-assertion-id of the CRD coverage-information',
            `${at}.valueString`,
          );
        context = p['valueString'];
        break;
      case 'changedsince': {
        // 2.2.0: instant; 2.0.1: dateTime.
        const v = p['valueInstant'] ?? p['valueDateTime'];
        if (
          typeof v !== 'string' ||
          !(FHIR_INSTANT.test(v) || FHIR_DATETIME.test(v)) ||
          values.length !== 1
        )
          return refuse(
            'parameter changedsince must be a valueInstant, e.g. 2025-09-10T08:00:00Z',
            at,
          );
        changedsince = v;
        break;
      }
      default:
        warnings.push(
          `parameter ${typeof name === 'string' ? name : `#${i}`} is not an input of $questionnaire-package (${PACKAGE_IN.join(', ')}) and was ignored`,
        );
    }
  }
  const first = coverages[0];
  if (!first)
    return refuse(
      'parameter coverage is required: send the member\'s Coverage resource as {"name": "coverage", "resource": {...}}',
      'Parameters.parameter',
      'required',
    );
  if (coverages.length > 1)
    warnings.push(
      `parameter coverage occurred ${coverages.length} times; DTR 2.2.0 takes one, and only the first was used`,
    );
  // dtr-1 (DTRInvariants.fsh)
  if (orders.length === 0 && questionnaires.length === 0 && context === undefined)
    return refuse(
      'at least one of order, questionnaire or context is required (dtr-1): send the order, the questionnaire canonical or the CRD coverage-assertion-id',
      'Parameters.parameter',
      'required',
    );
  return {
    ok: true,
    value: {
      coverage: first,
      orders,
      questionnaires,
      ...(context !== undefined ? { context } : {}),
      ...(changedsince !== undefined ? { changedsince } : {}),
    },
    warnings,
  };
}

export interface Bundle {
  resourceType: 'Bundle';
  type: 'collection';
  entry: { fullUrl: string; resource: Json }[];
}

/**
 * One package Bundle (DTR-QPackageBundle): the Questionnaire first (dtrb-1), then its draft QR
 * (oper-18). We reference no ValueSet or Library, so there are none to add (oper-14).
 */
export function packageBundle(
  questionnaire: Questionnaire,
  response: QuestionnaireResponse,
  responseFullUrl: string,
): Bundle {
  if (!questionnaire.url) throw new Error('a package Questionnaire needs its canonical url');
  return {
    resourceType: 'Bundle',
    type: 'collection',
    entry: [
      { fullUrl: questionnaire.url, resource: questionnaire as unknown as Json },
      { fullUrl: responseFullUrl, resource: response as unknown as Json },
    ],
  };
}

/**
 * `$questionnaire-package` output (dtr-qpackage-output-parameters): one `packagebundle` per
 * Questionnaire, and `outcome` for warnings. With no bundle, the outcome must say why (oper-8),
 * and it keeps `parameter` 1..*.
 */
export function packageOutput(bundles: readonly Bundle[], outcome?: OperationOutcome): Parameters {
  if (bundles.length === 0 && !outcome)
    throw new Error('a package with no questionnaire needs an outcome saying why (oper-8)');
  return {
    resourceType: 'Parameters',
    parameter: [
      ...bundles.map((b) => ({ name: 'packagebundle', resource: b as unknown as Json })),
      ...(outcome ? [{ name: 'outcome', resource: outcome as unknown as Json }] : []),
    ],
  };
}

/** Warnings as one OperationOutcome for the `outcome` parameter; undefined when there are none. */
export function warningOutcome(warnings: readonly string[]): OperationOutcome | undefined {
  if (warnings.length === 0) return undefined;
  return {
    resourceType: 'OperationOutcome',
    issue: warnings.map((diagnostics) => ({
      severity: 'warning',
      code: 'informational',
      diagnostics,
    })),
  };
}

/**
 * `$next-question` input (dtr-next-question-input-parameters): exactly one parameter,
 * `questionnaire-response` (2.2.0; `in` in 2.1.0), whose resource is the QR.
 */
export function readNextQuestionInput(body: unknown): Read<Json> {
  const params = parametersOf(body);
  if (!params)
    return refuse(
      'the body must be a FHIR Parameters resource with one parameter questionnaire-response holding the QuestionnaireResponse',
      'Parameters',
      'structure',
    );
  if (params.length !== 1)
    return refuse(
      `$next-question takes exactly one parameter, questionnaire-response (found ${params.length}); send only the QuestionnaireResponse`,
      'Parameters.parameter',
      params.length === 0 ? 'required' : 'invalid',
    );
  const p = params[0]!;
  if (!NEXT_IN.includes(p['name'] as never))
    return refuse(
      `parameter ${String(p['name'])} is not an input of $next-question: name it questionnaire-response (DTR 2.2.0) or in (2.1.0)`,
      'Parameters.parameter[0].name',
    );
  const r = p['resource'];
  if (
    !isObject(r) ||
    r['resourceType'] !== 'QuestionnaireResponse' ||
    valueKeys(p).length > 0 ||
    p['part'] !== undefined
  )
    return refuse(
      `parameter ${String(p['name'])} must carry the QuestionnaireResponse as parameter.resource, with no value or part`,
      'Parameters.parameter[0].resource',
    );
  return { ok: true, value: r, warnings: [] };
}

/** `$next-question` output (dtr-next-question-output-parameters): one parameter, `return`. */
export function nextQuestionOutput(response: QuestionnaireResponse): Parameters {
  return {
    resourceType: 'Parameters',
    parameter: [{ name: 'return', resource: response as unknown as Json }],
  };
}

/** A client's unreadable answers as the 400 OperationOutcome (spec-147). */
export function answerProblemOutcome(p: AnswerProblem): OperationOutcome {
  const inQr = p.expression.replace(/^QuestionnaireResponse\.?/, '');
  return operationOutcome(
    'invalid',
    p.message,
    `Parameters.parameter[0].resource${inQr ? `.${inQr}` : ''}`,
  );
}
