import { decide } from '../../engine/decide.js';
import type { DeterminationV1, PolicyRefV1, ReasonV1 } from '../../model/determination.js';
import { problem, type Problem } from '../../model/problem.js';
import type { DecisionContext } from '../../service/load-context.js';
import {
  fastChecks,
  fastValidator,
  type FastValidator,
} from '../../service/validate-request-fast.js';
import type { NormalizedRequest } from '../../model/normalized-request.js';
import {
  envelopeValues,
  ndjsonRequestReader,
  type NdjsonRequestReader,
} from './ndjson-request-reader.js';
import {
  csvRow,
  decidedTail,
  decidingRule,
  firstRule,
  diffRow,
  errorRow,
  type DiffSide,
  type LineRef,
  type OutputFormat,
  RowBuffer,
  writeNdjsonRow,
  writeNdjsonRowFrom,
} from './rows.js';
import {
  countChange,
  countDecided,
  countError,
  countUnchanged,
  newTally,
  type DecidedKey,
  type Tally,
} from './summary.js';

export interface ScreenSettings {
  output: OutputFormat;
  /** Decide under the policy versions in force on this date (see README: --as-of). */
  asOf?: string | undefined;
  /** --diff-versions: decide under the versions in force on each date; write changed lines only. */
  diff?: readonly [string, string] | undefined;
}

/** Batch envelope fields an NDJSON line may carry beside the CoverageRequest. */
export const ENVELOPE = new Set(['claimId', 'claimLine']);

/**
 * Decides request objects one line at a time and serializes each result as an output row,
 * tallying as it goes. One per thread: the output and the tally are this thread's share.
 */
export class Screener {
  readonly tally: Tally = newTally();
  failed = 0;
  rows = 0;
  /** Set for a chunk that is not valid UTF-8: lines holding U+FFFD become error rows. */
  checkEncoding = false;
  /** The rows written since the last takeRows(). */
  private readonly sink = new RowBuffer();
  private readonly fast: FastValidator;
  private readonly reader: NdjsonRequestReader;
  private readonly opts: { asOf?: string };
  private readonly optsA: { asOf?: string };
  private readonly optsB: { asOf?: string };

  constructor(
    private readonly ctx: DecisionContext,
    private readonly settings: ScreenSettings,
  ) {
    const checks = fastChecks(ctx);
    this.fast = fastValidator(ctx, checks);
    this.reader = ndjsonRequestReader(checks);
    this.opts = settings.asOf !== undefined ? { asOf: settings.asOf } : {};
    this.optsA = settings.diff ? { asOf: settings.diff[0] } : {};
    this.optsB = settings.diff ? { asOf: settings.diff[1] } : {};
  }

  /** The rows written since the last call, in a buffer of their own. */
  takeRows(): Buffer {
    return this.sink.take();
  }

  /** A buffer takeRows() gave, once written out: it is reused. */
  recycleRows(a: ArrayBuffer): void {
    this.sink.recycle(a);
  }

  /** Bytes of rows written and not yet taken. */
  get pendingBytes(): number {
    return this.sink.length;
  }

  /** Validates, decides and writes the row of one request (an NDJSON object, a CSV/X12 line). */
  request(
    input: unknown,
    ref: LineRef,
    skipKeys?: ReadonlySet<string>,
    mapProblem?: (p: Problem) => Problem,
  ): void {
    const v = this.fast.validate(input, skipKeys);
    if (!v.ok) {
      const p = v.problems[0]!;
      return this.error(ref, mapProblem ? mapProblem(p) : p, v.problems.length);
    }
    this.decideRow(v.value, ref);
  }

  /** Decides a valid request and writes its row. */
  private decideRow(request: NormalizedRequest, ref: LineRef): void {
    this.rows++;
    const { policySet, terminology } = this.ctx;
    if (this.settings.diff) {
      const a = decide(request, policySet, terminology, this.optsA);
      const b = decide(request, policySet, terminology, this.optsB);
      const sa = side(a);
      const sb = side(b);
      // A change is a different outcome, basis or prior-auth answer; a new version that
      // decides the line the same way is not one.
      if (sa.outcome === sb.outcome && sa.basis === sb.basis && sa.priorAuth === sb.priorAuth) {
        countUnchanged(this.tally);
        return;
      }
      countChange(this.tally, a.payer, fullOutcome(sa), fullOutcome(sb));
      return this.sink.push(diffRow(this.settings.output, ref, a.payer, sa, sb));
    }
    const d = decide(request, policySet, terminology, this.opts);
    const e = this.entry(d);
    e.count++;
    if (this.settings.output === 'ndjson') writeNdjsonRow(this.sink, ref, e.tailBytes, d);
    else this.sink.push(csvRow(ref, e.tail, d));
  }

  /**
   * Decides the request the byte reader read from line `sourceLine` of `b` and writes its row:
   * an NDJSON row copies the claim id and line from `b`, making no string of them.
   */
  private decideRead(request: NormalizedRequest, b: Uint8Array, sourceLine: number): void {
    if (this.settings.diff || this.settings.output !== 'ndjson') {
      const { claimId, claimLine } = envelopeValues(this.reader.envelope, b);
      return this.decideRow(request, { sourceLine, claimId, claimLine });
    }
    this.rows++;
    const { policySet, terminology } = this.ctx;
    const d = decide(request, policySet, terminology, this.opts);
    const e = this.entry(d);
    e.count++;
    writeNdjsonRowFrom(this.sink, sourceLine, b, this.reader.envelope, e.tailBytes, d);
  }

  // Distinct decisions are few: each gets one entry holding its serialized row tail and its
  // count, so a line costs a few map lookups (on strings and objects that mostly come from the
  // compiled policies, whose hashes V8 keeps) instead of serializing and tallying.
  private readonly root = new Map<unknown, Trie>();
  private readonly entries: RowEntry[] = [];

  // The last line's entry and reasons: lines of one claim, and runs of similar claims, are often
  // decided alike, and then a few identity compares replace the walk down the trie.
  private last: RowEntry | undefined;
  private lastReasons: readonly ReasonV1[] | undefined;

  private entry(d: DeterminationV1): RowEntry {
    const l = this.last;
    if (
      l !== undefined &&
      d.reasons === this.lastReasons &&
      d.policy === l.ref &&
      d.payer === l.payer &&
      d.indication === l.indication &&
      d.outcome === l.outcome &&
      d.priorAuth === l.priorAuth &&
      d.basis === l.basis &&
      d.outOfScopeReason === l.outOfScopeReason
    )
      return l;
    const frozen = Object.isFrozen(d.reasons);
    const e = (frozen ? this.byReasons(d) : undefined) ?? this.lookup(d);
    // Only an entry the trie holds: one past the bound is counted once, not by its count.
    if (e.count >= 0 && frozen) {
      this.last = e;
      this.lastReasons = d.reasons;
    }
    return e;
  }

  // Shared (frozen) reasons come from one policy version and nearly decide the row alone: the
  // entries met with them, in a short list each, are found by one identity lookup and a few
  // compares instead of the walk down the trie (mixed input rarely repeats the last line).
  private readonly withReasons = new Map<readonly ReasonV1[], RowEntry[]>();

  private byReasons(d: DeterminationV1): RowEntry | undefined {
    let list = this.withReasons.get(d.reasons);
    if (list)
      for (let i = 0; i < list.length; i++) {
        const e = list[i]!;
        if (
          d.policy === e.ref &&
          d.payer === e.payer &&
          d.indication === e.indication &&
          d.outcome === e.outcome &&
          d.priorAuth === e.priorAuth &&
          d.basis === e.basis &&
          d.outOfScopeReason === e.outOfScopeReason
        )
          return e;
      }
    const e = this.lookup(d);
    if (e.count < 0) return e;
    if (!list) {
      if (this.withReasons.size >= MAX_ENTRIES) this.withReasons.clear();
      this.withReasons.set(d.reasons, (list = []));
    }
    if (list.length < 64) list.push(e);
    return e;
  }

  private lookup(d: DeterminationV1): RowEntry {
    const rule = this.ruleOf(d.reasons);
    const t = step(
      step(step(step(step(step(this.root, d.policy), rule), d.payer), d.indication), d.outcome),
      d.priorAuth,
    );
    // Basis (not-covered, conditional) and out-of-scope reason never come together: one slot.
    const why = d.basis ?? d.outOfScopeReason;
    let e = t.get(why) as RowEntry | undefined;
    if (e) return e;
    const tail = decidedTail(this.settings.output, d, rule);
    e = {
      tail,
      tailBytes: Buffer.from(tail),
      count: 0,
      ref: d.policy,
      payer: d.payer,
      indication: d.indication,
      outcome: d.outcome,
      basis: d.basis,
      outOfScopeReason: d.outOfScopeReason,
      priorAuth: d.priorAuth,
      rule,
      // Only a cited reason's text goes into the summary: uncited texts name the request
      // (its product, its diagnoses), which a summary of many lines should not repeat.
      text: d.reasons[0]?.citation ? d.reasons[0].text : undefined,
    };
    if (this.entries.length < MAX_ENTRIES) {
      t.set(why, e);
      this.entries.push(e);
    } else {
      // Past the bound (only with unbounded distinct decisions): count straight into the tally.
      countDecided(this.tally, e);
      e.count = -1; // not held: never the last entry
    }
    return e;
  }

  // Shared (frozen) reasons arrays repeat: their deciding rule is looked up, not searched for.
  private readonly rules = new WeakMap<readonly ReasonV1[], string | undefined>();

  private ruleOf(reasons: readonly ReasonV1[]): string | undefined {
    if (!Object.isFrozen(reasons)) return firstRule(reasons);
    if (this.rules.has(reasons)) return this.rules.get(reasons);
    const r = firstRule(reasons);
    this.rules.set(reasons, r);
    return r;
  }

  /** Moves the per-decision counts into the tally; call once the last line is screened. */
  finish(): Tally {
    for (const e of this.entries) {
      if (e.count > 0) countDecided(this.tally, e, e.count);
      e.count = 0;
    }
    return this.tally;
  }

  /** An error row: the line's first problem (and how many there were); the run goes on. */
  error(ref: LineRef, p: Problem, count = 1): void {
    this.rows++;
    this.failed++;
    countError(this.tally, p.code);
    this.sink.push(errorRow(this.settings.output, ref, p, count));
  }

  encodingError(sourceLine: number): void {
    this.error(
      { sourceLine, claimId: undefined, claimLine: undefined },
      problem(
        'invalid-value',
        `line ${sourceLine} is not valid UTF-8 text`,
        '',
        'convert the file to UTF-8 (e.g. iconv -f LATIN1 -t UTF-8)',
      ),
    );
  }

  /** An NDJSON line: parse, take the envelope, decide. */
  private ndjsonLine(text: string, sourceLine: number): void {
    let obj: unknown;
    try {
      obj = JSON.parse(text);
    } catch (e) {
      return this.error(
        { sourceLine, claimId: undefined, claimLine: undefined },
        problem(
          'invalid-json',
          `line ${sourceLine} is not valid JSON: ${(e as Error).message}`,
          '',
        ),
      );
    }
    return this.ndjsonObject(obj, sourceLine);
  }

  /** A parsed NDJSON line: take the envelope, decide. */
  private ndjsonObject(obj: unknown, sourceLine: number): void {
    let claimId: string | undefined;
    let claimLine: string | number | undefined;
    if (typeof obj === 'object' && obj !== null && !Array.isArray(obj)) {
      const o = obj as { claimId?: unknown; claimLine?: unknown };
      const ref = { sourceLine, claimId: undefined, claimLine: undefined };
      if (o.claimId !== undefined) {
        if (typeof o.claimId !== 'string' && typeof o.claimId !== 'number')
          return this.error(
            ref,
            problem('wrong-type', 'claimId must be a string or a number', '/claimId'),
          );
        claimId = String(o.claimId);
      }
      if (o.claimLine !== undefined) {
        if (typeof o.claimLine !== 'string' && typeof o.claimLine !== 'number')
          return this.error(
            ref,
            problem('wrong-type', 'claimLine must be a number or a string', '/claimLine'),
          );
        claimLine = o.claimLine;
      }
    }
    return this.request(obj, { sourceLine, claimId, claimLine }, ENVELOPE);
  }

  /**
   * The NDJSON lines of a chunk of whole lines. A line the byte reader takes is decided from its
   * bytes; any other goes the general way (decoded, parsed, validated), as does every line of a
   * chunk that is not valid UTF-8, where a line that does not decode is an error row. Blank
   * lines are skipped. Returns the line number that follows the chunk.
   */
  ndjsonChunk(b: Buffer, startLine: number): number {
    let pos = 0;
    let line = startLine;
    const n = b.length;
    while (pos < n) {
      let nl = b.indexOf(10, pos);
      if (nl < 0) nl = n;
      let end = nl;
      if (end > pos && b[end - 1] === 13) end--;
      if (end > pos) {
        const r = this.checkEncoding ? undefined : this.reader.read(b, pos, end);
        if (r !== undefined) this.decideRead(r, b, line);
        else {
          const t = b.toString('utf8', pos, end);
          if (this.checkEncoding && t.includes('\uFFFD')) this.encodingError(line);
          else if (t.trim() !== '') this.ndjsonLine(t, line);
        }
      }
      pos = nl + 1;
      line++;
    }
    return line;
  }
}

const MAX_ENTRIES = 100_000;

type Trie = Map<unknown, Trie | RowEntry>;

function step(t: Trie, k: unknown): Trie {
  let next = t.get(k) as Trie | undefined;
  if (!next) t.set(k, (next = new Map()));
  return next;
}

interface RowEntry extends DecidedKey {
  tail: string;
  /** The tail's UTF-8 bytes, copied into each NDJSON row. */
  tailBytes: Uint8Array;
  /** Lines counted here and not yet in the tally; -1 for an entry past the bound, not held. */
  count: number;
  ref: PolicyRefV1 | undefined;
  indication: string | undefined;
}

function side(d: DeterminationV1): DiffSide {
  return {
    outcome: d.outcome,
    basis: d.basis,
    priorAuth: d.priorAuth,
    version: d.policy ? `${d.policy.id}@${d.policy.version}` : undefined,
    rule: decidingRule(d),
  };
}

function fullOutcome(s: DiffSide): string {
  return s.basis ? `${s.outcome}/${s.basis}` : s.outcome;
}
