// Builds terminology/icd10cm/icd10cm-subset.tsv, the ICD-10-CM codes medpolicy ships, from a CMS
// order file. Usage: node dist/scripts/build-icd10cm-subset.js <order-file[.gz]> [out.tsv]
// The subset is every code in the categories the indication value sets and their usual
// companions need; anything else is "not in the shipped subset" until an operator loads the
// complete release (MEDPOLICY_ICD10CM).
import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { readOrderFile } from '../src/terminology/cms-order-file.js';

export const SHIPPED_CATEGORIES = {
  chapters: ['F', 'G'],
  categories: [
    'B02',
    'E08',
    'E09',
    'E10',
    'E11',
    'E13',
    'I47',
    'I48',
    'I49',
    'M54',
    'M79',
    'R45',
    'R51',
    'R52',
  ],
};

const [input, output = 'terminology/icd10cm/icd10cm-subset.tsv'] = process.argv.slice(2);
if (!input) {
  console.error('usage: build-icd10cm-subset <icd10cm-order-file[.gz]> [out.tsv]');
  process.exit(2);
}
const release = readOrderFile(input);
const keep = release.entries.filter(
  (e) =>
    SHIPPED_CATEGORIES.chapters.includes(e.code.charAt(0)) ||
    SHIPPED_CATEGORIES.categories.includes(e.code.slice(0, 3)),
);
const header = [
  `# ICD-10-CM subset shipped with medpolicy. Public domain (CMS / CDC NCHS).`,
  `# source: ${basename(input)} (CMS ICD-10-CM ${release.label} order file, effective ${release.effectiveFrom})`,
  `# chapters: ${SHIPPED_CATEGORIES.chapters.join(' ')}; categories: ${SHIPPED_CATEGORIES.categories.join(' ')}`,
  `# columns: code (no dot), billable (1) or header (0), CMS short description`,
];
writeFileSync(
  output,
  header.concat(keep.map((e) => `${e.code}\t${e.billable ? 1 : 0}\t${e.short}`)).join('\n') + '\n',
);
console.log(`${keep.length} codes from ${release.entries.length} written to ${output}`);
