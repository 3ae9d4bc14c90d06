import { parseArgs } from 'node:util';
import type { DecisionContext } from '../../service/load-context.js';
import { readIndicationValueSets } from '../../terminology/load-terminology.js';
import { describeTerminology } from '../../terminology/terminology.js';
import {
  LINES_OF_BUSINESS,
  PLAN_TYPES,
  ROUTES,
  SETTINGS,
  VERDICTS,
} from '../../model/vocabulary.js';
import { parseFormat } from './check.js';
import { EXIT } from './exit-codes.js';
import { table } from './render-table.js';

export const POLICIES_USAGE = `Usage: medpolicy policies [--format table|json] [--vocabularies]
       medpolicy policies publish [--policies DIR | --revision REVISION]   (see publish --help)

Lists the loaded policies with their payers and versions, the policy-set revision and the code
sets in use. Set MEDPOLICY_ICD10CM to newer CMS ICD-10-CM order files to extend the shipped history;
MEDPOLICY_POLICIES to read another policies directory.

Options:
  --format FORMAT  table (default) or json
  --vocabularies   print instead the closed vocabularies a policy file may use: lines of
                   business, plan types, settings, routes, verdicts, bases (with their words),
                   indication families (those without codes are reachable only by name), drugs
                   and drug classes
  -h, --help       show this help`;

/** The closed vocabularies of a policy file, as the policies in use define them. */
export function vocabularies(ctx: DecisionContext): Record<string, unknown> {
  const { terminology } = ctx;
  const file = readIndicationValueSets(ctx.policiesDir);
  return {
    lineOfBusiness: LINES_OF_BUSINESS,
    planType: PLAN_TYPES,
    setting: SETTINGS,
    route: ROUTES,
    verdict: VERDICTS,
    basis: terminology.bases.list.map((b) => ({ id: b.id, label: b.label })),
    indication: file.families.map((f) => ({
      id: f.id,
      label: f.label,
      ...(f.parent ? { parent: f.parent } : {}),
      byNameOnly: (f.codes?.length ?? 0) === 0,
    })),
    drug: [...terminology.drugs.drugs.keys()],
    drugClass: [...terminology.drugs.classes].sort(),
  };
}

export async function listPolicies(
  argv: string[],
  ctx: () => Promise<DecisionContext> | DecisionContext,
  out: (s: string) => void,
): Promise<number> {
  if (argv[0] === 'publish')
    return (await import('./policies-publish.js')).publishPolicies(argv.slice(1), out);
  const { values } = parseArgs({
    args: argv,
    options: {
      format: { type: 'string', default: 'table' },
      vocabularies: { type: 'boolean' },
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
  if (values.vocabularies) {
    const v = vocabularies(await ctx());
    if (format === 'json') {
      out(JSON.stringify(v, null, 2));
      return EXIT.decided;
    }
    for (const [name, list] of Object.entries(v)) {
      const items = (
        list as readonly (string | { id: string; label?: string; byNameOnly?: boolean })[]
      ).map((x) =>
        typeof x === 'string'
          ? x
          : `${x.id}${x.label ? ` (${x.label})` : ''}${x.byNameOnly ? ' [by name only]' : ''}`,
      );
      out(`${name}:\n  ${items.join('\n  ')}`);
    }
    return EXIT.decided;
  }
  const { policySet, terminology } = await ctx();
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
