import { parseArgs } from 'node:util';
import { decideRequest, parseRequestText } from '../../service/decide-request.js';
import type { DecisionContext } from '../../service/load-context.js';
import { EXIT, UsageError } from './exit-codes.js';
import { readRequestText, splitRequests } from './read-input.js';
import { renderDetermination } from './render-table.js';

export const CHECK_USAGE = `Usage: medpolicy check [--request FILE] [--format json|table] [--explain]

Decides one CoverageRequest (a JSON object) or many (NDJSON, one per line), read from FILE or
standard input, and writes one Determination per request, in order: a JSON object for one,
NDJSON for many. A request that fails validation yields its error object on its line and the
batch goes on.

Options:
  --request FILE   read requests from FILE ("-" for standard input)
  --format FORMAT  json (default) or table
  --explain        include the full trace: version, value-set matches, the rule that fired
  -h, --help       show this help

Exit status: 0 every request decided, 1 any request rejected, 2 the command was misused.`;

export async function check(
  argv: string[],
  ctx: () => Promise<DecisionContext> | DecisionContext,
  out: (s: string) => void,
): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      request: { type: 'string' },
      format: { type: 'string', default: 'json' },
      explain: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    out(CHECK_USAGE);
    return EXIT.decided;
  }
  const format = parseFormat(values.format);
  const { mode, units } = splitRequests(await readRequestText(values.request));
  const context = await ctx();
  let rejected = false;
  for (const unit of units) {
    const parsed = parseRequestText(unit.text);
    const result = parsed.ok
      ? decideRequest(parsed.value, context, { explain: values.explain })
      : parsed;
    if (!result.ok) {
      rejected = true;
      const error =
        unit.line === undefined
          ? result.error
          : { error: { ...result.error.error, line: unit.line } };
      out(
        format === 'table'
          ? `error${unit.line ? ` (line ${unit.line})` : ''}: ${error.error.title}: ${error.error.detail}${error.error.hint ? ` (${error.error.hint})` : ''}`
          : JSON.stringify(error, null, mode === 'single' ? 2 : undefined),
      );
      continue;
    }
    if (format === 'table')
      out(renderDetermination(result.determination) + (mode === 'ndjson' ? '\n' : ''));
    else out(JSON.stringify(result.determination, null, mode === 'single' ? 2 : undefined));
  }
  return rejected ? EXIT.rejected : EXIT.decided;
}

export function parseFormat(format: string | undefined): 'json' | 'table' {
  if (format === 'json' || format === 'table') return format;
  throw new UsageError(`--format must be json or table, not "${format}"`);
}
