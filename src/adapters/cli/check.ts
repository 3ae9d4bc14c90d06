import { parseArgs } from 'node:util';
import { decideRequest, parseRequestText } from '../../service/decide-request.js';
import type { DecisionContext } from '../../service/load-context.js';
import { describeConflict, mergeFacts } from '../../questions/answers.js';
import { readAnswersFile } from './answers-file.js';
import { EXIT, UsageError } from './exit-codes.js';
import { readRequestText, splitRequests } from './read-input.js';
import { renderDetermination } from './render-table.js';

export const CHECK_USAGE = `Usage: medpolicy check [--request FILE] [--answers FILE] [--format json|table] [--explain]

Decides one CoverageRequest (a JSON object) or many (NDJSON, one per line), read from FILE or
standard input, and writes one Determination per request, in order: a JSON object for one,
NDJSON for many. A request that fails validation yields its error object on its line and the
batch goes on.

Options:
  --request FILE   read requests from FILE ("-" for standard input)
  --answers FILE   answers to the questions a conditional answer asks, added to every request's
                   "facts": JSON {"<fact>": true|false}, or a FHIR QuestionnaireResponse whose
                   items (linkId = fact id) are answered with a valueCoding Y, N or ASKU (ASKU:
                   not known, the question stays open). A fact the request gives otherwise is a
                   conflict (exit 2)
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
      answers: { type: 'string' },
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
  if (values.answers === '-' && values.request === undefined)
    throw new UsageError('--answers - reads standard input: give the requests with --request FILE');
  const { mode, units } = splitRequests(await readRequestText(values.request));
  const context = await ctx();
  const answers =
    values.answers === undefined
      ? undefined
      : withAnswers(
          values.answers,
          readAnswersFile(values.answers, context.terminology.facts),
          context,
        );
  let rejected = false;
  // Every request is checked against the answers before any is decided: a conflict decides nothing.
  const parsedUnits = units.map((unit) => {
    const parsed = parseRequestText(unit.text);
    return { unit, parsed: parsed.ok && answers ? answers(parsed.value, unit.line) : parsed };
  });
  for (const { unit, parsed } of parsedUnits) {
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

/**
 * A function adding the answers to a request's facts; a fact the request gives with another
 * value, in `facts` or as the request field the fact spells, is a usage error (exit 2).
 */
function withAnswers(
  file: string,
  answers: Record<string, boolean>,
  context: DecisionContext,
): (request: unknown, line: number | undefined) => { ok: true; value: unknown } {
  return (request, line) => {
    // Not an object: the validator names what is wrong with it.
    if (typeof request !== 'object' || request === null || Array.isArray(request))
      return { ok: true, value: request };
    const r = request as Record<string, unknown>;
    const own: Record<string, boolean> = {};
    const given = r.facts;
    if (typeof given === 'object' && given !== null && !Array.isArray(given))
      for (const [k, v] of Object.entries(given)) if (typeof v === 'boolean') own[k] = v;
    for (const fact of Object.keys(answers)) {
      const field = context.terminology.facts.get(fact)?.requestField;
      const v = field === undefined ? undefined : r[field];
      if (typeof v === 'boolean' && own[fact] === undefined) own[fact] = v;
    }
    const where = line === undefined ? 'the request' : `the request on line ${line}`;
    const merged = mergeFacts([
      { name: where, facts: own },
      { name: file, facts: answers },
    ]);
    if (!merged.ok)
      throw new UsageError(
        `--answers conflicts with ${where}: ${merged.conflicts.map(describeConflict).join('; ')}`,
      );
    const facts =
      typeof given === 'object' && given !== null && !Array.isArray(given)
        ? { ...given, ...answers }
        : answers;
    return { ok: true, value: { ...r, facts } };
  };
}

export function parseFormat(format: string | undefined): 'json' | 'table' {
  if (format === 'json' || format === 'table') return format;
  throw new UsageError(`--format must be json or table, not "${format}"`);
}
