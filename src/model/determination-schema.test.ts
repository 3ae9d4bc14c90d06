import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Ajv } from 'ajv';
import { loadScenarioCases } from '../policies/scenario-cases.js';
import { decideRequest } from '../service/decide-request.js';
import { loadContext } from '../service/load-context.js';
import { determinationSchema } from './determination-schema.js';

// The OpenAPI document shows DeterminationSchema; it must say what the engine really returns.
test('every scenario determination, with and without its trace, fits the published schema', () => {
  const ctx = loadContext({});
  const validate = new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(
    determinationSchema(ctx.terminology.bases.ids),
  );
  const cases = loadScenarioCases();
  assert.ok(cases.length >= 150);
  for (const c of cases) {
    for (const explain of [false, true]) {
      const r = decideRequest(c.request, ctx, { explain });
      assert.ok(r.ok, c.name);
      const wire = JSON.parse(JSON.stringify(r.determination)) as unknown;
      assert.ok(validate(wire), `${c.file}: ${c.name}: ${JSON.stringify(validate.errors)}`);
    }
  }
  // And the schema is not vacuous: a stray field or a wrong outcome is refused.
  const sample = JSON.parse(JSON.stringify(decideRequest(cases[0]!.request, ctx))) as {
    determination: Record<string, unknown>;
  };
  assert.equal(validate({ ...sample.determination, extra: 1 }), false);
  assert.equal(validate({ ...sample.determination, outcome: 'maybe' }), false);
  assert.equal(validate({ ...sample.determination, basis: 'no-such-basis' }), false);
});
