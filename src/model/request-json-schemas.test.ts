import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CompareRequestSchema, CoverageRequestSchema } from './coverage-request.js';
import {
  COMPARE_REQUEST_JSON_SCHEMA,
  COVERAGE_REQUEST_JSON_SCHEMA,
} from './request-json-schemas.js';

// Validation reads the generated literals and the types and OpenAPI document read TypeBox: an
// edit to one without `npm run gen:schemas` would let them drift apart.
test('the generated request schemas are the TypeBox definitions, as JSON', () => {
  const asJson = (s: object) => JSON.parse(JSON.stringify(s)) as unknown;
  assert.deepEqual(
    asJson(COVERAGE_REQUEST_JSON_SCHEMA),
    asJson(CoverageRequestSchema),
    'src/model/request-json-schemas.ts is out of date: run npm run gen:schemas',
  );
  assert.deepEqual(
    asJson(COMPARE_REQUEST_JSON_SCHEMA),
    asJson(CompareRequestSchema),
    'src/model/request-json-schemas.ts is out of date: run npm run gen:schemas',
  );
});
