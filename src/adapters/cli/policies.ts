import { parseArgs } from 'node:util';
import type { DecisionContext } from '../../service/load-context.js';
import { describeTerminology } from '../../terminology/terminology.js';
import { parseFormat } from './check.js';
import { EXIT } from './exit-codes.js';
import { table } from './render-table.js';

export const POLICIES_USAGE = `Usage: medpolicy policies [--format table|json]

Lists the loaded policies with their payers and versions, the policy-set revision and the code
sets in use. Set MEDPOLICY_ICD10CM to newer CMS ICD-10-CM order files to extend the shipped history.

Options:
  --format FORMAT  table (default) or json
  -h, --help       show this help`;

export function listPolicies(
  argv: string[],
  ctx: () => DecisionContext,
  out: (s: string) => void,
): number {
  const { values } = parseArgs({
    args: argv,
    options: {
      format: { type: 'string', default: 'table' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    out(POLICIES_USAGE);
    return EXIT.decided;
  }
  const format = parseFormat(values.format);
  const { policySet, terminology } = ctx();
  const policies = policySet.policies.map((p) => ({
    id: p.id,
    number: p.number,
    title: p.title,
    payers: p.payers,
    source: p.sourcePath,
    versions: p.versions.map((v) => ({
      id: v.id,
      effectiveFrom: v.effectiveFrom,
      effectiveTo: v.effectiveTo,
      textAvailable: v.textAvailable,
    })),
  }));
  if (format === 'json') {
    out(
      JSON.stringify(
        {
          revision: policySet.revision,
          payers: policySet.payers,
          codeSets: describeTerminology(terminology),
          policies,
        },
        null,
        2,
      ),
    );
    return EXIT.decided;
  }
  out(
    table(
      ['policy', 'number', 'payers', 'versions', 'current since', 'title'],
      policies.map((p) => [
        p.id,
        p.number ?? '-',
        p.payers.join(','),
        String(p.versions.length),
        p.versions[p.versions.length - 1]!.effectiveFrom,
        p.title,
      ]),
    ),
  );
  out(`\nrevision ${policySet.revision}`);
  for (const [system, version] of Object.entries(describeTerminology(terminology)))
    out(`${system}: ${version}`);
  return EXIT.decided;
}
