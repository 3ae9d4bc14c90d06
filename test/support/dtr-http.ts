// The DTR loop as an EHR's DTR client drives it through the service: CRD order-sign, then
// $questionnaire-package and $next-question, every answer read field by field.
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { COVERAGE_INFORMATION_URL } from '../../src/adapters/cdshooks/coverage-information.js';
import type { AnswerCode } from '../../src/adapters/dtr/questionnaire.js';
import { coverage, orderSignCall, type OrderOptions } from './crd-orders.js';
import { clientItems } from './dtr-fixtures.js';
import { postJson } from './http-server.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- FHIR bodies are read field by field
export type J = Record<string, any>;

export const PACKAGE = '/fhir/Questionnaire/$questionnaire-package';
export const NEXT = '/fhir/Questionnaire/$next-question';

/** coverage-information of an answer as url → value (code, string, date or canonical). */
export function infoValues(ext: J): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const e of ext['extension'] as J[]) {
    const v =
      e['valueCode'] ??
      e['valueString'] ??
      e['valueDate'] ??
      e['valueCanonical'] ??
      e['valueReference']?.['reference'] ??
      e['valueCodeableConcept']?.['text'] ??
      '';
    (out[e['url']] ??= []).push(String(v));
  }
  return out;
}

/** CRD order-sign through the service: its coverage-information, as values. */
export async function orderSign(
  app: FastifyInstance,
  o: OrderOptions,
): Promise<{ info: Record<string, string[]>; assertionId: string; body: J }> {
  const res = await postJson(app, '/cds-services/medpolicy-order-sign', orderSignCall(o));
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json() as J;
  const ext = (body['systemActions'][0].resource.extension as J[]).find(
    (e) => e['url'] === COVERAGE_INFORMATION_URL,
  )!;
  const info = infoValues(ext);
  return { info, assertionId: info['coverage-assertion-id']![0]!, body };
}

export function packageCall(o: OrderOptions, params: J[]): J {
  return {
    resourceType: 'Parameters',
    parameter: [{ name: 'coverage', resource: coverage(o) }, ...params],
  };
}

export const nextCall = (qr: J): J => ({
  resourceType: 'Parameters',
  parameter: [{ name: 'questionnaire-response', resource: qr }],
});

/** The draft QR of the first package Bundle of a $questionnaire-package answer. */
export function draftOf(body: J): J {
  const bundle = (body['parameter'] as J[]).find((p) => p['name'] === 'packagebundle');
  assert.ok(bundle, `no packagebundle in ${JSON.stringify(body)}`);
  return bundle['resource']['entry'][1]['resource'] as J;
}

/** The client's copy of a returned QR with its asked items answered (manual origin). */
export function answered(qr: J, answers: Record<string, AnswerCode>): J {
  return { ...structuredClone(qr), item: clientItems(answers) };
}

/** The linkIds of the questions (not display items) of a QR's contained Questionnaire. */
export function askedItems(qr: J): string[] {
  return ((qr['contained'][0]['item'] ?? []) as J[])
    .filter((i) => i['type'] === 'choice')
    .map((i) => String(i['linkId']));
}

export function returned(body: J): J {
  return (body['parameter'] as J[])[0]!['resource'] as J;
}

export function completionInfo(qr: J): Record<string, string[]> {
  const ext = (qr['extension'] as J[]).find((e) => e['url'] === COVERAGE_INFORMATION_URL);
  assert.ok(ext, 'the completed QR carries coverage-information');
  return infoValues(ext);
}
