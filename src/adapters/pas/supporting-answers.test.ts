// PAS decisions on DTR answers (issue #19, docs/design/dtr-19.md §B.6, §D.6, §E.2 item 7): a
// completed QuestionnaireResponse in Claim.supportingInfo[AdditionalInformation] gives the facts
// of the items it answers for. Every ClaimResponse is checked as FHIR R4 and against the PAS
// profile rules. Scenario cases cite their seed lines.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideRequest } from '../../service/decide-request.js';
import { loadContext } from '../../service/load-context.js';
import { r4Errors } from '../../../test/support/fhir-r4.js';
import {
  claimQuestionnaireResponseProblems,
  claimResponseProblems,
} from '../../../test/support/dtr-ig-conformance.js';
import { clientItems, formOf, PUBLIC_URL } from '../../../test/support/dtr-fixtures.js';
import { questionnaireCanonical, type AnswerCode } from '../dtr/questionnaire.js';
import { QR_CONTEXT_URL } from '../dtr/questionnaire-response.js';
import {
  REVIEW_ACTION_URL,
  submitPasBundle,
  type PasClaimResponseRecordV1,
  type PasDeps,
} from './submit-claim.js';
import { PAS_TEMP_CODES } from './supporting-answers.js';

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const ctx = loadContext({});

/** Seed 003 (bcbsm-bcn-iv-anesthetics.txt) line 676, whitespace-normalized (the seed has a TAB). */
const BCN65_L676 =
  'BCN65 (Medicare Complementary) Coinsurance covered if primary Medicare covers the service.';
/** Seed 002 (bcbsal-mp-446.txt) line 95, whitespace-normalized. */
const FEP_L95 = 'FEP: Special benefit consideration may apply. Refer to member’s benefit plan.';
/** Seed 002 line 17: MP-446's investigational statement. */
const MP446_L17 =
  'Intravenous infusion of anesthetics (e.g., ketamine or lidocaine) for the treatment of chronic pain, including, but not limited, to chronic neuropathic pain, chronic daily headache, and fibromyalgia is considered investigational.';
/** Seed 002 line 93. */
const ITS_L93 = 'ITS: Home Policy provisions apply';
/** Seed 004 (medica-mb2300.txt) line 54: statement 2.1. */
const MEDICA_L54 =
  '2.1 IV Ketamine is considered not covered due to insufficient evidence to demonstrate long-term clinical efficacy and safety for treatment of chronic pain';

interface Member {
  payer: string;
  plan?: string;
}
const BCN65: Member = {
  payer: 'Blue Care Network of Michigan',
  plan: 'BCN65 Medicare Complementary',
};
const FEP: Member = {
  payer: 'Blue Cross and Blue Shield of Alabama',
  plan: 'Federal Employee Program',
};
const BCBSAL: Member = { payer: 'Blue Cross and Blue Shield of Alabama' };
const MEDICA_COST: Member = { payer: 'Medica', plan: 'Medicare Cost' };

interface QrOpts {
  answers: Record<string, AnswerCode>;
  id: string;
  status?: string;
  /** The order it answers for (qr-context); none: all items. */
  context?: string;
  withoutOrigin?: boolean;
}

function questionnaireResponse(q: QrOpts): J {
  const items = clientItems(q.answers) as J[];
  if (q.withoutOrigin) for (const i of items) delete i['answer'][0]['extension'];
  return {
    resourceType: 'QuestionnaireResponse',
    id: q.id,
    identifier: { system: `${PUBLIC_URL}/fhir/dtr-session`, value: `session-${q.id}` },
    questionnaire: 'https://payer.example/fhir/Questionnaire/x|1',
    status: q.status ?? 'completed',
    subject: { reference: 'Patient/pat-1' },
    ...(q.context
      ? { extension: [{ url: QR_CONTEXT_URL, valueReference: { reference: q.context } }] }
      : {}),
    item: items,
  };
}

function medicationRequest(id: string): J {
  return {
    resourceType: 'MedicationRequest',
    id,
    status: 'active',
    intent: 'order',
    subject: { reference: 'Patient/pat-1' },
    medicationCodeableConcept: {
      coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '6130' }],
    },
    dosageInstruction: [
      { route: { coding: [{ system: 'http://snomed.info/sct', code: '47625008' }] } },
    ],
  };
}

/** A PAS request Bundle: one item per order, each QR attached as additional information. */
function claimBundle(
  m: Member,
  qrs: QrOpts[] = [],
  o: { orders?: string[]; insurer?: boolean } = {},
): J {
  const orders = o.orders ?? ['mr-1'];
  const qrUrl = (q: QrOpts) => `urn:uuid:00000000-0000-4000-8000-${q.id.padStart(12, '0')}`;
  const claim: J = {
    resourceType: 'Claim',
    id: 'claim-1',
    status: 'active',
    type: {
      coding: [
        { system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: 'professional' },
      ],
    },
    use: 'preauthorization',
    patient: { reference: 'Patient/pat-1' },
    created: '2025-09-10T14:59:00Z',
    ...(o.insurer === false ? {} : { insurer: { reference: 'Organization/payer' } }),
    provider: { reference: 'Organization/clinic' },
    priority: { coding: [{ code: 'normal' }] },
    diagnosis: [
      {
        sequence: 1,
        diagnosisCodeableConcept: {
          coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'G90.521' }],
        },
      },
    ],
    insurance: [{ sequence: 1, focal: true, coverage: { reference: 'Coverage/cov-1' } }],
    item: orders.map((order, i) => ({
      sequence: i + 1,
      diagnosisSequence: [1],
      extension: [
        {
          url: 'http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-requestedService',
          valueReference: { reference: `MedicationRequest/${order}` },
        },
      ],
      productOrService: { coding: [{ system: 'http://www.ama-assn.org/go/cpt', code: '96365' }] },
      servicedDate: '2025-10-01',
    })),
    ...(qrs.length > 0
      ? {
          supportingInfo: qrs.map((q, i) => ({
            sequence: i + 1,
            category: { coding: [{ system: PAS_TEMP_CODES, code: 'additionalInformation' }] },
            extension: [
              {
                url: 'http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-documentInformation',
                extension: [
                  {
                    url: 'reportTypeCode',
                    valueCodeableConcept: {
                      coding: [{ system: 'https://codesystem.x12.org/005010/755', code: 'PY' }],
                    },
                  },
                ],
              },
            ],
            valueReference: { reference: qrUrl(q) },
          })),
        }
      : {}),
  };
  return {
    resourceType: 'Bundle',
    identifier: { system: 'http://example.org/SUBMITTER_TRANSACTION_IDENTIFIER', value: 'A1' },
    type: 'collection',
    timestamp: '2025-09-10T14:59:00Z',
    entry: [
      { fullUrl: 'http://ehr.example/fhir/Claim/claim-1', resource: claim },
      {
        fullUrl: 'http://ehr.example/fhir/Patient/pat-1',
        resource: { resourceType: 'Patient', id: 'pat-1' },
      },
      {
        fullUrl: 'http://ehr.example/fhir/Organization/payer',
        resource: { resourceType: 'Organization', id: 'payer', name: m.payer },
      },
      {
        fullUrl: 'http://ehr.example/fhir/Organization/clinic',
        resource: { resourceType: 'Organization', id: 'clinic', name: 'Infusion Clinic' },
      },
      {
        fullUrl: 'http://ehr.example/fhir/Coverage/cov-1',
        resource: {
          resourceType: 'Coverage',
          id: 'cov-1',
          status: 'active',
          beneficiary: { reference: 'Patient/pat-1' },
          payor: [{ reference: 'Organization/payer' }],
          ...(m.plan
            ? {
                class: [
                  {
                    type: {
                      coding: [
                        {
                          system: 'http://terminology.hl7.org/CodeSystem/coverage-class',
                          code: 'plan',
                        },
                      ],
                    },
                    value: 'p',
                    name: m.plan,
                  },
                ],
              }
            : {}),
        },
      },
      ...orders.map((order) => ({
        fullUrl: `http://ehr.example/fhir/MedicationRequest/${order}`,
        resource: medicationRequest(order),
      })),
      ...qrs.map((q) => ({ fullUrl: qrUrl(q), resource: questionnaireResponse(q) })),
    ],
  };
}

interface Answer {
  cr: J;
  record: PasClaimResponseRecordV1;
  codes: string[];
  notes: string[];
  reasons: (string | undefined)[];
}

async function submit(bundle: J, extra: Partial<PasDeps> = {}): Promise<Answer> {
  let n = 0;
  let record: PasClaimResponseRecordV1 | undefined;
  const res = await submitPasBundle(bundle, {
    ctx,
    store: {
      saveClaimResponse: async (r) => void (record = r),
      getClaimResponse: async () => undefined,
    },
    now: () => new Date('2025-09-10T15:00:00Z'),
    newId: () => `pas-${++n}`,
    publicUrl: PUBLIC_URL,
    ...extra,
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const cr = (res.body as J).entry[0].resource as J;
  // Every ClaimResponse: valid R4, and the PAS profile rules it is checked against.
  assert.deepEqual(r4Errors(cr), []);
  assert.deepEqual(claimResponseProblems(cr), []);
  assert.ok(cr['insurer'], 'ClaimResponse.insurer is 1..1 in R4');
  // No seed states an authorization period (D.5-6): none is ever sent.
  assert.equal(cr['preAuthPeriod'], undefined);
  assert.doesNotMatch(JSON.stringify(cr), /PreAuthPeriod/);
  const claim = bundle['entry'][0]['resource'];
  assert.deepEqual(claimQuestionnaireResponseProblems(claim, bundle), []);
  const notes = cr['processNote'] as J[];
  return {
    cr,
    record: record!,
    codes: cr['item'].map((it: J) => {
      const ra = it.adjudication[0].extension.find((e: J) => e.url === REVIEW_ACTION_URL);
      return ra.extension.find((e: J) => e.url === 'code').valueCodeableConcept.coding[0].code;
    }),
    notes: cr['item'].map((it: J) => notes.find((x) => x['number'] === it.noteNumber[0])!.text),
    reasons: cr['item'].map((it: J) => it.adjudication[0].reason?.text),
  };
}

const bcnCanonical = () =>
  questionnaireCanonical(formOf(ctx, 'bcbsm-bcn-iv-anesthetics', '2024-03'));
const PMC = 'primary-medicare-covered';

describe('PAS on DTR answers: BCN65 follows primary Medicare (seed 003 line 676)', () => {
  it('answered yes: certified (A1) with an authorization number, quoting line 676; no prior authorization is required', async () => {
    const a = await submit(claimBundle(BCN65, [{ id: '1', answers: { [PMC]: 'Y' } }]));
    assert.deepEqual(a.codes, ['A1']);
    assert.equal(typeof a.cr['preAuthRef'], 'string');
    assert.equal(
      a.notes[0],
      `Certified under Blue Care Network of Michigan policy “Intravenous Anesthetics for the Treatment of Chronic Pain and Psychiatric Disorders” (version 2024-03): primary Medicare covered the service. The policy states: “${BCN65_L676}”. The policy requires no prior authorization.`,
    );
    assert.deepEqual(a.record.items[0]!.facts, { [PMC]: true });
    assert.deepEqual(a.record.items[0]!.questionnaireResponses, ['session-1']);
    assert.equal(a.record.items[0]!.determination?.outcome, 'covered');
  });

  it('answered no: not certified (A3), quoting line 676', async () => {
    const a = await submit(claimBundle(BCN65, [{ id: '1', answers: { [PMC]: 'N' } }]));
    assert.deepEqual(a.codes, ['A3']);
    assert.equal(a.reasons[0], `coverage follows primary Medicare’s decision: ${BCN65_L676}`);
    assert.ok(a.notes[0]!.includes(': primary Medicare did not cover the service.'), a.notes[0]);
    assert.ok(a.notes[0]!.includes(`“${BCN65_L676}”`), a.notes[0]);
    assert.equal(a.cr['preAuthRef'], undefined);
    assert.deepEqual(a.record.items[0]!.facts, { [PMC]: false });
  });

  it('answered “Not known yet” (ASKU): pended (A4), naming the question and the questionnaire', async () => {
    const a = await submit(claimBundle(BCN65, [{ id: '1', answers: { [PMC]: 'ASKU' } }]));
    assert.deepEqual(a.codes, ['A4']);
    assert.ok(
      a.notes[0]!.includes(
        `needs an answer to: Did primary Medicare cover this service for this member? (questionnaire ${bcnCanonical()}).`,
      ),
      a.notes[0],
    );
    assert.match(a.notes[0]!, /QuestionnaireResponse session-1 answered “Not known yet”/);
    assert.deepEqual(a.record.items[0]!.questionnaireResponses, ['session-1']);
    assert.equal(a.record.items[0]!.facts, undefined);
  });

  it('no QuestionnaireResponse: pended (A4), naming the question and the questionnaire', async () => {
    const a = await submit(claimBundle(BCN65));
    assert.deepEqual(a.codes, ['A4']);
    assert.ok(a.notes[0]!.includes(`(questionnaire ${bcnCanonical()})`), a.notes[0]);
    assert.equal(a.record.items[0]!.questionnaireResponses, undefined);
  });

  it('a QuestionnaireResponse that is not completed: pended (A4), naming it', async () => {
    const a = await submit(
      claimBundle(BCN65, [{ id: '1', answers: { [PMC]: 'Y' }, status: 'in-progress' }]),
    );
    assert.deepEqual(a.codes, ['A4']);
    assert.equal(
      a.notes[0],
      'Pended: QuestionnaireResponse session-1 is in-progress, not completed: its answers are not final.',
    );
  });

  it('two QuestionnaireResponses disagreeing on a fact: pended (A4), naming both and the fact', async () => {
    const a = await submit(
      claimBundle(BCN65, [
        { id: '1', answers: { [PMC]: 'Y' } },
        { id: '2', answers: { [PMC]: 'N' } },
      ]),
    );
    assert.deepEqual(a.codes, ['A4']);
    assert.equal(
      a.notes[0],
      'Pended: the QuestionnaireResponses disagree: primary-medicare-covered is yes in QuestionnaireResponse session-1 but no in QuestionnaireResponse session-2.',
    );
    assert.deepEqual(a.record.items[0]!.questionnaireResponses, ['session-1', 'session-2']);
  });

  it('an answer that is not one of the options: pended (A4), naming the response and the item', async () => {
    const bundle = claimBundle(BCN65, [{ id: '1', answers: { [PMC]: 'Y' } }]);
    const qr = bundle['entry'].at(-1).resource;
    qr.item[0].answer = [{ valueBoolean: true }];
    const a = await submit(bundle);
    assert.deepEqual(a.codes, ['A4']);
    assert.match(
      a.notes[0]!,
      /^Pended: QuestionnaireResponse session-1 cannot be read: item primary-medicare-covered: the answer must be a valueCoding/,
    );
  });

  it('qr-context scopes the answers to the item whose requested service it names', async () => {
    const a = await submit(
      claimBundle(
        BCN65,
        [
          { id: '1', answers: { [PMC]: 'Y' }, context: 'MedicationRequest/mr-1' },
          { id: '2', answers: { [PMC]: 'N' }, context: 'MedicationRequest/mr-2' },
        ],
        { orders: ['mr-1', 'mr-2'] },
      ),
    );
    assert.deepEqual(a.codes, ['A1', 'A3']);
    assert.deepEqual(a.record.items[0]!.questionnaireResponses, ['session-1']);
    assert.deepEqual(a.record.items[1]!.questionnaireResponses, ['session-2']);
  });

  it('a QuestionnaireResponse for another order does not answer for this one', async () => {
    const a = await submit(
      claimBundle(BCN65, [{ id: '1', answers: { [PMC]: 'Y' }, context: 'MedicationRequest/mr-9' }]),
    );
    assert.deepEqual(a.codes, ['A4']);
  });

  it('a QuestionnaireResponse without qr-context answers for every item', async () => {
    const a = await submit(
      claimBundle(BCN65, [{ id: '1', answers: { [PMC]: 'Y' } }], { orders: ['mr-1', 'mr-2'] }),
    );
    assert.deepEqual(a.codes, ['A1', 'A1']);
  });

  it('an answer without information-origin is accepted, and the deviation is in the note', async () => {
    const a = await submit(
      claimBundle(BCN65, [{ id: '1', answers: { [PMC]: 'Y' }, withoutOrigin: true }]),
    );
    assert.deepEqual(a.codes, ['A1']);
    assert.match(
      a.notes[0]!,
      /Accepted with deviations: QuestionnaireResponse session-1: item primary-medicare-covered: the answer has no information-origin extension\./,
    );
  });

  it('answers do not touch an item whose decision asks nothing: BCBSAL commercial stays not certified (A3), even beside an unfinished form', async () => {
    const a = await submit(
      claimBundle(BCBSAL, [{ id: '1', answers: { [PMC]: 'Y' }, status: 'in-progress' }]),
    );
    assert.deepEqual(a.codes, ['A3']);
    assert.equal(a.record.items[0]!.questionnaireResponses, undefined);
  });

  it('a Claim without an insurer still answers with ClaimResponse.insurer (the Coverage’s payor)', async () => {
    const a = await submit(
      claimBundle(BCN65, [{ id: '1', answers: { [PMC]: 'Y' } }], { insurer: false }),
    );
    assert.deepEqual(a.cr['insurer'], { reference: 'Organization/payer' });
  });
});

describe('PAS on DTR answers: BCBSAL FEP and ITS, Medica Medicare Cost', () => {
  const FEPQ = 'fep-benefit-plan-covers';
  it('FEP, the benefit plan covers it: certified (A1), quoting seed 002 line 95', async () => {
    const a = await submit(claimBundle(FEP, [{ id: '1', answers: { [FEPQ]: 'Y' } }]));
    assert.deepEqual(a.codes, ['A1']);
    assert.ok(a.notes[0]!.includes(`The policy states: “${FEP_L95}”.`), a.notes[0]);
    assert.ok(a.notes[0]!.endsWith('The policy requires no prior authorization.'), a.notes[0]);
  });

  it('FEP, no special benefit consideration: not certified (A3), the FEP sentence then MP-446’s investigational statement (seed 002 lines 95, 17)', async () => {
    const a = await submit(claimBundle(FEP, [{ id: '1', answers: { [FEPQ]: 'N' } }]));
    assert.deepEqual(a.codes, ['A3']);
    assert.equal(a.reasons[0], `investigational: ${FEP_L95} ${MP446_L17}`);
    assert.ok(a.notes[0]!.includes(`The policy states: “${FEP_L95}” “${MP446_L17}”`), a.notes[0]);
  });

  // The FHIR mapping reads no home plan; the decision path is given the ITS member's home plan.
  const itsMember: PasDeps['decide'] = (req, c) =>
    decideRequest({ ...(req as object), homePlan: 'bcbsma' }, c);
  it('ITS, the home plan’s policy does not cover it: not certified (A3), quoting seed 002 line 93', async () => {
    const a = await submit(
      claimBundle(BCBSAL, [{ id: '1', answers: { 'home-plan-covers': 'N' } }]),
      { decide: itsMember },
    );
    assert.deepEqual(a.codes, ['A3']);
    assert.ok(a.reasons[0]!.endsWith(`: ${ITS_L93}`), a.reasons[0]);
    assert.doesNotMatch(a.notes[0]!, /investigational/i);
  });

  it('ITS, the home plan’s policy covers it: certified (A1), quoting seed 002 line 93', async () => {
    const a = await submit(
      claimBundle(BCBSAL, [{ id: '1', answers: { 'home-plan-covers': 'Y' } }]),
      { decide: itsMember },
    );
    assert.deepEqual(a.codes, ['A1']);
    assert.ok(a.notes[0]!.includes(`“${ITS_L93}”`), a.notes[0]);
  });

  it('Medica Medicare Cost, non-participating provider: not certified (A3) by statement 2.1, no QuestionnaireResponse needed (seed 004 line 54)', async () => {
    const nonParticipating: PasDeps['decide'] = (req, c) =>
      decideRequest({ ...(req as object), providerParticipating: false }, c);
    const a = await submit(claimBundle(MEDICA_COST), { decide: nonParticipating });
    assert.deepEqual(a.codes, ['A3']);
    assert.equal(a.reasons[0], `not covered: ${MEDICA_L54}`);
    assert.equal(a.record.items[0]!.determination?.questions, undefined);
  });
});
