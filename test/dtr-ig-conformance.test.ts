// The DTR/PAS profile checker must pass what the adapter builds and catch each way a resource
// can break a profile rule it is trusted with; one broken copy per rule (docs/design/dtr-19.md
// §B). Without the R4 validator: this file stays fast.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { loadContext } from '../src/service/load-context.js';
import {
  nextQuestionOutput,
  packageBundle,
  packageOutput,
} from '../src/adapters/dtr/parameters.js';
import {
  adaptiveQuestionnaire,
  adaptiveSearchQuestionnaire,
  standardQuestionnaire,
  type FormSource,
} from '../src/adapters/dtr/questionnaire.js';
import { draftResponse, nextResponse } from '../src/adapters/dtr/questionnaire-response.js';
import {
  claimQuestionnaireResponseProblems,
  claimResponseProblems,
  nextQuestionInputProblems,
  nextQuestionOutputProblems,
  packageBundleProblems,
  packageInputProblems,
  packageOutputProblems,
  questionnaireProblems,
  questionnaireResponseProblems,
  type QuestionnaireKind,
} from './support/dtr-ig-conformance.js';
import { BCN65_QUESTION, FEP_QUESTION, ITS_QUESTION } from './support/dtr-questions.js';
import { clientItems, formOf, manualOrigin, REFS } from './support/dtr-fixtures.js';
import {
  claimResponseFixture,
  claimWithQuestionnaireResponse,
} from './support/pas-claim-fixtures.js';

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const copy = (x: unknown): J => structuredClone(x) as J;

let bcn: FormSource;

before(() => {
  bcn = formOf(loadContext(), 'bcbsm-bcn-iv-anesthetics', '2024-03');
});

/** The check passes the good resource and reports `expected` for the broken copy. */
function catches(
  good: unknown,
  check: (r: unknown) => string[],
  cases: [name: string, breakIt: (r: J) => void, expected: RegExp][],
): void {
  assert.deepEqual(check(good), [], 'the unbroken resource');
  for (const [name, breakIt, expected] of cases) {
    const bad = copy(good);
    breakIt(bad);
    const problems = check(bad);
    assert.ok(
      problems.some((p) => expected.test(p)),
      `${name}: expected ${expected}, got ${JSON.stringify(problems)}`,
    );
  }
}

const ext = (r: J, url: string): J => r['extension'].find((e: J) => e['url'].endsWith(url));
const dropExt = (r: J, url: string) => {
  r['extension'] = r['extension'].filter((e: J) => !e['url'].endsWith(url));
};

describe('dtr-ig-conformance: Questionnaires', () => {
  const as = (kind: QuestionnaireKind) => (r: unknown) => questionnaireProblems(r, kind);

  it('the package Questionnaire (adapt-search and dtr-base)', () => {
    catches(adaptiveSearchQuestionnaire(bcn), as('adapt-search'), [
      ['subject', (q) => (q['subjectType'] = ['Practitioner']), /subjectType must be exactly/],
      ['status binding', (q) => (q['status'] = 'final'), /not an R4 publication status/],
      ['status draft', (q) => (q['status'] = 'draft'), /status is active/],
      ['profile', (q) => (q['meta'] = { profile: [] }), /meta.profile/],
      [
        'assemble-expectation',
        (q) =>
          q['extension'].push({
            url: 'http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-assemble-expectation',
            valueCode: 'independent',
          }),
        /assemble-expectation 0..0/,
      ],
      [
        'endpoint',
        (q) =>
          q['extension'].push({
            url: 'http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-endpoint',
            valueUri: 'https://x.example',
          }),
        /endpoint 0..0/,
      ],
      ['audience', (q) => (ext(q, 'questionnaireAudience')['valueCode'] = 'doctor'), /audience/],
      ['dtrq-6', (q) => (ext(q, 'questionnaireAudience')['valueCode'] = 'clinical'), /dtrq-6/],
      [
        'totalTime',
        (q) => (ext(q, 'estimated-completion-time')['extension'] = []),
        /totalTime 1..1/,
      ],
      [
        'completion code',
        (q) => (ext(q, 'estimated-completion-time')['extension'][0]['valueCode'] = '1min'),
        /completion time/,
      ],
      [
        'adaptive missing',
        (q) => dropExt(q, 'questionnaireAdaptive'),
        /questionnaireAdaptive 1..\*/,
      ],
      [
        'adaptive as a string',
        (q) => {
          const a = ext(q, 'questionnaireAdaptive');
          a['valueString'] = a['valueUrl'];
          delete a['valueUrl'];
        },
        /only an absolute valueUrl/,
      ],
      ['items', (q) => (q['item'] = [{ linkId: 'a', text: 'A', type: 'display' }]), /item 0..0/],
      ['version', (q) => delete q['version'], /oper-16/],
      ['effectivePeriod', (q) => delete q['effectivePeriod'], /effectivePeriod/],
    ]);
  });

  it('the contained adaptive Questionnaire and the item builder', () => {
    const item0 = (q: J): J => q['item'][0];
    catches(adaptiveQuestionnaire(bcn, [BCN65_QUESTION, FEP_QUESTION]), as('adapt'), [
      ['derivedFrom', (q) => delete q['derivedFrom'], /derivedFrom 1..\*/],
      [
        'derivedFrom unversioned',
        (q) => (q['derivedFrom'] = [q['derivedFrom'][0].split('|')[0]]),
        /version-specific/,
      ],
      [
        'two adaptive',
        (q) => q['extension'].push({ ...ext(q, 'questionnaireAdaptive') }),
        /questionnaireAdaptive 1..1/,
      ],
      ['text', (q) => delete item0(q)['text'], /text is required/],
      [
        'help text',
        (q) => delete item0(q)['item'][0]['text'],
        /item\[0\]\.item\[0\]: text is required/,
      ],
      ['item type', (q) => (item0(q)['type'] = 'yesno'), /not an R4 item type/],
      ['reference item', (q) => (item0(q)['type'] = 'reference'), /no reference items/],
      ['dtrq-2', (q) => delete item0(q)['answerOption'], /dtrq-2/],
      [
        'answerOption value',
        (q) => (item0(q)['answerOption'][0]['valueString'] = 'Yes'),
        /value\[x\] 1..1/,
      ],
      ['que-2', (q) => (q['item'][1]['linkId'] = item0(q)['linkId']), /que-2/],
      [
        'help on a question',
        (q) => item0(q)['extension'].push(item0(q)['item'][0]['extension'][0]),
        /help only on a display item/,
      ],
      [
        'relative hyperlink',
        (q) => (item0(q)['extension'][0]['valueUri'] = '#/policies/x'),
        /absolute valueUri/,
      ],
      ['que-6', (q) => (item0(q)['item'][0]['required'] = true), /que-6/],
      ['que-9', (q) => (item0(q)['item'][0]['readOnly'] = true), /que-9/],
    ]);
  });

  it('the standard form', () => {
    const form = standardQuestionnaire(bcn, [
      { rule: 'product:a', questions: [FEP_QUESTION, ITS_QUESTION] },
      { rule: BCN65_QUESTION.rule, questions: [BCN65_QUESTION] },
    ]);
    const fact = (q: J, id: string): J => q['item'].find((i: J) => i['linkId'] === id);
    catches(form, as('standard'), [
      ['no items', (q) => delete q['item'], /item 1..\*/],
      [
        'operator',
        (q) => (fact(q, FEP_QUESTION.fact)['enableWhen'][0]['operator'] = 'equals'),
        /operator 'equals'/,
      ],
      [
        'behavior binding',
        (q) => (fact(q, ITS_QUESTION.fact)['enableBehavior'] = 'every'),
        /enableBehavior 'every'/,
      ],
      ['que-12', (q) => delete fact(q, ITS_QUESTION.fact)['enableBehavior'], /que-12/],
      [
        'enableWhen target',
        (q) => (fact(q, FEP_QUESTION.fact)['enableWhen'][0]['question'] = 'plan'),
        /names no item/,
      ],
      [
        'adaptive',
        (q) =>
          q['extension'].push({
            url: 'http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-questionnaireAdaptive',
            valueUrl: 'https://payer.example/fhir',
          }),
        /not adaptive/,
      ],
    ]);
  });
});

describe('dtr-ig-conformance: QuestionnaireResponses', () => {
  const adaptive = (r: unknown) => questionnaireResponseProblems(r, { adaptive: true });

  it('an adaptive QR with an answer', () => {
    const qr = {
      ...nextResponse(bcn, REFS, [BCN65_QUESTION], []),
      item: clientItems({ 'primary-medicare-covered': 'Y' }),
    };
    const origin = (r: J): J => r['item'][0]['answer'][0]['extension'][0];
    catches(qr, adaptive, [
      ['status binding', (r) => (r['status'] = 'complete'), /status 'complete'/],
      ['qr-coverage', (r) => dropExt(r, 'qr-coverage'), /qr-coverage 1..\*/],
      [
        'qr-coverage target',
        (r) => (ext(r, 'qr-coverage')['valueReference'] = { reference: 'Patient/pat-1' }),
        /reference a Coverage/,
      ],
      ['qr-context', (r) => (ext(r, 'qr-context')['valueReference'] = {}), /qr-context/],
      ['intendedUse', (r) => dropExt(r, 'intendedUse'), /intendedUse 1..\*/],
      [
        'intendedUse code',
        (r) => (ext(r, 'intendedUse')['valueCodeableConcept']['coding'][0]['code'] = 'PA'),
        /DocReason/,
      ],
      ['basedOn', (r) => (r['basedOn'] = [{ reference: 'ServiceRequest/x' }]), /basedOn 0..0/],
      ['partOf', (r) => (r['partOf'] = [{ reference: 'Procedure/x' }]), /partOf 0..0/],
      ['subject', (r) => (r['subject'] = { reference: 'Group/g' }), /subject 1..1/],
      ['questionnaire', (r) => delete r['questionnaire'], /questionnaire 1..1/],
      ['contained ref', (r) => (r['questionnaire'] = '#other'), /contained Questionnaire/],
      [
        'contained 1..1',
        (r) => r['contained'].push({ ...r['contained'][0], id: 'q2' }),
        /contained 1..1/,
      ],
      [
        'contained profile rules',
        (r) => delete r['contained'][0]['derivedFrom'],
        /contained Questionnaire: derivedFrom/,
      ],
      ['origin', (r) => delete r['item'][0]['answer'][0]['extension'], /information-origin 1..1/],
      ['origin source', (r) => (origin(r)['extension'][0]['valueCode'] = 'typed'), /source 1..1/],
      ['dtrx-1 manual without author', (r) => origin(r)['extension'].splice(1, 1), /dtrx-1/],
      [
        'dtrx-1 auto with author',
        (r) => (origin(r)['extension'][0]['valueCode'] = 'auto-server'),
        /dtrx-1/,
      ],
      [
        'author without role or practitioner',
        (r) => (origin(r)['extension'][1]['extension'] = []),
        /role or a practitioner/,
      ],
      [
        'answer outside the options',
        (r) => (r['item'][0]['answer'][0]['valueCoding']['system'] = 'http://snomed.info/sct'),
        /not one of the item's answerOptions/,
      ],
      ['unknown item', (r) => (r['item'][0]['linkId'] = 'home-plan-covers'), /not an item/],
      [
        'two answers',
        (r) => r['item'][0]['answer'].push(r['item'][0]['answer'][0]),
        /several answers/,
      ],
      [
        'display answered',
        (r) =>
          r['item'].push({
            linkId: 'primary-medicare-covered.help',
            answer: [{ valueString: 'x', extension: [manualOrigin()] }],
          }),
        /display item takes no answer/,
      ],
      ['completed without assessment', (r) => (r['status'] = 'completed'), /coverage-information/],
      [
        'coverage-information codes',
        (r) =>
          r['extension'].push({
            url: 'http://hl7.org/fhir/us/davinci-crd/StructureDefinition/ext-coverage-information',
            extension: [{ url: 'covered', valueCode: 'maybe' }],
          }),
        /coverage-information: covered 'maybe'/,
      ],
    ]);
  });

  it('a standard QR answers a version-specific canonical', () => {
    const form = standardQuestionnaire(bcn, [
      { rule: BCN65_QUESTION.rule, questions: [BCN65_QUESTION] },
    ]);
    const qr = copy(draftResponse(bcn, REFS));
    delete qr['contained'];
    delete qr['meta'];
    qr['questionnaire'] = `${form.url}|${form.version}`;
    const check = (r: unknown) => questionnaireResponseProblems(r, { adaptive: false, form });
    catches(qr, check, [
      ['unversioned', (r) => (r['questionnaire'] = form.url), /version-specific/],
    ]);
  });
});

describe('dtr-ig-conformance: package Bundle and Parameters', () => {
  it('the package Bundle', () => {
    const bundle = packageBundle(
      adaptiveSearchQuestionnaire(bcn),
      draftResponse(bcn, REFS),
      'urn:uuid:1',
    );
    catches(bundle, packageBundleProblems, [
      ['type', (b) => (b['type'] = 'searchset'), /must be collection/],
      ['dtrb-1', (b) => b['entry'].reverse(), /dtrb-1/],
      [
        'closed slicing',
        (b) => b['entry'].push({ fullUrl: 'urn:uuid:p', resource: { resourceType: 'Patient' } }),
        /closed entry slicing/,
      ],
      ['two QRs', (b) => b['entry'].push(b['entry'][1]), /exactly one QuestionnaireResponse/],
      ['two Questionnaires', (b) => b['entry'].push(b['entry'][0]), /exactly one Questionnaire /],
      ['fullUrl', (b) => delete b['entry'][1]['fullUrl'], /fullUrl/],
      [
        'oper-18 canonical',
        (b) =>
          (b['entry'][1]['resource']['contained'][0]['derivedFrom'] = [
            'https://payer.example/fhir/Questionnaire/other|1',
          ]),
        /oper-18: the QuestionnaireResponse does not answer/,
      ],
      ['oper-18 draft', (b) => (b['entry'][1]['resource']['status'] = 'stopped'), /draft/],
      [
        'nested Questionnaire',
        (b) => (b['entry'][0]['resource']['subjectType'] = []),
        /Questionnaire: subjectType/,
      ],
      [
        'nested QR',
        (b) => dropExt(b['entry'][1]['resource'], 'intendedUse'),
        /QuestionnaireResponse: intendedUse/,
      ],
    ]);
  });

  it('$questionnaire-package input', () => {
    const input = {
      resourceType: 'Parameters',
      parameter: [
        { name: 'coverage', resource: { resourceType: 'Coverage', status: 'active' } },
        { name: 'order', resource: { resourceType: 'MedicationRequest' } },
        { name: 'questionnaire', valueCanonical: 'https://payer.example/fhir/Questionnaire/x|1' },
        { name: 'context', valueString: 'ca-1' },
        { name: 'changedsince', valueInstant: '2025-09-10T08:00:00Z' },
      ],
    };
    catches(input, packageInputProblems, [
      ['coverage 1..1', (p) => p['parameter'].push(p['parameter'][0]), /coverage 1..1/],
      [
        'coverage resource',
        (p) => (p['parameter'][0]['resource'] = { resourceType: 'Patient' }),
        /a Coverage/,
      ],
      [
        'order type',
        (p) => (p['parameter'][1]['resource'] = { resourceType: 'Claim' }),
        /order type/,
      ],
      [
        'questionnaire type',
        (p) => (p['parameter'][2] = { name: 'questionnaire', valueString: 'x' }),
        /canonical/,
      ],
      [
        'context type',
        (p) => (p['parameter'][3] = { name: 'context', valueId: 'ca-1' }),
        /one string/,
      ],
      [
        'changedsince type',
        (p) => (p['parameter'][4] = { name: 'changedsince', valueDateTime: '2025-09-10' }),
        /instant/,
      ],
      ['dtr-1', (p) => p['parameter'].splice(1, 3), /dtr-1/],
    ]);
  });

  it('$questionnaire-package output', () => {
    const out = packageOutput([
      packageBundle(adaptiveSearchQuestionnaire(bcn), draftResponse(bcn, REFS), 'urn:uuid:1'),
    ]);
    catches(out, packageOutputProblems, [
      ['empty', (p) => (p['parameter'] = []), /parameter 1..\*/],
      ['old name', (p) => (p['parameter'][0]['name'] = 'PackageBundle'), /not an output/],
      [
        'bundle inside',
        (p) => (p['parameter'][0]['resource']['type'] = 'batch'),
        /packagebundle: type/,
      ],
      [
        'outcome resource',
        (p) => p['parameter'].push({ name: 'outcome', valueString: 'ok' }),
        /outcome.resource/,
      ],
    ]);
  });

  it('$next-question input and output', () => {
    const qr = {
      ...nextResponse(bcn, REFS, [BCN65_QUESTION], []),
      item: clientItems({ 'primary-medicare-covered': 'N' }),
    };
    const input = {
      resourceType: 'Parameters',
      parameter: [{ name: 'questionnaire-response', resource: qr }],
    };
    catches(input, nextQuestionInputProblems, [
      [
        '2.1.0 name',
        (p) => (p['parameter'][0]['name'] = 'in'),
        /exactly one 'questionnaire-response'/,
      ],
      ['value too', (p) => (p['parameter'][0]['valueString'] = 'x'), /no value/],
      [
        'QR inside',
        (p) => (p['parameter'][0]['resource']['status'] = 'done'),
        /questionnaire-response: status/,
      ],
    ]);
    catches(nextQuestionOutput(qr), nextQuestionOutputProblems, [
      ['name', (p) => (p['parameter'][0]['name'] = 'out'), /exactly one 'return'/],
      ['part', (p) => (p['parameter'][0]['part'] = []), /no part/],
    ]);
  });
});

describe('dtr-ig-conformance: PAS', () => {
  it('a ClaimResponse with A1, A3 and A4 items', () => {
    const adj = (r: J, i: number): J => r['item'][i]['adjudication'][0];
    const action = (r: J, i: number): J => adj(r, i)['extension'][0];
    catches(claimResponseFixture(), claimResponseProblems, [
      ['status', (r) => (r['status'] = 'draft'), /must be active/],
      ['use', (r) => (r['use'] = 'claim'), /must be preauthorization/],
      ['outcome', (r) => (r['outcome'] = 'queued'), /ClaimResponseOutcome/],
      ['insurer', (r) => delete r['insurer'], /insurer 1..1/],
      ['request', (r) => delete r['request'], /request 1..1/],
      ['itemSequence', (r) => delete r['item'][0]['itemSequence'], /itemSequence 1..1/],
      [
        'category',
        (r) => (adj(r, 0)['category']['coding'][0]['code'] = 'eligible'),
        /adjudication#submitted/,
      ],
      [
        'code',
        (r) => (action(r, 0)['extension'][0]['valueCodeableConcept']['coding'][0]['code'] = 'Z9'),
        /X12 306/,
      ],
      ['A1 number', (r) => action(r, 0)['extension'].splice(1, 1), /A1 carries/],
      ['A3 reason', (r) => delete adj(r, 1)['reason'], /A3 carries/],
      ['A4 reference', (r) => delete r['item'][2]['extension'], /A4 carries/],
      ['two review actions', (r) => adj(r, 0)['extension'].push(action(r, 0)), /reviewAction 0..1/],
    ]);
  });

  it('a Claim with the QR as supportingInfo', () => {
    const { claim, bundle } = claimWithQuestionnaireResponse();
    const check = (c: unknown) => claimQuestionnaireResponseProblems(c, bundle);
    catches(claim, check, [
      [
        'documentInformation',
        (c) => delete c['supportingInfo'][0]['extension'],
        /documentInformation 1..1/,
      ],
      [
        'reportTypeCode',
        (c) => (c['supportingInfo'][0]['extension'][0]['extension'] = []),
        /reportTypeCode 1..1/,
      ],
      ['timing', (c) => (c['supportingInfo'][0]['timingDate'] = '2025-09-10'), /timing\[x\] 0..0/],
      ['value', (c) => delete c['supportingInfo'][0]['valueReference'], /valueReference 1..1/],
      [
        'not in Bundle',
        (c) => (c['supportingInfo'][0]['valueReference']['reference'] = 'QuestionnaireResponse/zz'),
        /not in the Bundle/,
      ],
      ['sequence', (c) => c['supportingInfo'].push(c['supportingInfo'][0]), /unique/],
    ]);
  });
});
