import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { isCalendarDate } from '../../model/calendar-date.js';
import type { DecisionContext } from '../../service/load-context.js';
import { normalizeNdc, parseRecord } from '../batch/csv-reader.js';
import { payerMapKey } from '../batch/payer-map.js';
import { runScreen, type InputFormat } from '../batch/pipeline.js';
import { renderReport } from '../batch/report-html.js';
import { summarize, type ScreenSummaryV1 } from '../batch/summary.js';
import { EXIT, UsageError } from './exit-codes.js';

export const SCREEN_USAGE = `Usage: medpolicy screen [INPUT] [options]

Screens claim lines and writes one determination row per line, in input order, streaming (flat
memory whatever the size). INPUT is a file, or "-" / nothing for standard input.

Input formats (--format, else by file extension, else by the first bytes):
  ndjson   one CoverageRequest per line; may carry "claimId" and "claimLine" beside its fields
  csv      a header line, then one claim line per record; columns (any order, case-insensitive):
           claim_id, line_number, payer, line_of_business, plan_type, date_of_service,
           place_of_service, procedure_code, modifiers, ndc, diagnosis_codes (pointer order,
           | separated), provider_participating (Y/N); optional: drug, route, setting,
           medicare_primary, home_plan, group_policy, indication, other_procedure_codes
  x12      X12 837P professional claims (005010X222A1), one row per service line (LX/SV1)

Options:
  --format FORMAT        ndjson | csv | x12
  --output FORMAT        ndjson (default) | csv: the row format
  --out FILE             write rows to FILE (default: standard output)
  --summary FILE         write the summary JSON to FILE (default: standard output when --out is
                         given, otherwise nowhere)
  --report FILE          write a self-contained HTML report with charts of the summary
  --as-of DATE           decide under the policy versions in force on DATE (YYYY-MM-DD); each
                         line keeps its own date of service for code validity
  --diff-versions A,B    decide every line under the versions in force on date A and on date B;
                         write only the lines whose outcome, basis or prior auth differ (rows
                         carry "from" and "to" with version and deciding statement)
  --workers N            screening threads (default 1): this one and N-1 worker threads, each
                         with its own policy set; NDJSON and CSV (X12 is read in one thread)
  --resume               continue --out FILE from its last complete row (after a killed run)
  --ndc-map FILE         CSV "ndc,drug": NDCs (any punctuation) to generic drug names
  --payer-map FILE       CSV "id,payer": 837 payer ids (NM1*PR NM109) to medpolicy payer ids
  --no-progress          no progress line even when standard error is a terminal
  -h, --help             show this help

Exit status: 0 every line decided, 1 any line rejected (an error row names its line and field),
2 the command was misused.`;

export async function screen(
  argv: string[],
  ctx: () => Promise<DecisionContext> | DecisionContext,
  out: (s: string) => void,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      format: { type: 'string' },
      output: { type: 'string', default: 'ndjson' },
      out: { type: 'string' },
      summary: { type: 'string' },
      report: { type: 'string' },
      'as-of': { type: 'string' },
      'diff-versions': { type: 'string' },
      workers: { type: 'string', default: '1' },
      resume: { type: 'boolean', default: false },
      'ndc-map': { type: 'string' },
      'payer-map': { type: 'string' },
      'no-progress': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) {
    out(SCREEN_USAGE);
    return EXIT.decided;
  }
  if (positionals.length > 1) throw new UsageError('give one input file');
  const format = values.format;
  if (format !== undefined && format !== 'ndjson' && format !== 'csv' && format !== 'x12')
    throw new UsageError(`--format must be ndjson, csv or x12, not "${format}"`);
  const output = values.output;
  if (output !== 'ndjson' && output !== 'csv')
    throw new UsageError(`--output must be ndjson or csv, not "${output}"`);
  const workers = Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 64)
    throw new UsageError(`--workers must be a whole number from 1 to 64, not "${values.workers}"`);
  const asOf = values['as-of'];
  if (asOf !== undefined) checkDate('--as-of', asOf);
  let diff: [string, string] | undefined;
  if (values['diff-versions'] !== undefined) {
    const parts = values['diff-versions'].split(/[,\s]+|\.\./).filter(Boolean);
    if (parts.length !== 2)
      throw new UsageError('--diff-versions takes two dates, e.g. 2024-10-31,2024-11-01');
    parts.forEach((d) => checkDate('--diff-versions', d));
    diff = [parts[0]!, parts[1]!];
    if (asOf !== undefined) throw new UsageError('--as-of and --diff-versions do not combine');
  }

  // V8 pretenuring allocates straight into the old generation at sites whose objects it saw
  // survive young-generation collections. With it on, most two-worker runs had the worker thread
  // pretenure dozens of sites (V8's pretenuring trace) and spend 7-12 µs a line instead of about
  // 4.5, with every young collection promoting megabytes. Our reading: a screening thread starts
  // with its freshly loaded policy set still young, and the collections that copy it look like
  // high survival. A screening run makes short-lived garbage and long-lived tables, which gain
  // nothing from pretenuring. The flag is process-wide, so worker threads started later have it.
  //
  // TurboFan's inlining budget is left at V8's defaults. Raised (one callee up to 2,000 bytes of
  // bytecode, 8,000 in all), the chunk loop inlined about a hundred functions instead of 13, and
  // once compiled a chunk of mixed payers' lines cost about 7 % less CPU (BCBSAL's alone, no
  // less). But compiling took about 1.6 s of CPU instead of 0.6 s a thread: a whole run of
  // 1 million lines cost 7-15 % more CPU (paired, both orders), of 3 million about the same (one
  // and two workers).
  setFlagsFromString('--no-allocation-site-pretenuring');
  const cpu = process.cpuUsage();
  const context = await ctx();
  const result = await runScreen({
    input: positionals[0],
    format: format as InputFormat | undefined,
    output,
    out: values.out,
    asOf,
    diff,
    workers,
    resume: values.resume,
    ndcMap: values['ndc-map'] ? readMap(values['ndc-map'], '--ndc-map', normalizeNdc) : undefined,
    payerMap: values['payer-map']
      ? readMap(values['payer-map'], '--payer-map', payerMapKey)
      : undefined,
    progress: !values['no-progress'] && process.stderr.isTTY === true,
    ctx: () => context,
  });
  const summary: ScreenSummaryV1 & { run?: unknown } = summarize(result.tally);
  summary.run = {
    format: result.format,
    output,
    asOf: asOf ?? null,
    diffVersions: diff ?? null,
    workers: result.workers,
    resumedRows: result.resumedRows,
    elapsedMs: Math.round(result.elapsedMs),
    linesPerSecond: Math.round((summary.lines / result.elapsedMs) * 1000),
    // After the first tenth of a file: the rate of a long run, start-up left out.
    steadyLinesPerSecond:
      result.steadyLinesPerSecond === undefined ? null : Math.round(result.steadyLinesPerSecond),
    // CPU time of every thread of the process: on a shared machine, wall time also counts
    // what other processes took.
    cpuMs: Math.round((({ user, system }) => (user + system) / 1000)(process.cpuUsage(cpu))),
    peakRssMb: peakRssMb(),
  };
  const text = JSON.stringify(summary, null, 2);
  if (values.summary) writeFileSync(values.summary, text + '\n');
  else if (values.out) out(text);
  if (values.report) writeFileSync(values.report, renderReport(summary));
  return summary.errors > 0 ? EXIT.rejected : EXIT.decided;
}

/**
 * The most resident memory the process (every thread of it) held at once. On Linux from
 * VmHWM, which starts afresh with the program: getrusage's maxRSS keeps the high-water mark of
 * the process that spawned it (a parent holding 500 MB makes every child report 500 MB).
 */
function peakRssMb(): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Math.round(Number(m[1]) / 1024);
  } catch {
    // not Linux: below
  }
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

function checkDate(option: string, d: string): void {
  if (!isCalendarDate(d))
    throw new UsageError(`${option} takes a calendar date YYYY-MM-DD, not "${d}"`);
}

/** A two-column CSV mapping (a header line is allowed and skipped when it does not map). */
function readMap(
  path: string,
  option: string,
  key: (s: string) => string = (s) => s.trim(),
): Map<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${option} ${path}: ${(e as NodeJS.ErrnoException).code}`);
  }
  const map = new Map<string, string>();
  const fields: string[] = [];
  let pos = 0;
  let line = 1;
  while (pos < text.length) {
    const r = parseRecord(text, pos, fields);
    pos = r.end;
    if (r.error) throw new UsageError(`${option} ${path}:${line}: ${r.error}`);
    line += r.lines;
    if (fields.length === 1 && fields[0]!.trim() === '') continue;
    if (fields.length !== 2)
      throw new UsageError(`${option} ${path}:${line - 1}: needs two columns`);
    const k = key(fields[0]!);
    if (k !== '') map.set(k, fields[1]!.trim());
  }
  return map;
}
