// Part of `npm run build`, after prebuild-context: bundles `medpolicy check` into one CommonJS
// file, stamps the compiled files it was made from, and runs it once on an example request to
// write V8's code cache of the functions that run (see src/adapters/cli/check-prebuilt.ts and
// check-bundle.cts). Vite (Rolldown) does the bundling, as it does for the web UI.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Rollup } from 'vite';
import {
  bundleStamp,
  CHECK_BUNDLE,
  CHECK_BUNDLE_DIR,
  CHECK_CODE_CACHE,
  CHECK_STAMPS,
  loadCheckBundle,
} from '../src/adapters/cli/check-bundle.cjs';
import { CHECK_BUNDLE_FORMAT, type CheckBundleStamps } from '../src/adapters/cli/check-prebuilt.js';
import { listFiles, stampFile } from '../src/service/file-stamps.js';
import { packageRoot } from '../src/package-root.js';

const codeRoot = join(CHECK_BUNDLE_DIR, '..');
const entry = fileURLToPath(new URL('../src/adapters/cli/check-prebuilt.js', import.meta.url));

rmSync(CHECK_BUNDLE_DIR, { recursive: true, force: true });
// Stamped before bundling, as the context's inputs are before compiling.
const before = new Map(
  listFiles(codeRoot)
    .filter((p) => p.endsWith('.js'))
    .map((p) => [p, stampFile(codeRoot, p)]),
);

const result = (await build({
  configFile: false,
  logLevel: 'warn',
  build: {
    ssr: entry,
    write: false,
    minify: false,
    sourcemap: false,
    target: 'node20',
    rolldownOptions: { output: { format: 'cjs', codeSplitting: false } },
  },
})) as Rollup.RollupOutput | Rollup.RollupOutput[];
const chunks = (Array.isArray(result) ? result : [result]).flatMap((r) =>
  r.output.filter((o): o is Rollup.OutputChunk => o.type === 'chunk'),
);
if (chunks.length !== 1) throw new Error(`expected one bundle, got ${chunks.length} chunks`);
const chunk = chunks[0]!;
// The bundle runs as a classic script, where import() would need a loader of its own.
if (/\bimport\s*\(/.test(chunk.code)) throw new Error('the check bundle has a dynamic import()');

const inputs = chunk.moduleIds.map((id) => {
  const path = relative(codeRoot, id).split(sep).join('/');
  const stamp = before.get(path);
  if (!stamp) throw new Error(`the check bundle includes ${id}, outside ${codeRoot}`);
  return stamp;
});
mkdirSync(CHECK_BUNDLE_DIR, { recursive: true });
writeFileSync(CHECK_BUNDLE, chunk.code);
writeFileSync(
  CHECK_STAMPS,
  JSON.stringify({ format: CHECK_BUNDLE_FORMAT, inputs } satisfies CheckBundleStamps),
);

// The cache holds what a run compiled, so it is taken after one.
const bundle = loadCheckBundle(CHECK_BUNDLE, '');
if (!bundle) throw new Error(`${CHECK_BUNDLE} was not written`);
const example = join(packageRoot(), 'examples', 'bcbsma-crps.json');
const ran = await bundle.checkPrebuilt(
  ['--request', example],
  () => {},
  () => {},
  CHECK_STAMPS,
);
writeFileSync(
  CHECK_CODE_CACHE,
  Buffer.concat([Buffer.from(`${bundleStamp(CHECK_BUNDLE)}\n`), bundle.script.createCachedData()]),
);
console.log(
  `check bundle: ${inputs.length} modules, ${Math.round(chunk.code.length / 1024)} KiB` +
    (ran === undefined ? ' (no prebuilt context: the cache holds no run)' : ''),
);
