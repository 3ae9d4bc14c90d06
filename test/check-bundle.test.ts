import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  bundleStamp,
  CHECK_BUNDLE,
  CHECK_CODE_CACHE,
  CHECK_STAMPS,
  loadCheckBundle,
} from '../src/adapters/cli/check-bundle.cjs';
import type { CheckBundleStamps } from '../src/adapters/cli/check-prebuilt.js';
import { main } from '../src/adapters/cli/main.js';
import { stampFile } from '../src/service/file-stamps.js';
import { packageRoot } from '../src/package-root.js';

// bin/medpolicy.js runs `check` from a bundle of compiled modules made at build time. It must
// answer exactly as the modules do, and never once they have changed since it was made.

const requests = [
  {
    payer: 'bcbsal',
    dateOfService: '2025-09-15',
    drug: 'ketamine',
    route: 'intravenous',
    diagnosisCodes: ['G90.521'],
  },
  {
    payer: 'medica',
    dateOfService: '2025-09-15',
    drug: 'ketamine',
    route: 'intramuscular',
    diagnosisCodes: ['F33.2'],
  },
  { payer: 'bcbsma', dateOfService: '2025-09-15', drug: 'lidocaine', diagnosisCodes: ['G90.52'] },
  { payer: 'nobody', dateOfService: '2025-02-30' },
];
// A time that can be put back exactly (utimes takes milliseconds; stat gives nanoseconds).
const BUILT_AT = new Date('2025-06-01T12:00:00Z');
const stamps = JSON.parse(readFileSync(CHECK_STAMPS, 'utf8')) as CheckBundleStamps;

async function viaMain(argv: string[]): Promise<{ status: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const status = await main(
    ['check', ...argv],
    (s) => out.push(s),
    (s) => err.push(s),
  );
  return { status, out, err };
}

describe('the check bundle', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'medpolicy-check-bundle-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('answers as the modules do: JSON, NDJSON, table, rejections and misuse', async () => {
    const bundle = loadCheckBundle();
    assert.ok(bundle, 'no check bundle: run `npm run build`');
    const ndjson = join(dir, 'requests.ndjson');
    writeFileSync(ndjson, requests.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const single = join(dir, 'request.json');
    writeFileSync(single, JSON.stringify(requests[0]));
    for (const argv of [
      ['--request', single],
      ['--request', single, '--format', 'table', '--explain'],
      ['--request', ndjson],
      ['--request', ndjson, '--format', 'table'],
      ['--request', join(dir, 'absent.json')],
      ['--format', 'xml'],
      ['--bogus'],
      ['--help'],
    ]) {
      const out: string[] = [];
      const err: string[] = [];
      const ran = bundle.checkPrebuilt(
        argv,
        (s) => out.push(s),
        (s) => err.push(s),
        CHECK_STAMPS,
      );
      assert.ok(ran, 'the bundle did not apply to the package as built');
      assert.deepEqual({ status: await ran, out, err }, await viaMain(argv), argv.join(' '));
    }
  });

  it('V8 takes the code cache the build made, and no other bundle is offered it', () => {
    // In a child: a code cache is refused under V8 flags other than the build's.
    const r = spawnSync(
      process.execPath,
      [
        '-e',
        `const l = require(${JSON.stringify(join(dirname(CHECK_BUNDLE), '..', 'adapters/cli/check-bundle.cjs'))});` +
          'console.log(String(l.loadCheckBundle().cacheRejected))',
      ],
      { encoding: 'utf8' },
    );
    assert.equal(r.stdout.trim(), 'false', r.stderr);
    // Another text of the same length, as an edit of one character would make it: V8 would
    // take the cache for it, so it must not be offered.
    const text = readFileSync(CHECK_BUNDLE, 'utf8');
    const other = join(dir, 'other.cjs');
    writeFileSync(other, text.replace('medpolicy check', 'medpolicy chekk'));
    assert.equal(statSync(other).size, statSync(CHECK_BUNDLE).size);
    assert.equal(loadCheckBundle(other, CHECK_CODE_CACHE)?.cacheRejected, undefined);
    // Nor to the bundle itself once written to, even with its times put back.
    const copy = join(dir, 'copy.cjs');
    const cache = join(dir, 'copy.v8cache');
    writeFileSync(copy, text);
    utimesSync(copy, BUILT_AT, BUILT_AT);
    const data = readFileSync(CHECK_CODE_CACHE);
    writeFileSync(
      cache,
      Buffer.concat([Buffer.from(`${bundleStamp(copy)}\n`), data.subarray(data.indexOf(10) + 1)]),
    );
    assert.equal(loadCheckBundle(copy, cache)?.cacheRejected, false);
    writeFileSync(copy, text.replace('medpolicy check', 'medpolicy chekk'));
    utimesSync(copy, BUILT_AT, BUILT_AT);
    assert.equal(loadCheckBundle(copy, cache)?.cacheRejected, undefined);
  });

  describe('made from modules that then change', () => {
    let code: string;
    let copyStamps: string;
    let request: string;
    const edited = 'engine/decide.js';
    const run = () =>
      loadCheckBundle()!.checkPrebuilt(
        ['--request', request],
        () => {},
        () => {},
        copyStamps,
        code,
      );

    before(() => {
      // A copy of the bundle's input modules, stamped where they are.
      code = join(dir, 'src');
      const root = join(packageRoot(), 'dist', 'src');
      for (const s of stamps.inputs) {
        mkdirSync(dirname(join(code, s.path)), { recursive: true });
        copyFileSync(join(root, s.path), join(code, s.path));
      }
      utimesSync(join(code, edited), BUILT_AT, BUILT_AT);
      copyStamps = join(dir, 'stamps.json');
      writeFileSync(
        copyStamps,
        JSON.stringify({ ...stamps, inputs: stamps.inputs.map((s) => stampFile(code, s.path)) }),
      );
      request = join(dir, 'r.json');
      writeFileSync(request, JSON.stringify(requests[0]));
    });

    it('is used while they are as stamped', () => {
      assert.ok(stamps.inputs.some((s) => s.path === edited));
      assert.ok(run());
    });

    it('is not used once one is edited, even to the same size with its times put back', () => {
      const file = join(code, edited);
      const size = statSync(file).size;
      const text = readFileSync(file, 'utf8');
      assert.ok(text.includes('policySet.byPayer'));
      writeFileSync(file, text.replace('policySet.byPayer', 'policySet.byPayor'));
      utimesSync(file, BUILT_AT, BUILT_AT);
      assert.equal(statSync(file).size, size);
      assert.equal(statSync(file).mtimeMs, BUILT_AT.getTime());
      assert.equal(run(), undefined);
      writeFileSync(file, text);
      assert.ok(run(), 'the original text again: the bundle holds');
    });

    it('is not used once one is gone', () => {
      const file = join(code, edited);
      const text = readFileSync(file);
      rmSync(file);
      try {
        assert.equal(run(), undefined);
      } finally {
        writeFileSync(file, text);
      }
    });
  });
});
