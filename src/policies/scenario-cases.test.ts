import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { policiesDir } from '../package-root.js';
import { decideRequest } from '../service/decide-request.js';
import { loadContext } from '../service/load-context.js';
import {
  caseMismatches as mismatches,
  loadRejectedScenarioCases,
  loadScenarioCases,
  rejectionMismatches,
} from './scenario-cases.js';
import { indexSource, locateQuote } from './quote-locator.js';

const ctx = loadContext({});
/** A source document (policies/sources/…) from the corpus the cases were loaded from. */
const sourceText = (sourcePath: string) =>
  readFileSync(join(policiesDir(), sourcePath.replace(/^policies\//, '')), 'utf8');
const cases = loadScenarioCases();
const rejected = loadRejectedScenarioCases();

// Each case's cite must occur in its policy's source; each source is indexed once.
const sourcePaths = new Map(ctx.policySet.policies.map((p) => [p.id, p.sourcePath]));
const indexed = new Map<string, ReturnType<typeof indexSource>>();
function assertCiteInSource(c: { policy: string; cite: string }): void {
  const sourcePath = sourcePaths.get(c.policy);
  assert.ok(sourcePath, `unknown policy ${c.policy}`);
  let source = indexed.get(sourcePath);
  if (!source) indexed.set(sourcePath, (source = indexSource(sourcePath, sourceText(sourcePath))));
  assert.ok(
    locateQuote(source, c.cite) !== undefined,
    `cite not found in ${sourcePath}: "${c.cite}"`,
  );
}

describe('scenario corpus', () => {
  it('has at least 150 cases, and cases for every payer', () => {
    assert.ok(cases.length >= 150, `only ${cases.length} cases`);
    const payers = new Set(cases.map((c) => c.request.payer));
    for (const payer of ctx.policySet.payers) assert.ok(payers.has(payer), `no case for ${payer}`);
  });

  for (const c of cases) {
    it(`${c.policy}: ${c.name} (${c.file}:${c.line})`, () => {
      assertCiteInSource(c);
      const r = decideRequest(c.request, ctx);
      assert.ok(r.ok, `request rejected: ${JSON.stringify(!r.ok && r.error)}`);
      const problems = mismatches(c, r.determination);
      assert.deepEqual(
        problems,
        [],
        `${problems.join('; ')}\nreasons: ${r.determination.reasons.map((x) => x.text).join(' | ')}`,
      );
    });
  }
});

describe('scenario corpus: requests refused, not decided', () => {
  it('has cases', () => assert.ok(rejected.length > 0));
  for (const c of rejected) {
    it(`${c.policy}: ${c.name} (${c.file}:${c.line})`, () => {
      assertCiteInSource(c);
      const r = decideRequest(c.request, ctx);
      assert.ok(!r.ok, `request decided: ${r.ok && JSON.stringify(r.determination)}`);
      assert.deepEqual(rejectionMismatches(c, r.error.error), []);
    });
  }
});
