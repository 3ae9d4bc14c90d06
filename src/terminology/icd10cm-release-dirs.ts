import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readOrderFile, type IcdRelease } from './cms-order-file.js';

/**
 * The CMS releases in a data directory laid out as ../shared/data is: one folder per release,
 * `icd10cm-fy<YEAR>` for the October release and `icd10cm-fy<YEAR>-april` for an April update,
 * each holding one order file (and addenda, which are not needed: the order files say it all).
 * The folder, not the file, says which is the April update: CMS named the April 2022 file
 * exactly like the October one.
 */
export function releaseDirs(
  dataDir: string,
): { dir: string; file: string; fiscalYear: number; april: boolean }[] {
  const out = [];
  for (const dir of readdirSync(dataDir).sort()) {
    const m = /^icd10cm-fy(\d{4})(-april)?$/.exec(dir);
    if (!m) continue;
    const orderFiles = readdirSync(join(dataDir, dir)).filter(
      (f) => /order/i.test(f) && !/addenda/i.test(f),
    );
    if (orderFiles.length !== 1)
      throw new Error(`${join(dataDir, dir)}: expected one order file, found ${orderFiles.length}`);
    out.push({
      dir,
      file: join(dataDir, dir, orderFiles[0]!),
      fiscalYear: Number(m[1]),
      april: m[2] !== undefined,
    });
  }
  return out;
}

export function readReleaseDirs(dataDir: string): { releases: IcdRelease[]; sources: string[] } {
  const dirs = releaseDirs(dataDir);
  if (dirs.length === 0) throw new Error(`${dataDir}: no icd10cm-fy<YEAR> release folders`);
  return {
    releases: dirs.map((d) => readOrderFile(d.file, d.fiscalYear, d.april)),
    sources: dirs.map((d) => `${d.dir}/${d.file.slice(d.file.lastIndexOf('/') + 1)}`),
  };
}
