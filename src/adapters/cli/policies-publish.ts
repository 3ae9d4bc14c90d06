import { rmSync } from 'node:fs';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { policiesDir } from '../../package-root.js';
import { checkCorpus } from '../../service/policy-corpus-check.js';
import { readCorpusFiles, writeCorpusFiles } from '../../service/policy-corpus.js';
import { openStore, redactUrl } from '../../store/open-store.js';
import { PolicyRevisionStore } from '../../store/policy-revisions.js';
import { terminologyOptionsFromEnv } from '../../terminology/terminology-options.js';
import { loadCoverageMap } from '../cdshooks/index.js';
import { EXIT, UsageError } from './exit-codes.js';

export const PUBLISH_USAGE = `Usage: medpolicy policies publish [--policies DIR] [--by NAME]
       medpolicy policies publish --revision REVISION [--by NAME]
       medpolicy policies publish --history

Publishes a policy-set revision to the PostgreSQL database at DATABASE_URL. Every
\`medpolicy serve\` on that database switches to it within seconds, without a restart, and
reports it at /healthz. The corpus (DIR, else MEDPOLICY_POLICIES, else the package's policies/)
must compile with this installation's code sets and answer every one of its own scenario cases
(*.cases.yaml) as they expect; otherwise nothing is stored, the problems are printed and the exit
status is 1.

Options:
  --policies DIR       the policies directory to publish
  --revision REVISION  publish again a revision published before: a rollback
  --by NAME            who publishes, recorded with the publication (default: the OS user)
  --history            list the publications, newest first
  -h, --help           show this help

Publishing is for instances sharing PostgreSQL; the embedded database belongs to one serve
process, which serves its policy files.`;

const MAX_PROBLEMS_SHOWN = 20;

export async function publishPolicies(argv: string[], out: (s: string) => void): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      policies: { type: 'string' },
      revision: { type: 'string' },
      by: { type: 'string' },
      history: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    out(PUBLISH_USAGE);
    return EXIT.decided;
  }
  const databaseUrl = process.env['DATABASE_URL'];
  if (!databaseUrl)
    throw new UsageError(
      'publishing needs DATABASE_URL: revisions are published to the PostgreSQL database a fleet of `medpolicy serve` shares (with the embedded database, serve reads its policy files)',
    );
  if (values.revision !== undefined && values.policies !== undefined)
    throw new UsageError('--revision publishes a stored revision; it takes no --policies');
  const by = values.by ?? userInfo().username;

  if (values.history) return withRevisions(databaseUrl, (r) => history(r, out));
  if (values.revision !== undefined) {
    const revision = values.revision;
    return withRevisions(databaseUrl, async (revisions) => {
      if (!(await revisions.has(revision))) {
        out(`refused: revision ${revision} was never published (see --history)`);
        return EXIT.rejected;
      }
      await revisions.publish(revision, undefined, by);
      out(`published revision ${revision} again (${redactUrl(databaseUrl)})`);
      return EXIT.decided;
    });
  }

  const dir = values.policies ?? process.env['MEDPOLICY_POLICIES'] ?? policiesDir();
  // What is checked is exactly what is stored: a copy of the files as read once.
  const files = readCorpusFiles(dir);
  const copy = writeCorpusFiles(files, 'publish');
  try {
    const checked = checkCorpus(copy, terminologyOptionsFromEnv(process.env));
    const problems = checked.ok ? coverageMapProblems(copy) : checked.problems;
    if (!checked.ok || problems.length > 0) {
      out(`refused: ${dir} is not published (${problems.length} problem(s)); nothing was stored`);
      for (const p of problems.slice(0, MAX_PROBLEMS_SHOWN)) out(`  ${p}`);
      if (problems.length > MAX_PROBLEMS_SHOWN)
        out(`  … and ${problems.length - MAX_PROBLEMS_SHOWN} more`);
      return EXIT.rejected;
    }
    const revision = checked.context.policySet.revision;
    return await withRevisions(databaseUrl, async (revisions) => {
      if ((await revisions.current())?.revision === revision) {
        out(`revision ${revision} is already the published one; nothing changed`);
        return EXIT.decided;
      }
      await revisions.publish(revision, files, by);
      out(
        `published revision ${revision}: ${checked.context.policySet.policies.length} policies, ${checked.cases} scenario cases passed (${redactUrl(databaseUrl)})`,
      );
      return EXIT.decided;
    });
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

function coverageMapProblems(dir: string): string[] {
  try {
    loadCoverageMap(dir);
    return [];
  } catch (e) {
    return [`crd-coverage-map.yaml: ${(e as Error).message}`];
  }
}

async function history(revisions: PolicyRevisionStore, out: (s: string) => void) {
  const list = await revisions.history();
  if (list.length === 0) out('no revision has been published: instances serve their policy files');
  for (const [i, p] of list.entries())
    out(`${p.publishedAt}  ${p.revision}  ${p.publishedBy ?? '-'}${i === 0 ? '  (current)' : ''}`);
  return EXIT.decided;
}

async function withRevisions(
  databaseUrl: string,
  fn: (revisions: PolicyRevisionStore) => Promise<number>,
): Promise<number> {
  const store = await openStore({ databaseUrl });
  try {
    return await fn(new PolicyRevisionStore(store.db));
  } finally {
    await store.close();
  }
}
