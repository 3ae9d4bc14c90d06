// Writes the shipped ICD-10-CM history (terminology/icd10cm/history.tsv and descriptions.tsv.gz)
// from the CMS release files, laid out one folder per release as ../shared/data is.
// Usage: npm run build && node dist/scripts/build-icd10cm-history.js [data-dir] [out-dir]
// The raw release files stay where they are: only the derived build is committed.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { packageRoot } from '../src/package-root.js';
import {
  DESCRIPTIONS_FILE,
  formatDescriptionsTsv,
  formatHistoryTsv,
  HISTORY_FILE,
} from '../src/terminology/icd10cm-history-file.js';
import { historyFromReleases } from '../src/terminology/icd10cm-history.js';
import { readReleaseDirs } from '../src/terminology/icd10cm-release-dirs.js';

const root = packageRoot();
const [dataDir = join(root, '../shared/data'), outDir = root] = process.argv.slice(2);
const { releases, sources } = readReleaseDirs(dataDir);
const history = historyFromReleases(releases);
const historyText = formatHistoryTsv(history, sources);
// mtime 0 in the gzip header: the same releases give the same bytes.
const descriptions = gzipSync(formatDescriptionsTsv(history), { level: 9 });
writeFileSync(join(outDir, HISTORY_FILE), historyText);
writeFileSync(join(outDir, DESCRIPTIONS_FILE), descriptions);
console.log(
  `${history.rows.length} codes from ${history.releases.map((r) => r.label).join(', ')}: ` +
    `${HISTORY_FILE} ${historyText.length} bytes, ${DESCRIPTIONS_FILE} ${descriptions.length} bytes`,
);
