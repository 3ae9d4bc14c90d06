import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as nodeModule from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import { CHECK_STAMPS } from '../src/adapters/cli/check-bundle.cjs';
import type { CheckBundleStamps } from '../src/adapters/cli/check-prebuilt.js';
import { packageRoot } from '../src/package-root.js';

// Which modules a command loads: a module hook records every module imported, and at exit the
// process adds every CommonJS module required. `check` is the command people run one at a time
// from scripts, so what it loads is most of what it costs.

const dir = mkdtempSync(join(tmpdir(), 'medpolicy-modules-'));
const HOOKS = `
import { appendFileSync } from 'node:fs';
let out;
export function initialize(data) { out = data.out; }
export async function load(url, context, next) { appendFileSync(out, url + '\\n'); return next(url, context); }
`;
const PRELOAD = `
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
const out = process.env.MODULES_OUT;
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HOOKS)}), { data: { out } });
const require = createRequire(import.meta.url);
process.on('exit', () => appendFileSync(out, Object.keys(require.cache).join('\\n') + '\\n'));
`;
const preload = join(dir, 'list-modules.mjs');
writeFileSync(preload, PRELOAD);
after(() => rmSync(dir, { recursive: true, force: true }));

/** Every module the command loads: through bin/medpolicy.js, or through main() itself. */
function modulesLoadedBy(args: string[], input: string, via: 'bin' | 'main' = 'bin'): string[] {
  const out = join(dir, `modules-${args[0]}-${via}.txt`);
  const main = pathToFileURL(join(packageRoot(), 'dist/src/adapters/cli/main.js')).href;
  const entry =
    via === 'bin'
      ? [join(packageRoot(), 'bin/medpolicy.js'), ...args]
      : [
          '--input-type=module',
          '-e',
          `process.exitCode = await (await import(${JSON.stringify(main)})).main(${JSON.stringify(args)});`,
        ];
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(preload).href, ...entry], {
    input,
    encoding: 'utf8',
    env: { ...process.env, MODULES_OUT: out },
  });
  assert.equal(r.status, 0, r.stderr);
  return readFileSync(out, 'utf8').split('\n').filter(Boolean);
}

const request = JSON.stringify({
  payer: 'bcbsal',
  dateOfService: '2025-09-15',
  drug: 'ketamine',
  route: 'intravenous',
  diagnosisCodes: ['G90.521'],
});

// Module hooks (module.register) came in Node 20.6; the package runs on any Node 20.
const hooks =
  'register' in nodeModule ? {} : { skip: 'needs module.register (Node 20.6 or later)' };

describe(
  'what medpolicy check loads, from dist/src (when its bundle does not apply)',
  hooks,
  () => {
    const loaded = 'register' in nodeModule ? modulesLoadedBy(['check'], request, 'main') : [];
    const any = (re: RegExp) => loaded.filter((m) => re.test(m.replaceAll('\\', '/')));

    it('is seen by the hook at all', () => {
      assert.equal(any(/\/dist\/src\/adapters\/cli\/check\.js$/).length, 1);
    });

    it('loads no HTTP server, database driver, X12 parser or web UI', () => {
      assert.deepEqual(
        any(
          /\/node_modules\/(fastify|@fastify\/|@electric-sql\/pglite|pg|pg-[a-z-]+|node-x12|helmet|jose)\//,
        ),
        [],
      );
      assert.deepEqual(any(/\/dist\/(src\/(store|web)|web)\//), []);
    });

    it('starts from the prebuilt context: no policy compiler, YAML parser or file schemas', () => {
      assert.deepEqual(
        any(
          /\/dist\/src\/(policies\/|prebuilt-yaml\.js|model\/(policy|file-validators)\.js|terminology\/load-terminology\.js)/,
        ),
        [],
        'the policy set was compiled at start-up: is dist/context/ built (npm run build)?',
      );
      assert.deepEqual(any(/\/node_modules\/yaml\//), []);
    });

    it('validates a valid request without TypeBox or Ajv (plain checks and JSON Schema literals)', () => {
      // TypeBox is ~200 ES modules: loading it was most of what check cost after the context.
      assert.deepEqual(any(/\/node_modules\/(@sinclair\/typebox|ajv)\//), []);
    });
  },
);

describe('what medpolicy check loads from bin/medpolicy.js: its bundle', hooks, () => {
  const loaded = 'register' in nodeModule ? modulesLoadedBy(['check'], request) : [];
  const norm = loaded.map((m) => m.replaceAll('\\', '/'));
  const stamps = JSON.parse(readFileSync(CHECK_STAMPS, 'utf8')) as CheckBundleStamps;

  it("loads no ES module and no compiled module but the bundle's loader", () => {
    assert.deepEqual(
      norm.filter((m) => /\/dist\/|\/node_modules\//.test(m)),
      [norm.find((m) => m.endsWith('/dist/src/adapters/cli/check-bundle.cjs'))!],
    );
  });

  it('the bundle holds check and the prebuilt context, no policy compiler, YAML, schemas or server', () => {
    const inputs = stamps.inputs.map((s) => s.path);
    assert.ok(inputs.includes('adapters/cli/check.js'));
    assert.ok(inputs.includes('service/prebuilt-context.js'));
    assert.deepEqual(
      inputs.filter((p) =>
        /^(policies\/|prebuilt-yaml\.js|model\/(policy|file-validators)\.js|terminology\/load-terminology\.js|service\/(load|open)-context\.js|store\/|web\/|adapters\/(http|batch|cli\/(main|serve)\.js))/.test(
          p,
        ),
      ),
      [],
    );
  });
});
