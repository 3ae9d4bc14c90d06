import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import type { DeterminationV1 } from '../../model/determination.js';
import { decideRequest, parseRequestText } from '../../service/decide-request.js';
import type { DecisionContext } from '../../service/load-context.js';
import { readOrderFile, type IcdRelease } from '../../terminology/cms-order-file.js';
import { windowOn, type CodeSystem } from '../../terminology/code-system.js';
import {
  diffCodeSets,
  renderCodeSetDiff,
  snapshotOfRelease,
  type CodeSetDiff,
} from '../../terminology/code-set-diff.js';
import { historyCodeSystem, ICD10CM_START, releasesSource } from '../../terminology/icd10cm.js';
import { releaseTag } from '../../terminology/icd10cm-history.js';
import { compileIndications } from '../../terminology/indications.js';
import { readIndicationValueSets } from '../../terminology/load-terminology.js';
import type { Terminology } from '../../terminology/terminology.js';
import { EXIT, UsageError } from './exit-codes.js';

export const CODES_USAGE = `Usage: medpolicy codes diff --to RELEASE [--from RELEASE] [--requests FILE] [--audit]
                            [--data-dir DIR] [--format text|json]

Before a new ICD-10-CM release goes live (every October 1), reports what it changes: for every
indication value set, the codes that enter, leave or change billable status; new codes under a
value-set entry divided between families, which an analyst must place; value-set entries that no
longer name a code; the policies whose indications are touched. With --requests or --audit it
re-decides recorded requests under the old and the new code set (each read as in force on the
request's date of service, policy versions unchanged) and lists those whose answer changes.

RELEASE is a CMS ICD-10-CM order file (.txt or .txt.gz; fiscal year from its name) or a release
of the loaded history by name (FY2025, FY2022-04). --from defaults to the release in force the
day before --to takes effect.

Options:
  --to RELEASE      the new release
  --from RELEASE    the release it replaces
  --requests FILE   CoverageRequests, NDJSON (screen's input; claimId and claimLine are kept)
  --audit           the requests recorded in the audit store (DATABASE_URL, else --data-dir)
  --data-dir DIR    the embedded store's directory (default MEDPOLICY_DATA_DIR or .medpolicy/data)
  --format FORMAT   text (default) or json
  -h, --help        show this help

Exit status: 0 reported, 2 the command was misused.`;

interface Redecided {
  id: string;
  payer: string;
  dateOfService: string;
  diagnosisCodes: string[];
  before: Answer;
  after: Answer;
}

interface Answer {
  outcome: string;
  basis?: string | undefined;
  indication?: string | undefined;
  warnings: string[];
}

export async function codes(
  argv: string[],
  ctx: () => Promise<DecisionContext> | DecisionContext,
  out: (s: string) => void,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      to: { type: 'string' },
      from: { type: 'string' },
      requests: { type: 'string' },
      audit: { type: 'boolean', default: false },
      'data-dir': { type: 'string' },
      format: { type: 'string', default: 'text' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) {
    out(CODES_USAGE);
    return EXIT.decided;
  }
  if (positionals[0] !== 'diff' || positionals.length > 1)
    throw new UsageError('the only subcommand is "diff"');
  if (!values.to) throw new UsageError('--to RELEASE is required');
  if (values.format !== 'text' && values.format !== 'json')
    throw new UsageError(`--format must be text or json, not "${values.format}"`);

  const context = await ctx();
  const loaded = context.terminology.icd10cm;
  const to = releaseArg(values.to, loaded);
  const from = values.from ? releaseArg(values.from, loaded) : releaseBefore(to, loaded);
  const valueSets = readIndicationValueSets();
  const before = terminologyOf(context.terminology, [from], valueSets);
  const after = terminologyOf(context.terminology, [from, to], valueSets);
  const diff = diffCodeSets(
    snapshotOfRelease(from),
    snapshotOfRelease(to),
    before.indications,
    after.indications,
    context.policySet,
  );

  const changed: Redecided[] = [];
  let redecided = 0;
  const requests: { id: string; request: unknown }[] = [];
  if (values.requests) requests.push(...readNdjsonRequests(values.requests));
  if (values.audit) requests.push(...(await readAuditRequests(values['data-dir'])));
  for (const { id, request } of requests) {
    const a = decideRequest(request, { ...context, terminology: before });
    const b = decideRequest(request, { ...context, terminology: after });
    if (!a.ok || !b.ok) continue;
    redecided++;
    const x = answer(a.determination);
    const y = answer(b.determination);
    if (JSON.stringify(x) !== JSON.stringify(y)) {
      const r = request as { payer: string; dateOfService: string; diagnosisCodes?: string[] };
      changed.push({
        id,
        payer: r.payer,
        dateOfService: r.dateOfService,
        diagnosisCodes: r.diagnosisCodes ?? [],
        before: x,
        after: y,
      });
    }
  }

  if (values.format === 'json') {
    out(
      JSON.stringify(
        {
          ...diff,
          redecided:
            requests.length > 0
              ? { requests: requests.length, decided: redecided, changed }
              : undefined,
        },
        null,
        2,
      ),
    );
    return EXIT.decided;
  }
  out(renderCodeSetDiff(diff));
  if (requests.length > 0) out('\n' + renderRedecided(requests.length, redecided, changed, diff));
  return EXIT.decided;
}

/** An order file, or a release of the loaded history by name. */
function releaseArg(arg: string, loaded: CodeSystem): IcdRelease {
  const named = loaded.releases?.find(
    (r) => releaseTag(r) === arg.toUpperCase() || r.label === arg,
  );
  if (named) return releaseOf(loaded, named);
  if (/^FY\d{4}(-04)?$/i.test(arg))
    throw new UsageError(
      `${arg} is not a loaded release (loaded: ${(loaded.releases ?? []).map(releaseTag).join(', ')}); give its order file`,
    );
  return readOrderFile(arg);
}

function releaseBefore(to: IcdRelease, loaded: CodeSystem): IcdRelease {
  const prior = [...(loaded.releases ?? [])]
    .reverse()
    .find((r) => r.effectiveFrom < to.effectiveFrom);
  if (!prior) throw new UsageError(`no loaded release precedes ${to.label}; give --from`);
  return releaseOf(loaded, prior);
}

function releaseOf(cs: CodeSystem, info: NonNullable<CodeSystem['releases']>[number]): IcdRelease {
  const entries = [];
  for (const r of cs.all()) {
    const w = windowOn(r, info.effectiveFrom);
    if (w) entries.push({ code: r.code, billable: w.billable, short: r.display });
  }
  return { ...info, entries };
}

/**
 * The terminology with the last of `releases` in force on every date, so that a recorded request
 * is re-decided as if the release applied to it. The value sets are placed in the hierarchy of
 * all of them, so a branch the last release adds is known as new (and, under an entry divided
 * between families, flagged).
 */
function terminologyOf(
  base: Terminology,
  releases: IcdRelease[],
  valueSets: ReturnType<typeof readIndicationValueSets>,
): Terminology {
  const release = releases[releases.length - 1]!;
  const icd10cm = historyCodeSystem(releasesSource([release]), {
    version: `ICD-10-CM ${release.label}`,
    provenance: 'medpolicy codes diff',
    readBackTo: ICD10CM_START,
  });
  const hierarchy = historyCodeSystem(releasesSource(releases), {
    version: releases.map((r) => r.label).join(', '),
    provenance: 'medpolicy codes diff',
    readBackTo: ICD10CM_START,
  });
  return { ...base, icd10cm, indications: compileIndications(valueSets, hierarchy) };
}

// Whether a release is in force on the date is not the question here: both sides are read as in force.
const IGNORED_WARNINGS = new Set(['code-set-date']);

function answer(d: DeterminationV1): Answer {
  return {
    outcome: d.outcome,
    basis: d.basis,
    indication: d.indication,
    warnings: [...new Set(d.warnings.map((w) => (w.subject ? `${w.code}:${w.subject}` : w.code)))]
      .filter((w) => !IGNORED_WARNINGS.has(w.split(':')[0]!))
      .sort(),
  };
}

function readNdjsonRequests(path: string): { id: string; request: unknown }[] {
  const out: { id: string; request: unknown }[] = [];
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (line.trim() === '') return;
      const parsed = parseRequestText(line);
      if (!parsed.ok || typeof parsed.value !== 'object' || parsed.value === null) return;
      const { claimId, claimLine, ...request } = parsed.value as Record<string, unknown>;
      const id =
        claimId !== undefined
          ? `${String(claimId)}${claimLine !== undefined ? `/${String(claimLine)}` : ''}`
          : `${path}:${i + 1}`;
      out.push({ id, request });
    });
  return out;
}

async function readAuditRequests(
  dataDir: string | undefined,
): Promise<{ id: string; request: unknown }[]> {
  const { openStore, storeOptionsFromEnv } = await import('../../store/open-store.js');
  const opts = storeOptionsFromEnv(process.env);
  const store = await openStore(dataDir ? { ...opts, dataDir } : opts);
  try {
    const out: { id: string; request: unknown }[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.list({}, 200, cursor);
      for (const s of page.items) {
        const event = await store.get(s.id);
        if (event) out.push({ id: `audit:${event.id}`, request: event.request });
      }
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    return out;
  } finally {
    await store.close();
  }
}

function renderRedecided(
  total: number,
  decided: number,
  changed: Redecided[],
  diff: CodeSetDiff,
): string {
  const outcomes = changed.filter(
    (c) =>
      c.before.outcome !== c.after.outcome ||
      c.before.basis !== c.after.basis ||
      c.before.indication !== c.after.indication,
  );
  const warningsOnly = changed.filter((c) => !outcomes.includes(c));
  const lines = [
    `Recorded requests re-decided under ${diff.from.label} and under ${diff.to.label}: ${decided} of ${total} (the rest fail validation).`,
    `  Answer changes (${outcomes.length}):`,
  ];
  const show = (a: Answer) =>
    `${a.outcome}${a.basis ? ` (${a.basis})` : ''}${a.indication ? ` [${a.indication}]` : ''}`;
  const describe = (c: Redecided) => {
    const added = c.after.warnings.filter((w) => !c.before.warnings.includes(w));
    const gone = c.before.warnings.filter((w) => !c.after.warnings.includes(w));
    return (
      `    ${c.id} ${c.payer} ${c.dateOfService} ${c.diagnosisCodes.join(',')}: ${show(c.before)} → ${show(c.after)}` +
      (added.length ? `; new warnings ${added.join(', ')}` : '') +
      (gone.length ? `; warnings gone ${gone.join(', ')}` : '')
    );
  };
  if (outcomes.length === 0) lines.push('    none');
  lines.push(
    ...outcomes.map(describe),
    `  Same answer, different warnings (${warningsOnly.length}):`,
  );
  if (warningsOnly.length === 0) lines.push('    none');
  lines.push(...warningsOnly.map(describe));
  return lines.join('\n');
}
