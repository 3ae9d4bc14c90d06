// The analyst's path: a new payer and its policy are data. This copies the policy corpus to a
// temporary directory, adds a fictional payer's policy, source text, cases and coverage-map row
// (test/fixtures/analyst-payer), points the engine at it (loadContext's policiesDir, and the
// MEDPOLICY_POLICIES environment variable for the CLI and for the corpus-driven test files run
// again there), and expects everything green: compile, every scenario case (the new ones too),
// compare across all payers over the CLI and HTTP, the payer list, the CRD payer mapping.
// If a test hard-coded the seed policies or payers, the re-run below would fail.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { loadCoverageMap, selectCoverage } from '../src/adapters/cdshooks/coverage-map.js';
import { packageRoot } from '../src/package-root.js';
import { caseMismatches, loadScenarioCases } from '../src/policies/scenario-cases.js';
import { decideRequest } from '../src/service/decide-request.js';
import { loadContext } from '../src/service/load-context.js';
import type { AuditStore } from '../src/store/audit-store.js';
import { openStore } from '../src/store/open-store.js';
import { postJson, testServer } from './support/http-server.js';

const root = packageRoot();
const fixture = join(root, 'test', 'fixtures', 'analyst-payer');
const work = mkdtempSync(join(tmpdir(), 'medpolicy-analyst-'));
const dir = join(work, 'policies');
cpSync(join(root, 'policies'), dir, { recursive: true });
cpSync(join(fixture, 'northwind'), join(dir, 'northwind'), { recursive: true });
cpSync(join(fixture, 'sources'), join(dir, 'sources'), { recursive: true });
// The fixture's rows are top-level YAML lists; they go into a file's indented list.
const rows = (name: string) =>
  readFileSync(join(fixture, name), 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
const mapFile = join(dir, 'crd-coverage-map.yaml');
const map = readFileSync(mapFile, 'utf8');
const row = rows('crd-coverage-map-row.yaml');
assert.ok(map.includes('\ncommonPlans:'));
writeFileSync(mapFile, map.replace('\n# Every payer:', `\n${row}\n# Every payer:`));

// A new indication family too (the value sets end with the families list).
const families = join(dir, 'valuesets', 'indications.yaml');
writeFileSync(
  families,
  `${readFileSync(families, 'utf8').trimEnd()}\n${rows('indications-family.yaml')}\n`,
);

// And a payer-defined basis, which the new policy's self-insured rule uses.
const bases = join(dir, 'valuesets', 'bases.yaml');
writeFileSync(bases, `${readFileSync(bases, 'utf8').trimEnd()}\n${rows('bases-row.yaml')}\n`);

const env: NodeJS.ProcessEnv = { ...process.env, MEDPOLICY_POLICIES: dir };
// A test file run by `node --test` has NODE_TEST_CONTEXT set; a child test run inheriting it would
// report to a parent that is not listening and pass vacuously.
delete env['NODE_TEST_CONTEXT'];
const crps = {
  dateOfService: '2025-09-15',
  drug: 'ketamine',
  route: 'intravenous',
  diagnosisCodes: ['G90.521'],
};

describe('another policies directory with a new payer (the analyst path)', () => {
  after(() => rmSync(work, { recursive: true, force: true }));
  const ctx = loadContext({ policiesDir: dir });

  it('compiles it: the new payer is listed, sorted among the others', () => {
    const shipped = loadContext({}).policySet;
    assert.equal(ctx.policySet.policies.length, shipped.policies.length + 1);
    assert.deepEqual(ctx.policySet.payers, [...shipped.payers, 'northwind'].sort());
    assert.ok(!shipped.payers.includes('northwind'), 'the shipped corpus is not the copy');
  });

  it('places codes in the new indication family', () => {
    assert.equal(
      ctx.terminology.indications.classify('M5441')?.family,
      'low-back-pain-with-sciatica',
    );
  });

  it("decides every scenario case there, the new payer's included", () => {
    const cases = loadScenarioCases(dir);
    assert.ok(cases.some((c) => c.policy === 'northwind-nw-100'));
    for (const c of cases) {
      const r = decideRequest(c.request, ctx);
      assert.ok(r.ok, `${c.file}: ${c.name}`);
      assert.deepEqual(caseMismatches(c, r.determination), [], `${c.file}: ${c.name}`);
    }
  });

  it("maps an EHR's coverage naming the new payer to it (the coverage-map row)", () => {
    const coverage = {
      resourceType: 'Coverage',
      status: 'active',
      payor: [{ display: 'Northwind Health Plan' }],
    };
    const picked = selectCoverage([coverage], loadCoverageMap(dir), new Map());
    assert.equal(picked.kind, 'ours');
    assert.equal(picked.kind === 'ours' && picked.coverage.payer, 'northwind');
    // The shipped corpus has no such row: the copy's map is the one read.
    assert.equal(selectCoverage([coverage], loadCoverageMap(), new Map()).kind, 'foreign');
  });

  it('medpolicy compare and policies (MEDPOLICY_POLICIES) answer the new payer too', () => {
    const bin = join(root, 'bin/medpolicy.js');
    const run = (args: string[], input = '') =>
      spawnSync(process.execPath, [bin, ...args], { input, encoding: 'utf8', env });
    const compare = run(['compare'], JSON.stringify(crps));
    assert.equal(compare.status, 0, compare.stderr);
    const ds = JSON.parse(compare.stdout) as { payer: string; outcome: string; basis?: string }[];
    assert.deepEqual(
      ds.map((d) => d.payer),
      ctx.policySet.payers,
    );
    assert.deepEqual(
      ds.find((d) => d.payer === 'northwind'),
      {
        ...ds.find((d) => d.payer === 'northwind'),
        outcome: 'not-covered',
        basis: 'investigational',
      },
    );
    const policies = JSON.parse(run(['policies', '--format', 'json']).stdout) as {
      policies: { id: string }[];
    };
    assert.ok(policies.policies.some((p) => p.id === 'northwind-nw-100'));
    const vocab = run(['policies', '--vocabularies']).stdout;
    assert.match(vocab, /sponsor-documents \(plan sponsor's documents\)/);
    assert.match(vocab, /low-back-pain-with-sciatica/);
  });

  describe('over HTTP', () => {
    let app: FastifyInstance;
    let store: AuditStore;
    before(async () => {
      store = await openStore({ dataDir: 'memory://' });
      app = await testServer(ctx, store);
    });
    after(async () => {
      await app?.close();
      await store?.close();
    });
    it('compares every payer, the new one included, and serves its source text', async () => {
      const res = await postJson(app, '/v1/compare', crps);
      assert.equal(res.statusCode, 200, res.body);
      const ds = res.json() as { payer: string }[];
      assert.deepEqual(
        ds.map((d) => d.payer),
        ctx.policySet.payers,
      );
      const source = await app.inject({
        method: 'GET',
        url: '/v1/policies/northwind-nw-100/source',
      });
      assert.equal(source.statusCode, 200);
      assert.match(source.body, /Northwind Health Plan/);
    });
    it('publishes the payer-defined basis in the OpenAPI document and decides with it', async () => {
      const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).body;
      assert.match(doc, /"sponsor-documents"/);
      const res = await postJson(app, '/v1/determinations', {
        ...crps,
        payer: 'northwind',
        lineOfBusiness: 'aso',
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().basis, 'sponsor-documents');
      assert.ok(
        (res.json().reasons as { text: string }[]).some((r) =>
          r.text.includes("The self-insured plan sponsor's documents govern."),
        ),
      );
    });
  });

  it('the corpus-driven test files pass there too (none hard-codes the seed payers)', () => {
    const files = [
      'dist/src/policies/compile-policy-set.test.js',
      'dist/src/policies/scenario-cases.test.js',
      'dist/src/model/determination-schema.test.js',
      'dist/src/terminology/terminology.test.js',
      'dist/src/adapters/cdshooks/coverage-map.test.js',
      'dist/src/adapters/http/server.int.test.js',
      'dist/test/drug-names-http.test.js',
      'dist/test/cli.test.js',
    ];
    const r = spawnSync(process.execPath, ['--test', '--test-reporter=tap', ...files], {
      cwd: root,
      env,
      encoding: 'utf8',
      timeout: 300_000,
    });
    // On failure, the failing tests and their errors, not the whole TAP stream.
    const failed = r.stdout
      .split('\n')
      .filter((l) => /not ok|error:|expected|actual|Error/.test(l))
      .slice(0, 80)
      .join('\n');
    assert.equal(r.status, 0, `${failed}\n${r.stderr.slice(-2000)}`);
    // The run really ran them: node's summary counts the tests and no failure.
    const pass = /^# pass (\d+)$/m.exec(r.stdout);
    assert.ok(pass && Number(pass[1]) > 200, r.stdout.slice(-2000));
    assert.match(r.stdout, /^# fail 0$/m);
    // And on the copy, not the shipped corpus: the new payer's cases ran among them.
    assert.match(r.stdout, /ok \d+ - northwind-nw-100: IV ketamine for CRPS is investigational/);
  });
});
