import { parseArgs } from 'node:util';
import { compareRequest, parseRequestText } from '../../service/decide-request.js';
import type { DecisionContext } from '../../service/load-context.js';
import { parseFormat } from './check.js';
import { EXIT, UsageError } from './exit-codes.js';
import { readRequestText, splitRequests } from './read-input.js';
import {
  outcomeCell,
  outOfScopeLegend,
  policyLabel,
  renderDetermination,
  table,
} from './render-table.js';

export const COMPARE_USAGE = `Usage: medpolicy compare [--request FILE] [--format json|table] [--explain]

Decides one CoverageRequest without "payer" for every known payer and writes the
Determinations as a JSON array (or a table with --format table), one per payer in payer order.

Options:
  --request FILE   read the request from FILE ("-" for standard input)
  --format FORMAT  json (default) or table
  --explain        include each payer's trace (with --format table: reasons and trace per payer)
  -h, --help       show this help

Exit status: 0 decided, 1 the request was rejected, 2 the command was misused.`;

export async function compare(
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
    out(COMPARE_USAGE);
    return EXIT.decided;
  }
  const format = parseFormat(values.format);
  const { mode, units } = splitRequests(await readRequestText(values.request));
  if (mode !== 'single')
    throw new UsageError('compare takes one request (a JSON object); use check for NDJSON batches');
  const parsed = parseRequestText(units[0]!.text);
  const result = parsed.ok
    ? compareRequest(parsed.value, await ctx(), { explain: values.explain })
    : parsed;
  if (!result.ok) {
    out(
      format === 'table'
        ? `error: ${result.error.error.title}: ${result.error.error.detail}${result.error.error.hint ? ` (${result.error.error.hint})` : ''}`
        : JSON.stringify(result.error, null, 2),
    );
    return EXIT.rejected;
  }
  if (format === 'json') {
    out(JSON.stringify(result.determinations, null, 2));
  } else if (values.explain) {
    out(result.determinations.map(renderDetermination).join('\n\n'));
  } else {
    const legend = outOfScopeLegend(result.determinations);
    out(
      table(
        ['payer', 'outcome', 'basis', 'prior auth', 'policy', 'indication', 'refer to'],
        result.determinations.map((d) => [
          d.payer,
          outcomeCell(d),
          d.basis ?? '-',
          d.priorAuth,
          policyLabel(d),
          d.indication ?? '-',
          d.referTo.join(', ') || '-',
        ]),
      ) + (legend.length > 0 ? `\n\n${legend.join('\n')}` : ''),
    );
  }
  return EXIT.decided;
}
