import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Creates the embedded database when its directory holds none yet, in a child process (see
 * pglite-create-process.ts for why). A directory that holds other files is left to PGlite.
 */
export async function createDataDirIfNew(
  dataDir: string,
): Promise<'template' | 'initdb' | 'existing'> {
  if (existsSync(join(dataDir, 'PG_VERSION'))) return 'existing';
  if (existsSync(dataDir) && readdirSync(dataDir).length > 0) return 'existing';
  const staging = `${dataDir.replace(/\/+$/, '')}.creating`;
  const script = fileURLToPath(new URL('./pglite-create-process.js', import.meta.url));
  // The IPC channel ties the child to this thread: when it ends, the child stops.
  const child = spawn(process.execPath, [script, dataDir, staging], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let stdout = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (c) => resolve(c));
  });
  if (code !== 0) {
    throw new Error(`creating the embedded database in ${dataDir} failed: ${stderr || code}`);
  }
  return stdout === 'template' ? 'template' : 'initdb';
}
