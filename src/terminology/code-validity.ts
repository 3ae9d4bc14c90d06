import { dateNumber } from '../model/calendar-date.js';
import type { CodeRecord, CodeSystem } from './code-system.js';

/**
 * What a code set says of one code on every date, worked out on its first use and kept: a
 * request's code check is then a map lookup and a date compare, not a search of the code's
 * history (the engine checks every code of every request).
 */
export interface CodeValidity {
  readonly code: string;
  /** Undefined when the code set does not hold the code. */
  readonly record: CodeRecord | undefined;
  /**
   * The spans in which the code is billable: from, to, from, to… (inclusive dates as YYYYMMDD
   * numbers, calendar-date.ts). A plain array: V8 walks a frozen one about half as fast.
   */
  readonly billableSpans: readonly number[];
}

/** The code validities of one code set, each computed on first use. */
export interface CodeValidities {
  get(code: string): CodeValidity;
}

// Bounded, so a stream of distinct unknown codes cannot grow it without limit; past the bound a
// validity is computed again on each use, with the same result.
const LIMIT = 100_000;
// After every ISO date: an open-ended span.
const OPEN = 99991231;
const byCodeSystem = new WeakMap<CodeSystem, CodeValidities>();

export function codeValidities(cs: CodeSystem): CodeValidities {
  let v = byCodeSystem.get(cs);
  if (!v) {
    const byCode = new Map<string, CodeValidity>();
    v = {
      get(code) {
        let validity = byCode.get(code);
        if (!validity) {
          validity = validityOf(cs, code);
          if (byCode.size < LIMIT) byCode.set(code, validity);
        }
        return validity;
      },
    };
    byCodeSystem.set(cs, v);
  }
  return v;
}

/** Whether the code is billable on the date (a YYYYMMDD number: dateNumber). */
export function billableOn(v: CodeValidity, date: number): boolean {
  const spans = v.billableSpans;
  for (let i = 0; i < spans.length; i += 2)
    if (spans[i]! <= date && date <= spans[i + 1]!) return true;
  return false;
}

function validityOf(cs: CodeSystem, code: string): CodeValidity {
  const record = cs.get(code);
  const billableSpans: number[] = [];
  for (const w of record?.windows ?? [])
    if (w.billable)
      billableSpans.push(dateNumber(w.from), w.to === undefined ? OPEN : dateNumber(w.to));
  return Object.freeze({ code, record, billableSpans });
}
