import type { DeterminationV1, ReasonV1 } from '../../model/determination.js';
import type { Problem } from '../../model/problem.js';
import { BufferPool } from './buffer-pool.js';
import { viewOf, wordsOf } from './byte-words.js';
import type { Envelope } from './ndjson-request-reader.js';

const EMPTY = Buffer.alloc(0);

// One output row per input line (claim line). Serialized by hand in a fixed field order: this is
// the hot path, and the vocabulary values (outcome, basis, priorAuth) never need escaping.

export type OutputFormat = 'ndjson' | 'csv';

export interface LineRef {
  /** Line number in the input (NDJSON, CSV) or segment number (X12) where the line starts. */
  sourceLine: number;
  claimId: string | undefined;
  claimLine: string | number | undefined;
}

export const CSV_HEADER =
  'source_line,claim_id,claim_line,payer,outcome,basis,out_of_scope_reason,prior_auth,policy,policy_version,statement,indication,missing,warnings,error_code,error_path,error_detail';

export const DIFF_CSV_HEADER =
  'source_line,claim_id,claim_line,payer,from_outcome,from_basis,from_prior_auth,from_policy_version,from_statement,to_outcome,to_basis,to_prior_auth,to_policy_version,to_statement';

const json = JSON.stringify;
const NEEDS_QUOTE = /[",\r\n]/;

export function csvField(v: string | number | undefined): string {
  if (v === undefined) return '';
  const s = String(v);
  return NEEDS_QUOTE.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The rule of the statement that decided (e.g. "statement:chronic-pain"), or of the first reason. */
export function decidingRule(d: DeterminationV1): string | undefined {
  return firstRule(d.reasons);
}

export function firstRule(reasons: readonly ReasonV1[]): string | undefined {
  for (const r of reasons) if (r.rule !== undefined) return r.rule;
  return undefined;
}

// The lines of one claim come together: the last claim id's JSON is kept for the next line.
let lastId: string | undefined;
let lastIdJson = '';

function refJson(ref: LineRef): string {
  let s = `{"sourceLine":${ref.sourceLine}`;
  const id = ref.claimId;
  if (id !== undefined) {
    if (id !== lastId) {
      lastId = id;
      lastIdJson = json(id);
    }
    s += `,"claimId":${lastIdJson}`;
  }
  const line = ref.claimLine;
  if (line !== undefined)
    s += `,"claimLine":${typeof line === 'number' ? String(line) : json(line)}`;
  return s;
}

function warningCodes(d: DeterminationV1): string {
  const w = d.warnings;
  if (w.length === 0) return '';
  let s = w[0]!.code;
  for (let i = 1; i < w.length; i++) s += '|' + w[i]!.code;
  return s;
}

/**
 * The part of a decided row that follows the line reference and precedes `missing` and
 * `warnings`: it depends only on the decision, so the screener builds it once per distinct
 * decision and reuses it.
 */
export function decidedTail(
  format: OutputFormat,
  d: DeterminationV1,
  rule: string | undefined,
): string {
  const policy = d.policy;
  if (format === 'csv')
    return `,${csvField(d.payer)},${d.outcome},${d.basis ?? ''},${d.outOfScopeReason ?? ''},${d.priorAuth},${csvField(policy?.id)},${csvField(policy?.version)},${csvField(rule)},${csvField(d.indication)},`;
  let s = `,"payer":${json(d.payer)},"outcome":"${d.outcome}"`;
  if (d.basis !== undefined) s += `,"basis":"${d.basis}"`;
  if (d.outOfScopeReason !== undefined) s += `,"outOfScopeReason":"${d.outOfScopeReason}"`;
  s += `,"priorAuth":"${d.priorAuth}"`;
  if (policy !== undefined)
    s += `,"policy":${json(policy.id)},"policyVersion":${json(policy.version)}`;
  if (rule !== undefined) s += `,"statement":${json(rule)}`;
  if (d.indication !== undefined) s += `,"indication":${json(d.indication)}`;
  return s;
}

/** A decided CSV row: the ref, a cached tail, then missing and warnings (engine vocabulary). */
export function csvRow(ref: LineRef, tail: string, d: DeterminationV1): string {
  const m = d.missing;
  return `${ref.sourceLine},${csvField(ref.claimId)},${csvField(ref.claimLine)}${tail}${m.length > 0 ? m.join('|') : ''},${warningCodes(d)},,,\n`;
}

/**
 * A decided NDJSON row, written into the buffer in pieces with no row string: the ref, the
 * cached tail (its UTF-8 bytes), then missing and warnings.
 */
export function writeNdjsonRow(
  sink: RowBuffer,
  ref: LineRef,
  tail: Uint8Array,
  d: DeterminationV1,
): void {
  // Short constant parts are copied a character at a time: cheaper than a typed-array copy.
  sink.ascii('{"sourceLine":');
  sink.number(ref.sourceLine);
  if (ref.claimId !== undefined) {
    sink.ascii(',"claimId":');
    sink.jsonString(ref.claimId);
  }
  const line = ref.claimLine;
  if (line !== undefined) {
    sink.ascii(',"claimLine":');
    if (typeof line === 'number') sink.number(line);
    else sink.jsonString(line);
  }
  sink.block(tail);
  writeNdjsonRowEnd(sink, d);
}

/**
 * The same row for a line the byte reader read, its claimId and claimLine copied from the line's
 * bytes (`src` at `e`): the reader takes them only where those bytes are what JSON writes. Room
 * for the head and the tail is made once, and the row written with plain stores.
 */
export function writeNdjsonRowFrom(
  sink: RowBuffer,
  sourceLine: number,
  src: Uint8Array,
  e: Envelope,
  tail: Uint8Array,
  d: DeterminationV1,
): void {
  const id = e.idStart;
  const line = e.lineStart;
  const buf = sink.reserve(HEAD_MAX + (e.idEnd - id) + (e.lineEnd - line) + tail.length);
  const v = sink.view;
  let o = put(v, sink.length, SOURCE_LINE);
  o = putNumber(buf, o, sourceLine);
  if (id >= 0) {
    o = put(v, o, CLAIM_ID);
    for (let i = id; i < e.idEnd; i++) buf[o++] = src[i]!;
    buf[o++] = 0x22;
  }
  if (line >= 0) {
    o = put(v, o, e.lineIsNumber ? CLAIM_LINE : CLAIM_LINE_STRING);
    for (let i = line; i < e.lineEnd; i++) buf[o++] = src[i]!;
    if (!e.lineIsNumber) buf[o++] = 0x22;
  }
  buf.set(tail, o);
  sink.length = o + tail.length;
  writeNdjsonRowEnd(sink, d);
}

/** Short constant ASCII bytes, as words (byte-words.ts). */
interface Constant {
  words: Int32Array;
  length: number;
}
const constant = (s: string): Constant => ({
  words: wordsOf(Buffer.from(s, 'latin1')),
  length: s.length,
});
const SOURCE_LINE = constant('{"sourceLine":');
const CLAIM_ID = constant(',"claimId":"');
const CLAIM_LINE = constant(',"claimLine":');
const CLAIM_LINE_STRING = constant(',"claimLine":"');
/** The most characters JSON writes a number in ("-2.2250738585072014e-308"). */
const NUMBER_MAX = 24;
// The constant parts of a row's head, its line number, and the padding put() may write past the
// last constant.
const HEAD_MAX =
  SOURCE_LINE.length + NUMBER_MAX + CLAIM_ID.length + 1 + CLAIM_LINE_STRING.length + 1 + 3;

/**
 * Short constant bytes, four at a time: cheaper than a typed-array copy this short, and than a
 * byte at a time. Up to three bytes past them are written too (the padding of the last word):
 * room the caller reserved, overwritten by what follows.
 */
function put(v: DataView, o: number, c: Constant): number {
  const w = c.words;
  for (let i = 0; i < w.length; i++) v.setInt32(o + i * 4, w[i]!, true);
  return o + c.length;
}

/** A number as JSON writes it (room for NUMBER_MAX characters made). */
function putNumber(buf: Uint8Array, o: number, v: number): number {
  if (!(v >= 0 && v <= 0xffffffff && Number.isInteger(v))) {
    const s = String(v);
    for (let i = 0; i < s.length; i++) buf[o++] = s.charCodeAt(i);
    return o;
  }
  // A 32-bit unsigned integer: divided by ten as one (>>> 0), which V8 turns into a multiply,
  // instead of Math.floor on a double (about a third of a decided row's cost).
  let digits = 1;
  for (let t = v; t >= 10; t = (t / 10) >>> 0) digits++;
  const end = o + digits;
  let p = end;
  for (let t = v; ;) {
    const q = (t / 10) >>> 0;
    buf[--p] = 0x30 + (t - q * 10);
    if (q === 0) break;
    t = q;
  }
  return end;
}

/** Missing fields and warning codes (engine vocabulary), then the row's end. */
function writeNdjsonRowEnd(sink: RowBuffer, d: DeterminationV1): void {
  const m = d.missing;
  const w = d.warnings;
  // Most rows: nothing missing and at most one warning, a few cached bytes.
  if (m.length === 0 && w.length <= 1) {
    sink.block(w.length === 0 ? ROW_END : oneWarningEnd(w[0]!.code));
    return;
  }
  if (m.length > 0) {
    sink.ascii(',"missing":[');
    for (let i = 0; i < m.length; i++) {
      if (i > 0) sink.ascii(',');
      sink.block(jsonBytes(m[i]!));
    }
    sink.ascii(']');
  }
  if (w.length > 0) {
    sink.ascii(',"warnings":[');
    for (let i = 0; i < w.length; i++) {
      if (i > 0) sink.ascii(',');
      sink.block(jsonBytes(w[i]!.code));
    }
    sink.ascii(']');
  }
  sink.ascii('}\n');
}

const ROW_END = new Uint8Array(Buffer.from('}\n', 'latin1'));

// A row's end with one warning, by its code.
const oneWarningEnds = new Map<string, Uint8Array>();

function oneWarningEnd(code: string): Uint8Array {
  let b = oneWarningEnds.get(code);
  if (b === undefined) {
    b = new Uint8Array(Buffer.from(`,"warnings":[${JSON.stringify(code)}]}\n`));
    if (oneWarningEnds.size < 4096) oneWarningEnds.set(code, b);
  }
  return b;
}

// The JSON string literals of missing fields and warning codes: a few engine words, written on
// most rows. Bounded, should a caller ever pass words without end.
const jsonLiterals = new Map<string, Uint8Array>();

function jsonBytes(s: string): Uint8Array {
  let b = jsonLiterals.get(s);
  if (b === undefined) {
    b = new Uint8Array(Buffer.from(JSON.stringify(s)));
    if (jsonLiterals.size < 4096) jsonLiterals.set(s, b);
  }
  return b;
}

export function errorRow(format: OutputFormat, ref: LineRef, p: Problem, count = 1): string {
  if (format === 'csv') {
    return `${ref.sourceLine},${csvField(ref.claimId)},${csvField(ref.claimLine)},,error,,,,,,,,,,${p.code},${csvField(p.path)},${csvField(p.detail)}\n`;
  }
  const e: Record<string, unknown> = {
    code: p.code,
    status: p.status,
    title: p.title,
    detail: p.detail,
    path: p.path,
  };
  if (p.hint !== undefined) e.hint = p.hint;
  if (count > 1) e.problemCount = count;
  return `${refJson(ref)},"error":${json(e)}}\n`;
}

export interface DiffSide {
  outcome: string;
  basis: string | undefined;
  priorAuth: string;
  version: string | undefined;
  rule: string | undefined;
}

export function diffRow(
  format: OutputFormat,
  ref: LineRef,
  payer: string,
  from: DiffSide,
  to: DiffSide,
): string {
  if (format === 'csv') {
    const side = (x: DiffSide) =>
      `${x.outcome},${x.basis ?? ''},${x.priorAuth},${csvField(x.version)},${csvField(x.rule)}`;
    return `${ref.sourceLine},${csvField(ref.claimId)},${csvField(ref.claimLine)},${csvField(payer)},${side(from)},${side(to)}\n`;
  }
  return `${refJson(ref)},"payer":${json(payer)},"from":${json(from)},"to":${json(to)}}\n`;
}

/**
 * Rows written straight into a buffer as they are made: cheaper than joining thousands of row
 * strings and encoding the result, and each buffer taken is its own, so it moves to another
 * thread. The hot path (a decided NDJSON row) is written in pieces, with no row string at all:
 * encoding a row built by concatenation cost about 1 µs, most of a line's budget.
 */
export class RowBuffer {
  private buf: Buffer = EMPTY;
  private off = 0;
  private bufView: DataView = viewOf(EMPTY);

  constructor(
    private size: number = 1 << 16,
    private readonly pool: BufferPool = new BufferPool(),
  ) {}

  get length(): number {
    return this.off;
  }

  /** After writing into reserve()'s buffer: where the rows now end. */
  set length(n: number) {
    this.off = n;
  }

  /** A view of reserve()'s buffer, for writers that store several bytes at once. */
  get view(): DataView {
    return this.bufView;
  }

  /** The buffer, with room for `n` more bytes from `length` on, for a writer that fills it. */
  reserve(n: number): Buffer {
    this.ensure(n);
    return this.buf;
  }

  /** Room for `n` more bytes. */
  private ensure(n: number): void {
    if (this.off + n <= this.buf.length) return;
    const bigger = this.pool.take(
      Math.max(this.off + n, this.buf.length === 0 ? this.size : this.buf.length * 2),
    );
    this.buf.copy(bigger, 0, 0, this.off);
    if (this.buf.length > 0) this.pool.give(this.buf.buffer as ArrayBuffer);
    this.buf = bigger;
    this.bufView = viewOf(bigger);
  }

  /** A buffer of rows taken earlier, once written out: its memory is used again. */
  recycle(a: ArrayBuffer): void {
    this.pool.give(a);
  }

  /** Any string, as UTF-8. */
  push(row: string): void {
    // A UTF-16 code unit takes at most three bytes in UTF-8.
    this.ensure(row.length * 3);
    this.off += this.buf.write(row, this.off);
  }

  /** Bytes made once and copied many times (a cached row part): one native copy. */
  block(u: Uint8Array): void {
    this.ensure(u.length);
    this.buf.set(u, this.off);
    this.off += u.length;
  }

  /** A few bytes of another buffer (a claim id from the input line). */
  bytes(src: Uint8Array, s: number, e: number): void {
    this.ensure(e - s);
    const buf = this.buf;
    let o = this.off;
    for (let i = s; i < e; i++) buf[o++] = src[i]!;
    this.off = o;
  }

  /** A string that is ASCII by construction (field names, vocabulary, numbers). */
  ascii(s: string): void {
    const n = s.length;
    this.ensure(n);
    const buf = this.buf;
    let o = this.off;
    for (let i = 0; i < n; i++) buf[o++] = s.charCodeAt(i);
    this.off = o;
  }

  /** A string as a JSON string literal, as JSON.stringify writes it. */
  jsonString(s: string): void {
    const n = s.length;
    this.ensure(n + 2);
    const buf = this.buf;
    let o = this.off;
    buf[o++] = 0x22;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      // Anything JSON.stringify would escape, and anything not ASCII: the general way.
      if (c < 0x20 || c === 0x22 || c === 0x5c || c >= 0x7f) return this.push(JSON.stringify(s));
      buf[o++] = c;
    }
    buf[o++] = 0x22;
    this.off = o;
  }

  /** A number as JSON writes it. */
  number(v: number): void {
    this.ensure(NUMBER_MAX);
    this.off = putNumber(this.buf, this.off, v);
  }

  /**
   * The rows written so far, in a buffer of their own (the whole of its ArrayBuffer is theirs,
   * so it can move to another thread); the next rows go to another buffer.
   */
  take(): Buffer {
    if (this.off === 0) return Buffer.allocUnsafeSlow(0); // never the shared empty buffer
    const out = this.buf.subarray(0, this.off);
    // The next batch of rows is likely the size of this one: start there, not small and growing.
    this.size = Math.max(this.size, this.off + (this.off >> 3));
    this.buf = EMPTY;
    this.bufView = viewOf(EMPTY);
    this.off = 0;
    return out;
  }
}
