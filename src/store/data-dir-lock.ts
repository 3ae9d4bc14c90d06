import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** The embedded database is held by another live process (a running service, usually). */
export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: number,
  ) {
    super(
      `the embedded database ${dataDir} is in use by process ${holder}; stop it, or set DATABASE_URL to share a PostgreSQL database`,
    );
    this.name = 'DataDirInUseError';
  }
}

/**
 * PGlite is one process's database: two processes on one data directory would corrupt it. The
 * lock file names the holder so the second one fails with a clear message instead.
 */
export function lockDataDir(dataDir: string): () => void {
  const lock = `${dataDir.replace(/\/+$/, '')}.lock`;
  mkdirSync(dirname(lock), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lock, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(lock, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = Number(readFileSync(lock, 'utf8'));
      if (holder && holder !== process.pid && alive(holder)) {
        throw new DataDirInUseError(dataDir, holder);
      }
      // A lock left by a process that is gone.
      rmSync(lock, { force: true });
    }
  }
  throw new Error(`could not lock ${dataDir}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
