// The bounded CI run of the HTTP fuzz harness (npm run fuzz runs the long one): a fixed seed, so a
// failure is the same failure on every machine and each example replays with
// `node dist/scripts/fuzz-http.js --seed 20261206 --only <index>`.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { AuditStore } from '../src/store/audit-store.js';
import { openStore } from '../src/store/open-store.js';
import { formatReport, runFuzz } from './support/fuzz-run.js';

let store: AuditStore;
before(async () => {
  store = await openStore({ dataDir: 'memory://' });
});
after(() => store.close());

test('3000 fuzzed requests over every route: no 5xx, no unkeyed 2xx, nothing acknowledged unstored, every error in its format', async () => {
  const report = await runFuzz({ requests: 3000, seed: 20261206, concurrency: 16, store });
  assert.ok(report.recordsChecked > 100, 'the run must acknowledge (and check) records');
  assert.equal(report.violationCount, 0, formatReport(report));
});
