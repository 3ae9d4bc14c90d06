import { EXIT } from './exit-codes.js';
import { runCommand, type Command } from './run-command.js';
import type { DecisionContext } from '../../service/load-context.js';
import { openContext } from '../../service/open-context.js';

export const USAGE = `Usage: medpolicy <command> [options]

Commands:
  check      decide coverage requests (JSON or NDJSON) for one payer each
  compare    decide one request for every payer, side by side
  policies   list the loaded policies, their versions and the code sets in use
  screen     screen claim lines (CSV, NDJSON, X12 837P) in bulk: rows, summary, report
  serve      run the HTTP service with its audit store (REST API, OpenAPI, web UI, docs)
  keys       create, list and revoke the service's API keys
  codes      codes diff: what a new ICD-10-CM release changes for the value sets, the policies
             and recorded requests, before it goes live

Run "medpolicy <command> --help" for a command's options.

Environment:
  MEDPOLICY_ICD10CM     comma-separated CMS ICD-10-CM order files (.txt or .txt.gz) that extend
                        the shipped history FY2021-FY2026 (e.g. icd10cm_order_2027.txt)
  MEDPOLICY_ICD10CM_ONLY  1: use only those files, not the shipped history
  MEDPOLICY_ICD10CM_FY  fiscal year of a single such file when its name does not say it
  MEDPOLICY_HCPCS       a CMS HCPCS Level II contractor file (HCPC<YYYY>_<MON>_ANWEB.txt) to load
                        instead of the shipped HCPCS codes
  MEDPOLICY_POLICIES    another policies directory (payer folders, sources/, valuesets/,
                        crd-coverage-map.yaml) instead of the shipped one, e.g. a copy with new
                        policies (policies/README.md)
  DATABASE_URL          serve/keys: record in this PostgreSQL database instead of the embedded one
  MEDPOLICY_DATA_DIR    serve/keys: the embedded database's directory (default .medpolicy/data)`;

// Each command is imported only when it runs: `screen` and `check` start without loading the
// HTTP server and database drivers that `serve` needs.
const COMMANDS: Record<string, () => Promise<Command>> = {
  check: () => import('./check.js').then((m) => ({ usage: m.CHECK_USAGE, run: m.check })),
  compare: () => import('./compare.js').then((m) => ({ usage: m.COMPARE_USAGE, run: m.compare })),
  policies: () =>
    import('./policies.js').then((m) => ({ usage: m.POLICIES_USAGE, run: m.listPolicies })),
  screen: () => import('./screen.js').then((m) => ({ usage: m.SCREEN_USAGE, run: m.screen })),
  serve: () => import('./serve.js').then((m) => ({ usage: m.SERVE_USAGE, run: m.serve })),
  keys: () => import('./keys.js').then((m) => ({ usage: m.KEYS_USAGE, run: m.keys })),
  codes: () => import('./codes.js').then((m) => ({ usage: m.CODES_USAGE, run: m.codes })),
};

/** Runs one command; returns the exit status. Never prints request contents to stderr. */
export async function main(
  argv: string[],
  out: (s: string) => void = (s) => process.stdout.write(s + '\n'),
  err: (s: string) => void = (s) => process.stderr.write(s + '\n'),
): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    (command === undefined ? err : out)(USAGE);
    return command === undefined ? EXIT.misuse : EXIT.decided;
  }
  const load = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!load) {
    err(`medpolicy: unknown command "${command}"\n\n${USAGE}`);
    return EXIT.misuse;
  }
  const cmd = await load();
  let context: Promise<DecisionContext> | undefined;
  return runCommand(command, cmd, rest, () => (context ??= openContext()), out, err);
}
