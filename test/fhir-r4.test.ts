// The R4 validator the DTR tests rely on must reject what R4 rejects, or their "valid" proves
// nothing: one bad resource per kind of check it is trusted with.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { r4Errors, r4LoadMs } from './support/fhir-r4.js';

const goodQuestionnaire = {
  resourceType: 'Questionnaire',
  status: 'active',
  item: [{ linkId: 'a', text: 'A?', type: 'boolean' }],
};

describe('fhir-r4 validator', () => {
  it('loads the R4 definitions once', (t) => {
    const ms = r4LoadMs();
    t.diagnostic(`R4 definitions indexed in ${ms.toFixed(0)} ms`);
    assert.equal(r4LoadMs(), ms);
  });

  it('accepts a valid resource', () => {
    assert.deepEqual(r4Errors(goodQuestionnaire), []);
  });

  it('rejects a missing required element', () => {
    const bad = { ...goodQuestionnaire, item: [{ text: 'A?', type: 'boolean' }] };
    assert.deepEqual(r4Errors(bad), ['Questionnaire.item[0].linkId: Missing required property']);
  });

  it('rejects a bad primitive', () => {
    assert.deepEqual(r4Errors({ ...goodQuestionnaire, date: '2025-13-01' }), [
      'Questionnaire.date: Invalid dateTime format',
    ]);
  });

  it('rejects an unknown property', () => {
    assert.match(
      r4Errors({ ...goodQuestionnaire, yesno: true }).join(),
      /Invalid additional property "yesno"/,
    );
  });

  it('rejects a broken invariant (que-6: a display item cannot be required)', () => {
    const bad = {
      ...goodQuestionnaire,
      item: [{ linkId: 'd', text: 'Note', type: 'display', required: true }],
    };
    assert.match(r4Errors(bad).join(), /que-6/);
  });

  it('rejects an error inside a contained resource inside a Parameters', () => {
    const bad = {
      resourceType: 'Parameters',
      parameter: [
        {
          name: 'return',
          resource: {
            resourceType: 'QuestionnaireResponse',
            status: 'in-progress',
            questionnaire: '#q',
            contained: [{ resourceType: 'Questionnaire', id: 'q' }],
          },
        },
      ],
    };
    assert.deepEqual(r4Errors(bad), [
      'Parameters.parameter[0].resource.contained[0].status: Missing required property',
    ]);
  });

  it('rejects Parameters inv-1 (a value and a resource at once)', () => {
    const bad = {
      resourceType: 'Parameters',
      parameter: [{ name: 'x', valueString: 'a', resource: goodQuestionnaire }],
    };
    assert.match(r4Errors(bad).join(), /inv-1/);
  });

  it('does not check required bindings (the IG checker does)', () => {
    // Documents the gap dtr-ig-conformance.ts closes: if medplum starts to check bindings, this
    // fails and the duplication can go.
    assert.deepEqual(
      r4Errors({ resourceType: 'QuestionnaireResponse', status: 'complete', questionnaire: 'x' }),
      [],
    );
  });
});
