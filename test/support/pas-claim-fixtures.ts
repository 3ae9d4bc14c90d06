// A PAS ClaimResponse with one item per review action, shaped as src/adapters/pas/submit-claim.ts
// answers (PAS 2.2.1 ClaimResponse.fsh; docs/design/dtr-19.md §D.6), and a Claim carrying a
// completed DTR QuestionnaireResponse as supportingInfo[AdditionalInformation] (Claim.fsh lines
// 211–228, Examples.fsh lines 80–87).
import { withQuestionnaireResponse } from './crd-orders.js';

const X12_306 = 'https://codesystem.x12.org/005010/306';
const REVIEW_ACTION =
  'http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-reviewAction';
const ADMIN_REF =
  'http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-administrationReferenceNumber';

function adjudication(code: string, display: string, more: Record<string, unknown> = {}) {
  return {
    category: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/adjudication', code: 'submitted' }],
    },
    extension: [
      {
        url: REVIEW_ACTION,
        extension: [
          { url: 'code', valueCodeableConcept: { coding: [{ system: X12_306, code, display }] } },
          ...(code === 'A1' ? [{ url: 'number', valueString: 'AUTH-0001' }] : []),
        ],
      },
    ],
    ...more,
  };
}

export function claimResponseFixture(): Record<string, unknown> {
  return {
    resourceType: 'ClaimResponse',
    id: 'cr-1',
    status: 'active',
    type: {
      coding: [
        { system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: 'professional' },
      ],
    },
    use: 'preauthorization',
    patient: { reference: 'Patient/pat-1' },
    created: '2025-09-10T08:00:00Z',
    insurer: { reference: 'Organization/bcn' },
    request: { reference: 'Claim/claim-1' },
    outcome: 'complete',
    preAuthRef: 'AUTH-0001',
    item: [
      { itemSequence: 1, adjudication: [adjudication('A1', 'Certified in total')] },
      {
        itemSequence: 2,
        adjudication: [
          adjudication('A3', 'Not Certified', {
            reason: {
              text: 'Not covered: BCN65 (Medicare Complementary) Coinsurance covered if primary Medicare covers the service.',
            },
          }),
        ],
      },
      {
        extension: [{ url: ADMIN_REF, valueString: 'PEND-0001' }],
        itemSequence: 3,
        adjudication: [adjudication('A4', 'Pending')],
      },
    ],
  };
}

/** A Claim Bundle's Claim and its entries (only what the QR attachment check reads). */
export function claimWithQuestionnaireResponse(): {
  claim: Record<string, unknown>;
  bundle: Record<string, unknown>;
} {
  const claim: Record<string, unknown> = { resourceType: 'Claim', id: 'claim-1' };
  const bundle = withQuestionnaireResponse(
    {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [{ fullUrl: 'urn:uuid:claim-1', resource: claim }],
    },
    { resourceType: 'QuestionnaireResponse', status: 'completed' },
    'urn:uuid:5b0c2d4e-9a41-4f0e-8a47-0e6d3a1f2c11',
  );
  return { claim, bundle };
}
