/**
 * Creates a new embedded database, run as its own short-lived process by pglite-create.ts.
 * PGlite's initdb runs a second PostgreSQL beside the first and snapshots its whole WASM heap:
 * 700–800 MiB at its peak, which a process keeps as its high-water mark for good. Here it is
 * all returned when this process exits. It builds in a staging directory and renames it into
 * place only when complete, so an interrupted creation never leaves a half-made database.
 */
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { embeddedStartParams } from './pglite-settings.js';
import { pgliteTemplate } from './pglite-template.js';

const [dataDir, staging] = process.argv.slice(2) as [string, string];
// The owner (the store's worker) is gone: whoever opens the directory next creates it again.
process.on('disconnect', () => process.exit(1));

try {
  const { PGlite } = await import('@electric-sql/pglite');
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(dirname(staging), { recursive: true });
  const template = pgliteTemplate();
  const db = new PGlite(staging, {
    startParams: embeddedStartParams(PGlite.defaultStartParams),
    ...(template ? { loadDataDir: template } : {}),
  });
  await db.waitReady;
  // Closing checkpoints, so the first open has no WAL to replay.
  await db.close();
  if (process.connected === false) process.exit(1);
  renameSync(staging, dataDir);
  // The owner says how the database was made (tests pin that the template is used).
  process.stdout.write(template ? 'template' : 'initdb');
  // The IPC channel would keep this process alive.
  process.exit(0);
} catch (e) {
  rmSync(staging, { recursive: true, force: true });
  process.stderr.write((e as Error).message);
  process.exit(1);
}
