// Part of `npm run build`: a fresh embedded database, dumped once, from which new data
// directories are made (see src/store/pglite-template.ts). Kept across builds for the same
// PGlite version: it takes initdb's seconds only the first time.
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { pgliteTemplatePath } from '../src/store/pglite-template.js';

const path = pgliteTemplatePath();
if (existsSync(path)) {
  console.log(`embedded database template: ${path} (kept)`);
} else {
  const { PGlite } = await import('@electric-sql/pglite');
  const db = new PGlite();
  await db.waitReady;
  const tarball = Buffer.from(await (await db.dumpDataDir('gzip')).arrayBuffer());
  await db.close();
  mkdirSync(dirname(path), { recursive: true });
  // Renamed into place whole: a build stopped half way leaves no half tarball to load.
  writeFileSync(`${path}.partial`, tarball);
  renameSync(`${path}.partial`, path);
  console.log(`embedded database template: ${path} (${Math.round(tarball.length / 1024)} KiB)`);
}
