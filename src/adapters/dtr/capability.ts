// The server's FHIR CapabilityStatement (`GET /fhir/metadata`): what a DTR client (and a PAS
// client) can call under /fhir. DTR 2.2.0 is the implemented IG (docs/design/dtr-19.md §A.4).
import { fhirBase } from './questionnaire.js';

const DTR = 'http://hl7.org/fhir/us/davinci-dtr';

export function capabilityStatement(publicUrl: string, software: string, date: string) {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date,
    publisher: 'medpolicy',
    kind: 'instance',
    software: { name: 'medpolicy', version: software },
    implementation: {
      description: 'DTR payer service (adaptive forms from the medical policies) and PAS',
      url: fhirBase(publicUrl),
    },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json'],
    implementationGuide: [`${DTR}/ImplementationGuide/hl7.fhir.us.davinci-dtr|2.2.0`],
    rest: [
      {
        mode: 'server',
        documentation:
          'Every call needs an API key when the service requires keys (Authorization: Bearer <key>).',
        resource: [
          {
            type: 'Questionnaire',
            interaction: [{ code: 'read' }, { code: 'search-type' }],
            searchParam: [
              { name: 'url', type: 'uri' },
              { name: 'version', type: 'token' },
            ],
            operation: [
              {
                name: 'questionnaire-package',
                definition: `${DTR}/OperationDefinition/questionnaire-package`,
              },
              {
                name: 'next-question',
                definition: `${DTR}/OperationDefinition/DTR-Questionnaire-next-question`,
              },
            ],
          },
          {
            type: 'Claim',
            operation: [
              {
                name: 'submit',
                definition: 'http://hl7.org/fhir/us/davinci-pas/OperationDefinition/Claim-submit',
              },
            ],
          },
          { type: 'ClaimResponse', interaction: [{ code: 'read' }] },
        ],
      },
    ],
  };
}
