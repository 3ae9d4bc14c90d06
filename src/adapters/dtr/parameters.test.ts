import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  answerProblemOutcome,
  nextQuestionOutput,
  packageOutput,
  readNextQuestionInput,
  readPackageInput,
  warningOutcome,
} from './parameters.js';

const coverage = { name: 'coverage', resource: { resourceType: 'Coverage', id: 'cov-1' } };
const order = { name: 'order', resource: { resourceType: 'MedicationRequest', id: 'ket-1' } };
const context = { name: 'context', valueString: 'ca-7f1c' };
const params = (...parameter: unknown[]) => ({ resourceType: 'Parameters', parameter });

function refusal(r: ReturnType<typeof readPackageInput | typeof readNextQuestionInput>) {
  assert.ok(!r.ok, 'refused');
  assert.equal(r.outcome.resourceType, 'OperationOutcome');
  return r.outcome.issue[0]!;
}

describe('readPackageInput', () => {
  it('reads coverage, order, questionnaire, context and changedsince', () => {
    const r = readPackageInput(
      params(
        coverage,
        order,
        { name: 'questionnaire', valueCanonical: 'https://payer.example/fhir/Questionnaire/x|1' },
        context,
        { name: 'changedsince', valueInstant: '2025-09-10T08:00:00Z' },
      ),
    );
    assert.ok(r.ok);
    assert.deepEqual(r.value, {
      coverage: coverage.resource,
      orders: [order.resource],
      questionnaires: ['https://payer.example/fhir/Questionnaire/x|1'],
      context: 'ca-7f1c',
      changedsince: '2025-09-10T08:00:00Z',
    });
    assert.deepEqual(r.warnings, []);
  });

  it('accepts 2.0.1’s dateTime changedsince and several coverages, warning about the extra ones', () => {
    const second = { name: 'coverage', resource: { resourceType: 'Coverage', id: 'cov-2' } };
    const r = readPackageInput(
      params(
        coverage,
        second,
        context,
        { name: 'changedsince', valueDateTime: '2025-09-10' },
        { name: 'foo', valueString: 'x' },
      ),
    );
    assert.ok(r.ok);
    assert.equal(r.value.coverage, coverage.resource);
    assert.match(r.warnings.join('\n'), /coverage occurred 2 times; .* only the first was used/);
    assert.match(r.warnings.join('\n'), /parameter foo is not an input of \$questionnaire-package/);
  });

  it('names the parameter and the fix when it refuses', () => {
    const cases: [unknown, RegExp, string][] = [
      [{ resourceType: 'Bundle' }, /must be a FHIR Parameters resource/, 'Parameters'],
      [params(order), /parameter coverage is required/, 'Parameters.parameter'],
      [
        params(coverage),
        /at least one of order, questionnaire or context is required \(dtr-1\)/,
        'Parameters.parameter',
      ],
      [
        params({ name: 'coverage', resource: { resourceType: 'Patient' } }, context),
        /coverage must carry a Coverage/,
        'Parameters.parameter[0].resource',
      ],
      [
        params(coverage, { name: 'order', resource: { resourceType: 'Claim' } }),
        /order must carry one of Appointment/,
        'Parameters.parameter[1].resource',
      ],
      [
        params(coverage, { name: 'context', valueInteger: 7 }),
        /context must be a valueString/,
        'Parameters.parameter[1].valueString',
      ],
      [params(coverage, context, context), /context may occur once/, 'Parameters.parameter[2]'],
      [
        params(coverage, { name: 'questionnaire', valueString: 'x' }),
        /questionnaire must be a valueCanonical/,
        'Parameters.parameter[1]',
      ],
      [
        params(coverage, context, { name: 'changedsince', valueInstant: 'yesterday' }),
        /changedsince must be a valueInstant/,
        'Parameters.parameter[2]',
      ],
    ];
    for (const [body, message, expression] of cases) {
      const issue = refusal(readPackageInput(body));
      assert.match(issue.diagnostics, message);
      assert.deepEqual(issue.expression, [expression]);
      assert.equal(issue.severity, 'error');
    }
  });
});

describe('readNextQuestionInput', () => {
  const qr = { resourceType: 'QuestionnaireResponse', status: 'in-progress' };

  it('takes DTR 2.2.0’s questionnaire-response and 2.1.0’s in', () => {
    for (const name of ['questionnaire-response', 'in']) {
      const r = readNextQuestionInput(params({ name, resource: qr }));
      assert.ok(r.ok, name);
      assert.equal(r.value, qr);
    }
  });

  it('refuses anything but exactly that one parameter', () => {
    const cases: [unknown, RegExp][] = [
      [params(), /exactly one parameter, questionnaire-response \(found 0\)/],
      [params({ name: 'questionnaire-response', resource: qr }, context), /found 2/],
      [
        params({ name: 'return', resource: qr }),
        /parameter return is not an input of \$next-question/,
      ],
      [
        params({ name: 'in', resource: { resourceType: 'Questionnaire' } }),
        /must carry the QuestionnaireResponse/,
      ],
      [params({ name: 'in', resource: qr, valueString: 'x' }), /no value or part/],
    ];
    for (const [body, message] of cases)
      assert.match(refusal(readNextQuestionInput(body)).diagnostics, message);
  });
});

describe('outputs', () => {
  it('a package with nothing to ask needs the outcome saying why (oper-8)', () => {
    assert.throws(() => packageOutput([]), /oper-8/);
    const out = packageOutput([], warningOutcome(['No documentation is needed any longer.']));
    assert.deepEqual(
      out.parameter.map((p) => p['name']),
      ['outcome'],
    );
  });

  it('warnings become one OperationOutcome; none, no outcome', () => {
    assert.equal(warningOutcome([]), undefined);
    assert.deepEqual(
      warningOutcome(['a', 'b'])!.issue.map((i) => [i.severity, i.code, i.diagnostics]),
      [
        ['warning', 'informational', 'a'],
        ['warning', 'informational', 'b'],
      ],
    );
  });

  it('$next-question answers with one parameter, return', () => {
    const out = nextQuestionOutput({} as Parameters<typeof nextQuestionOutput>[0]);
    assert.deepEqual(
      out.parameter.map((p) => p['name']),
      ['return'],
    );
  });

  it('an unreadable answer points into the input Parameters', () => {
    const o = answerProblemOutcome({
      expression: 'QuestionnaireResponse.item[0].linkId',
      message: 'item home-plan-covers was not asked in this session',
    });
    assert.deepEqual(o.issue, [
      {
        severity: 'error',
        code: 'invalid',
        diagnostics: 'item home-plan-covers was not asked in this session',
        expression: ['Parameters.parameter[0].resource.item[0].linkId'],
      },
    ]);
    assert.deepEqual(
      answerProblemOutcome({ expression: 'QuestionnaireResponse', message: 'x' }).issue[0]!
        .expression,
      ['Parameters.parameter[0].resource'],
    );
  });
});
