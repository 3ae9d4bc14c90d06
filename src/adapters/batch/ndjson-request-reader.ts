import { emptyList, listOf } from '../../model/empty-list.js';
import type { NormalizedRequest, ProcedureCode } from '../../model/normalized-request.js';
import { LINES_OF_BUSINESS, PLAN_TYPES, ROUTES, SETTINGS } from '../../model/vocabulary.js';
import { equalsWords, storeWords, viewOf, wordCount } from './byte-words.js';
import {
  homePlanString,
  MAX_DIAGNOSIS_CODE_LENGTH,
  MAX_DIAGNOSIS_CODES,
  MAX_PROCEDURE_CODE_LENGTH,
  MAX_PROCEDURE_CODES,
  normalizedRequest,
  type FastChecks,
  type FastFields,
} from '../../service/validate-request-fast.js';

// Reads an NDJSON claim line straight from its bytes into a normalized request, for the shape
// nearly every line has: a flat object of plain strings, integers, booleans and arrays of
// strings, with values the fast validator accepts. Vocabulary values are matched against their
// known bytes instead of being made into strings, and there is no parsed object to walk: JSON
// parsing plus validation was the largest cost of screening a line.
//
// It is only a shortcut. Anything else (an escape, a float, null, an unknown or repeated key, a
// value the fast validator would not accept, a stray byte) returns undefined, and the line goes
// the general way: JSON.parse, then validation, which names the problem. A request this reader
// returns is deep-equal to what that way gives (tested by random mutation in
// ndjson-request-reader.test.ts).

/**
 * Where the envelope fields of the last line read are in its bytes (-1 where absent). The reader
 * takes only a claimId or string claimLine with no escape or control character, so its bytes are
 * those of its JSON string literal between the quotes; a numeric claimLine is plain digits, as
 * JSON writes the number. A row copies them, making no string.
 */
export interface Envelope {
  idStart: number;
  idEnd: number;
  lineStart: number;
  lineEnd: number;
  /** The claimLine is a JSON number (its digits), not a string. */
  lineIsNumber: boolean;
}

export interface NdjsonRequestReader {
  /** The request on `b[start, end)`, one line of valid UTF-8 without its newline; or undefined. */
  read(b: Uint8Array, start: number, end: number): NormalizedRequest | undefined;
  /** The envelope of the line last read: rewritten by each read(). */
  readonly envelope: Envelope;
}

/** The envelope's values, as JSON.parse gives them. */
export function envelopeValues(
  e: Envelope,
  b: Uint8Array,
): { claimId: string | undefined; claimLine: string | number | undefined } {
  const t = (s: number, x: number) =>
    Buffer.from(b.buffer, b.byteOffset, b.length).toString('utf8', s, x);
  return {
    claimId: e.idStart < 0 ? undefined : t(e.idStart, e.idEnd),
    claimLine:
      e.lineStart < 0
        ? undefined
        : e.lineIsNumber
          ? Number(t(e.lineStart, e.lineEnd))
          : t(e.lineStart, e.lineEnd),
  };
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;

// The request's keys and the envelope's: the names are matched as bytes, the numbers switched on.
enum Key {
  payer,
  lineOfBusiness,
  planType,
  medicarePrimary,
  providerParticipating,
  groupPolicy,
  homePlan,
  dateOfService,
  setting,
  drug,
  route,
  indication,
  procedureCodes,
  diagnosisCodes,
  claimId,
  claimLine,
}

/**
 * Known strings as bytes. A string token is matched where it stands: of the candidates that
 * share its first byte, the one followed by the closing quote whose bytes match is it. So
 * the token is read once, not scanned for its end and then compared. An escape or any other
 * byte makes it no match, as does a non-ASCII byte (no known string has one).
 */
class ByteVocabulary<T> {
  // The known strings in flat arrays, those that share a first byte side by side: a candidate is
  // checked by its length and its words without loading an object of its own.
  /** Per first byte: where its candidates start, and how many there are. */
  private readonly first = new Int32Array(256);
  private readonly count = new Int32Array(256);
  private readonly lengths: Int32Array;
  /** Where each candidate's words start in `words`. */
  private readonly offsets: Int32Array;
  /** Each candidate's bytes as words (byte-words.ts). */
  private readonly words: Int32Array;
  private readonly values: T[] = [];
  /** The closing quote of the last match. */
  end = -1;

  constructor(entries: Iterable<[string, T]>) {
    const known = [...entries]
      .map(([text, value]) => ({ bytes: Buffer.from(text), value }))
      .filter((k) => k.bytes.length > 0)
      .sort((x, y) => x.bytes[0]! - y.bytes[0]!);
    this.lengths = new Int32Array(known.length);
    this.offsets = new Int32Array(known.length);
    this.words = new Int32Array(known.reduce((n, k) => n + wordCount(k.bytes.length), 0));
    let o = 0;
    known.forEach((k, i) => {
      const f = k.bytes[0]!;
      if (this.count[f] === 0) this.first[f] = i;
      this.count[f]!++;
      this.lengths[i] = k.bytes.length;
      this.offsets[i] = o;
      storeWords(k.bytes, viewOf(k.bytes), 0, k.bytes.length, this.words, o);
      o += wordCount(k.bytes.length);
      this.values.push(k.value);
    });
  }

  /**
   * The known string whose token's text starts at `s` (after its opening quote), or undefined.
   * `v` views the same bytes as `b`.
   */
  match(b: Uint8Array, v: DataView, s: number, end: number): T | undefined {
    const f = b[s]!;
    const last = this.first[f]! + this.count[f]!;
    for (let j = this.first[f]!; j < last; j++) {
      const n = this.lengths[j]!;
      const e = s + n;
      if (e >= end || b[e] !== QUOTE) continue;
      if (!equalsWords(b, v, s, n, this.words, this.offsets[j]!)) continue;
      this.end = e;
      return this.values[j];
    }
    return undefined;
  }
}

/**
 * Strings read before, by their bytes: a code or a drug name seen on an earlier line costs a
 * hash and a compare instead of a new string and its own hash. Bounded: past the bound, values
 * are still made, only not kept.
 *
 * The keys sit in one array of words (byte-words.ts) and their hashes, lengths and offsets in
 * typed arrays: a slot is checked without touching an object per key, each of which was a cache
 * miss of its own.
 */
class ByteInterner<T> {
  private static readonly SLOTS = 1 << 14;
  private readonly hashes = new Int32Array(ByteInterner.SLOTS);
  /** The key's length in bytes; -1 for an empty slot. */
  private readonly lengths = new Int32Array(ByteInterner.SLOTS).fill(-1);
  /** Where the key starts in `words`. */
  private readonly offsets = new Int32Array(ByteInterner.SLOTS);
  private readonly values: (T | null)[] = new Array(ByteInterner.SLOTS).fill(null);
  private words = new Int32Array(1 << 12);
  /** Of `words`, those in use. */
  private used = 0;
  private size = 0;

  constructor(private readonly make: (text: string) => T | null) {}

  /**
   * The value for the ASCII bytes `b[s, e)`: made by `make` the first time; null if it refused.
   * `v` views the same bytes as `b`; `h` is their hash (hashOf), when the caller has it.
   */
  get(b: Uint8Array, v: DataView, s: number, e: number, h = hashOf(b, s, e)): T | null {
    const mask = ByteInterner.SLOTS - 1;
    const len = e - s;
    let i = h & mask;
    for (;;) {
      const n = this.lengths[i]!;
      if (n < 0) break;
      if (
        n === len &&
        this.hashes[i] === h &&
        equalsWords(b, v, s, len, this.words, this.offsets[i]!)
      )
        return this.values[i]!;
      i = (i + 1) & mask;
    }
    const value = this.make(latin1(b, s, e));
    if (this.size < ByteInterner.SLOTS >> 1) {
      const need = wordCount(len);
      if (this.used + need > this.words.length) {
        const grown = new Int32Array(Math.max(this.words.length * 2, this.used + need));
        grown.set(this.words);
        this.words = grown;
      }
      // A copy: the chunk moves on.
      storeWords(b, v, s, len, this.words, this.used);
      this.size++;
      this.hashes[i] = h;
      this.lengths[i] = len;
      this.offsets[i] = this.used;
      this.values[i] = value;
      this.used += need;
    }
    return value;
  }
}

const HASH_SEED = 0x811c9dc5 | 0;
const HASH_PRIME = 0x01000193;

/** FNV-1a of `b[s, e)`. */
function hashOf(b: Uint8Array, s: number, e: number): number {
  let h = HASH_SEED;
  for (let i = s; i < e; i++) h = Math.imul(h ^ b[i]!, HASH_PRIME);
  return h;
}

type Slicing = {
  latin1Slice(s: number, e: number): string;
  utf8Slice(s: number, e: number): string;
};
// Buffer's own slicers: toString(encoding, start, end) spends more on its arguments than on a
// short string.
const latin1 = (b: Uint8Array, s: number, e: number) => (b as unknown as Slicing).latin1Slice(s, e);
const utf8 = (b: Uint8Array, s: number, e: number) => (b as unknown as Slicing).utf8Slice(s, e);

const words = (xs: Iterable<string>) => new ByteVocabulary([...xs].map((x) => [x, x] as const));

const VOCABULARY_KEYS =
  (1 << Key.payer) |
  (1 << Key.lineOfBusiness) |
  (1 << Key.planType) |
  (1 << Key.setting) |
  (1 << Key.route) |
  (1 << Key.indication);

export function ndjsonRequestReader(checks: FastChecks): NdjsonRequestReader {
  const keys = new ByteVocabulary(
    Object.entries(Key).filter((e): e is [string, Key] => typeof e[1] === 'number'),
  );
  // The keys whose values are known strings, and those strings.
  const vocabularies: (ByteVocabulary<string> | undefined)[] = [];
  vocabularies[Key.payer] = words(checks.payers);
  vocabularies[Key.lineOfBusiness] = words(LINES_OF_BUSINESS);
  vocabularies[Key.planType] = words(PLAN_TYPES);
  vocabularies[Key.setting] = words(SETTINGS);
  vocabularies[Key.route] = words(ROUTES);
  vocabularies[Key.indication] = words(checks.families.keys());
  const procCodes = new ByteInterner(checks.procCode);
  const icdKeys = new ByteInterner(checks.icdKey);
  const drugs = new ByteInterner(checks.drugName);
  // Dates by their digits, in a table indexed by year, month and day: the string is made and
  // checked once per day, and a line costs an array load (a Map keyed by the number cost more
  // than the rest of the date's reading).
  const DATE_YEARS = 400; // 1900 to 2299; others are read each time
  const dates: (string | null | undefined)[] = new Array(DATE_YEARS * 13 * 32).fill(undefined);

  // The values of the list being read, before the list is made at its size (listOf): a list
  // grown by push() from empty gets room for 17, about 150 bytes, and a line has two lists.
  // One for both: a line's lists are read one after the other.
  const scratch: unknown[] = [];

  // Where the last token read ended, and whether its bytes were all ASCII: cursors instead of a
  // result object per token.
  let pos = 0;
  let ascii = true;

  /** The closing quote of the string token opening at `p`, or -1 (an escape, a control byte). */
  function stringEnd(b: Uint8Array, p: number, end: number): number {
    let high = 0;
    for (let q = p + 1; q < end; q++) {
      const c = b[q]!;
      if (c === QUOTE) {
        ascii = high < 0x80;
        return q;
      }
      if (c === BACKSLASH || c < 0x20) return -1;
      high |= c;
    }
    return -1;
  }

  function text(b: Uint8Array, s: number, e: number): string {
    return ascii ? latin1(b, s, e) : utf8(b, s, e);
  }

  function date(b: Uint8Array, s: number, e: number): string | undefined {
    if (e - s !== 10 || b[s + 4] !== 0x2d || b[s + 7] !== 0x2d) return undefined;
    let year = 0;
    for (let i = 0; i < 4; i++) {
      const d = b[s + i]! - 0x30;
      if (d < 0 || d > 9) return undefined;
      year = year * 10 + d;
    }
    const m1 = b[s + 5]! - 0x30;
    const m2 = b[s + 6]! - 0x30;
    const d1 = b[s + 8]! - 0x30;
    const d2 = b[s + 9]! - 0x30;
    if (m1 < 0 || m1 > 9 || m2 < 0 || m2 > 9 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9)
      return undefined;
    const month = m1 * 10 + m2;
    const day = d1 * 10 + d2;
    // Out of the table's range (and so never a valid date in it): checked each time.
    if (year < 1900 || year >= 1900 + DATE_YEARS || month > 12 || day > 31) {
      const t = text(b, s, e);
      return checks.calendarDate(t) ? t : undefined;
    }
    const slot = ((year - 1900) * 13 + month) * 32 + day;
    let v = dates[slot];
    if (v === undefined) {
      const t = text(b, s, e);
      v = dates[slot] = checks.calendarDate(t) ? t : null;
    }
    return v ?? undefined;
  }

  /** An array of short ASCII strings, each mapped by `each`; undefined if anything is off. */
  function stringArray<T>(
    b: Uint8Array,
    p: number,
    end: number,
    max: number,
    maxLength: number,
    codes: ByteInterner<T>,
  ): T[] | undefined {
    p = skipSpace(b, p + 1, end);
    if (p < end && b[p] === 0x5d) {
      pos = p + 1;
      return emptyList();
    }
    const out = scratch as T[];
    let n = 0;
    for (;;) {
      if (p >= end || b[p] !== QUOTE || n === max) return undefined;
      // The code's end and its hash in one pass: ASCII, no escape or control byte.
      let h = HASH_SEED;
      let q = p + 1;
      for (; q < end; q++) {
        const c = b[q]!;
        if (c === QUOTE || c === BACKSLASH || c < 0x20 || c >= 0x80) break;
        h = Math.imul(h ^ c, HASH_PRIME);
      }
      if (q >= end || b[q] !== QUOTE || q - p - 1 > maxLength) return undefined;
      const v = codes.get(b, view, p + 1, q, h);
      if (v === null) return undefined;
      out[n++] = v;
      p = skipSpace(b, q + 1, end);
      if (p >= end) return undefined;
      if (b[p] === 0x5d) {
        pos = p + 1;
        return listOf(out, n);
      }
      if (b[p] !== COMMA) return undefined;
      p = skipSpace(b, p + 1, end);
    }
  }

  const fields: FastFields = {
    payer: '',
    dateOfService: '',
    lineOfBusiness: 'commercial',
    medicarePrimary: false,
    groupPolicy: false,
    planType: undefined,
    providerParticipating: undefined,
    homePlan: undefined,
    setting: undefined,
    drug: undefined,
    route: undefined,
    indication: undefined,
    procedureCodes: NO_PROCEDURE_CODES,
    diagnosisCodes: NO_DIAGNOSIS_CODES,
  };
  const envelope: Envelope = {
    idStart: -1,
    idEnd: -1,
    lineStart: -1,
    lineEnd: -1,
    lineIsNumber: false,
  };

  // A view of the bytes being read, for matching known strings four bytes at a time: made once
  // per buffer (a chunk's lines share one).
  let viewed: Uint8Array | undefined;
  let view: DataView = new DataView(new ArrayBuffer(0));

  function read(b: Uint8Array, start: number, end: number): NormalizedRequest | undefined {
    if (b !== viewed) {
      view = viewOf(b);
      viewed = b;
    }
    let p = skipSpace(b, start, end);
    if (p >= end || b[p] !== 0x7b) return undefined;
    p = skipSpace(b, p + 1, end);
    // One fields object per reader, reset for each line: the request is the one object made.
    const f = fields;
    f.payer = '';
    f.dateOfService = '';
    f.lineOfBusiness = 'commercial';
    f.medicarePrimary = false;
    f.groupPolicy = false;
    f.planType = undefined;
    f.providerParticipating = undefined;
    f.homePlan = undefined;
    f.setting = undefined;
    f.drug = undefined;
    f.route = undefined;
    f.indication = undefined;
    f.procedureCodes = NO_PROCEDURE_CODES;
    f.diagnosisCodes = NO_DIAGNOSIS_CODES;
    let idStart = -1;
    let idEnd = -1;
    let lineStart = -1;
    let lineEnd = -1;
    let lineIsNumber = false;
    let seen = 0;
    for (;;) {
      if (p >= end || b[p] !== QUOTE) return undefined;
      const key = keys.match(b, view, p + 1, end);
      if (key === undefined || seen & (1 << key)) return undefined;
      seen |= 1 << key;
      p = skipSpace(b, keys.end + 1, end);
      if (p >= end || b[p] !== COLON) return undefined;
      p = skipSpace(b, p + 1, end);
      if (p >= end) return undefined;
      const c = b[p]!;
      if (c === QUOTE && VOCABULARY_KEYS & (1 << key)) {
        const words = vocabularies[key]!;
        const v = words.match(b, view, p + 1, end);
        if (v === undefined) return undefined;
        switch (key) {
          case Key.payer:
            f.payer = v;
            break;
          case Key.lineOfBusiness:
            f.lineOfBusiness = v;
            break;
          case Key.planType:
            f.planType = v;
            break;
          case Key.setting:
            f.setting = v;
            break;
          case Key.route:
            f.route = v;
            break;
          case Key.indication:
            f.indication = v;
        }
        p = words.end + 1;
      } else if (c === QUOTE) {
        const q = stringEnd(b, p, end);
        if (q < 0) return undefined;
        const s = p + 1;
        switch (key) {
          case Key.dateOfService: {
            const v = date(b, s, q);
            if (v === undefined) return undefined;
            f.dateOfService = v;
            break;
          }
          case Key.drug: {
            if (!ascii) return undefined;
            const v = drugs.get(b, view, s, q);
            if (v === null) return undefined;
            f.drug = v;
            break;
          }
          case Key.homePlan: {
            if (!ascii) return undefined;
            const v = text(b, s, q);
            if (!homePlanString(v)) return undefined;
            f.homePlan = v;
            break;
          }
          case Key.claimId:
            idStart = s;
            idEnd = q;
            break;
          case Key.claimLine:
            lineStart = s;
            lineEnd = q;
            lineIsNumber = false;
            break;
          default:
            return undefined; // a string where the request has a boolean or an array
        }
        p = q + 1;
      } else if (c === 0x74 /* t */ || c === 0x66 /* f */) {
        const v = c === 0x74;
        if (!(v ? isWord(b, p, end, TRUE) : isWord(b, p, end, FALSE))) return undefined;
        if (key === Key.medicarePrimary) f.medicarePrimary = v;
        else if (key === Key.groupPolicy) f.groupPolicy = v;
        else if (key === Key.providerParticipating) f.providerParticipating = v;
        else return undefined;
        p += v ? 4 : 5;
      } else if (c === 0x5b /* [ */) {
        if (key === Key.procedureCodes) {
          const v = stringArray<ProcedureCode>(
            b,
            p,
            end,
            MAX_PROCEDURE_CODES,
            MAX_PROCEDURE_CODE_LENGTH,
            procCodes,
          );
          if (v === undefined) return undefined;
          f.procedureCodes = v;
        } else if (key === Key.diagnosisCodes) {
          const v = stringArray<string>(
            b,
            p,
            end,
            MAX_DIAGNOSIS_CODES,
            MAX_DIAGNOSIS_CODE_LENGTH,
            icdKeys,
          );
          if (v === undefined) return undefined;
          f.diagnosisCodes = v;
        } else return undefined;
        p = pos;
      } else if (key === Key.claimLine && c >= 0x31 && c <= 0x39) {
        // A line number: digits, no sign, fraction or exponent (JSON.parse knows those best).
        // At most 15 digits, so the number is exact and JSON writes it back as these digits.
        let q = p;
        for (; q < end && q - p < 15; q++) {
          const d = b[q]! - 0x30;
          if (d < 0 || d > 9) break;
        }
        if (
          q < end &&
          ((b[q]! >= 0x30 && b[q]! <= 0x39) || b[q] === 0x2e || (b[q]! | 0x20) === 0x65)
        )
          return undefined;
        lineStart = p;
        lineEnd = q;
        lineIsNumber = true;
        p = q;
      } else return undefined;
      p = skipSpace(b, p, end);
      if (p >= end) return undefined;
      if (b[p] === 0x7d) break;
      if (b[p] !== COMMA) return undefined;
      p = skipSpace(b, p + 1, end);
    }
    if (skipSpace(b, p + 1, end) !== end) return undefined;
    if (!(seen & (1 << Key.payer)) || !(seen & (1 << Key.dateOfService))) return undefined;
    envelope.idStart = idStart;
    envelope.idEnd = idEnd;
    envelope.lineStart = lineStart;
    envelope.lineEnd = lineEnd;
    envelope.lineIsNumber = lineIsNumber;
    return normalizedRequest(f);
  }

  return { read, envelope };
}

// A line without a code list: shared, of the class of filled lists (model/empty-list.ts). Never
// written to: the engine only reads a request's lists.
const NO_PROCEDURE_CODES = emptyList<ProcedureCode>();
const NO_DIAGNOSIS_CODES = emptyList<string>();

const TRUE = [0x74, 0x72, 0x75, 0x65];
const FALSE = [0x66, 0x61, 0x6c, 0x73, 0x65];

function isWord(b: Uint8Array, p: number, end: number, w: readonly number[]): boolean {
  if (p + w.length > end) return false;
  for (let i = 0; i < w.length; i++) if (b[p + i] !== w[i]) return false;
  return true;
}

function skipSpace(b: Uint8Array, p: number, end: number): number {
  // Nearly always called on a byte that is no space (a line written by a program has none): every
  // byte above the space character is settled by one compare.
  for (; p < end; p++) {
    const c = b[p]!;
    if (c > 0x20 || (c !== 0x20 && c !== 0x09)) break;
  }
  return p;
}
