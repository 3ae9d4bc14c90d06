// Mutations of the request body: of its JSON value (fields dropped, retyped, added; strings with
// lone surrogates or NUL; numbers no double holds; deep nesting), of its text (truncated, bytes
// flipped, keys duplicated) and of its bytes (invalid UTF-8).
import { bodyText, hasBody, verbatim, type Draft } from './fuzz-draft.js';
import type { Rng } from './fuzz-prng.js';

export type Stage = 'value' | 'text' | 'bytes' | 'request';

export interface Mutation {
  name: string;
  stage: Stage;
  /** Relative frequency among the mutations that apply. */
  weight: number;
  applies(d: Draft): boolean;
  /** Returns false when it did not change the meaning (kept `preserving`). */
  apply(d: Draft, r: Rng): boolean;
}

type Path = (string | number)[];
type Container = Record<string, unknown> | unknown[];

const isContainer = (v: unknown): v is Container => typeof v === 'object' && v !== null;

// Every node of the value, parents before children; capped so a PAS bundle stays cheap to walk.
function nodes(value: unknown, limit = 400): { path: Path; value: unknown }[] {
  const out: { path: Path; value: unknown }[] = [];
  const walk = (v: unknown, path: Path) => {
    if (out.length >= limit) return;
    out.push({ path, value: v });
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
    else if (isContainer(v)) for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
  };
  walk(value, []);
  return out;
}

function parentOf(root: unknown, path: Path): Container | undefined {
  let v = root;
  for (const k of path.slice(0, -1)) v = (v as Record<string | number, unknown>)[k];
  return isContainer(v) ? v : undefined;
}

function setAt(d: Draft, path: Path, value: unknown): void {
  if (path.length === 0) {
    d.body = value;
    return;
  }
  (parentOf(d.body, path) as Record<string | number, unknown>)[path.at(-1)!] = value;
}

const valueBody = (d: Draft) =>
  d.text === undefined && d.bytes === undefined && isContainer(d.body);
const textBody = (d: Draft) => d.bytes === undefined && hasBody(d);

const nonRoot = (d: Draft) => nodes(d.body).filter((n) => n.path.length > 0);
const strings = (d: Draft) =>
  nodes(d.body).filter(
    (n): n is { path: Path; value: string } => typeof n.value === 'string' && n.path.length > 0,
  );

const HUGE_NUMBERS = [
  '2147483648',
  '-2147483649',
  '9007199254740993',
  '123456789012345678901234567890',
  '1e309',
  '-1e309',
  '1E400',
  '1e-400',
  '-0',
  '-0.0',
  '0e0',
];
const ODD_DATES = [
  '2025-02-30',
  '2025-13-45',
  '0000-00-00',
  '9999-12-31',
  '2025-9-15',
  '+002025-09-15',
  '2025-09-15T25:00:00Z',
];
const ODD_VALUES: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  '',
  ' ',
  'x',
  'G90.521',
  [],
  {},
  [null],
  ['G90.521', 1],
  { a: 1 },
  '__proto__',
  'NaN',
  ...ODD_DATES,
];
const SURROGATES = ['\\ud800', '\\udfff', '\\ud800\\ud800', '\\udc00\\ud800', '\\udbff'];

// At the start or the end of the string: never inside one of its own escapes.
function escapedWith(s: string, insert: string, r: Rng): string {
  const json = JSON.stringify(s);
  return r.chance(0.5) ? `"${insert}${json.slice(1)}` : `${json.slice(0, -1)}${insert}"`;
}

function nested(kind: 'array' | 'object', depth: number): string {
  return kind === 'array'
    ? '['.repeat(depth) + ']'.repeat(depth)
    : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

const value = (
  name: string,
  weight: number,
  apply: (d: Draft, r: Rng) => boolean,
  applies = valueBody,
): Mutation => ({
  name,
  stage: 'value',
  weight,
  applies,
  apply,
});
const text = (name: string, weight: number, apply: (d: Draft, r: Rng) => boolean): Mutation => ({
  name,
  stage: 'text',
  weight,
  applies: textBody,
  apply,
});

export const BODY_MUTATIONS: Mutation[] = [
  value(
    'drop-field',
    6,
    (d, r) => {
      const n = r.pick(nonRoot(d));
      const parent = parentOf(d.body, n.path)!;
      if (Array.isArray(parent)) parent.splice(n.path.at(-1) as number, 1);
      else delete parent[n.path.at(-1) as string];
      return true;
    },
    (d) => valueBody(d) && nonRoot(d).length > 0,
  ),
  value(
    'retype-field',
    8,
    (d, r) => {
      setAt(d, r.pick(nonRoot(d)).path, structuredClone(r.pick(ODD_VALUES)));
      return true;
    },
    (d) => valueBody(d) && nonRoot(d).length > 0,
  ),
  value('add-field', 4, (d, r) => {
    const objects = nodes(d.body).filter((n) => isContainer(n.value) && !Array.isArray(n.value));
    if (objects.length === 0) return false;
    const o = r.pick(objects).value as Record<string, unknown>;
    o[r.pick(['fuzz', 'diagnosisCode', 'Payer', 'payer ', 'constructor', 'toString', ''])] =
      structuredClone(r.pick(ODD_VALUES));
    return true;
  }),
  value(
    'lone-surrogate',
    6,
    (d, r) => {
      const s = r.pick(strings(d));
      setAt(d, s.path, verbatim(d, escapedWith(s.value, r.pick(SURROGATES), r)));
      return true;
    },
    (d) => valueBody(d) && strings(d).length > 0,
  ),
  value(
    'nul-char',
    4,
    (d, r) => {
      const s = r.pick(strings(d));
      setAt(
        d,
        s.path,
        verbatim(d, escapedWith(s.value, r.pick(['\\u0000', '\\u0000\\u0000', '\\u001f']), r)),
      );
      return true;
    },
    (d) => valueBody(d) && strings(d).length > 0,
  ),
  value(
    'unicode-escape',
    3,
    (d, r) => {
      // "\u0062cbsma" is "bcbsma" to every JSON reader.
      const s = r.pick(strings(d).filter((n) => /[a-z]/i.test(n.value)));
      const json = JSON.stringify(s.value);
      const positions = [...json.slice(1, -1)].flatMap((c, i) =>
        /[a-z]/i.test(c) && json[i] !== '\\' ? [i + 1] : [],
      );
      if (positions.length === 0) return false;
      const at = r.pick(positions);
      const esc = `\\u${json.charCodeAt(at).toString(16).padStart(4, '0')}`;
      setAt(d, s.path, verbatim(d, json.slice(0, at) + esc + json.slice(at + 1)));
      return false;
    },
    (d) => valueBody(d) && strings(d).some((n) => /[a-z]/i.test(n.value)),
  ),
  value(
    'huge-number',
    5,
    (d, r) => {
      setAt(d, r.pick(nonRoot(d)).path, verbatim(d, r.pick(HUGE_NUMBERS)));
      return true;
    },
    (d) => valueBody(d) && nonRoot(d).length > 0,
  ),
  value('deep-nesting', 3, (d, r) => {
    const depth = r.pick([64, 1000, 10_000, 30_000, 200_000]);
    setAt(
      d,
      r.pick(nodes(d.body)).path,
      verbatim(d, nested(r.pick(['array', 'object'] as const), depth)),
    );
    return true;
  }),
  value(
    'big-array',
    2,
    (d, r) => {
      const n = r.pick([51, 1000, 20_000]);
      setAt(
        d,
        r.pick(nonRoot(d)).path,
        Array.from({ length: n }, () => r.pick(['G90.521', 'J3490', 1, null])),
      );
      return true;
    },
    (d) => valueBody(d) && nonRoot(d).length > 0,
  ),
  value('wrap-body', 2, (d, r) => {
    d.body = r.pick([[d.body], { request: d.body }, null, 'x', 42, [], {}]);
    return true;
  }),
  {
    name: 'whitespace',
    stage: 'value',
    weight: 3,
    applies: (d) => valueBody(d),
    apply: (d, r) => {
      d.indent = r.pick([1, 2, '\t', '\n', ' \r\n']);
      return false;
    },
  },
  text('truncate', 5, (d, r) => {
    const t = bodyText(d)!;
    d.text = t.slice(0, r.int(Math.max(1, t.length)));
    return true;
  }),
  text('flip-char', 5, (d, r) => {
    const t = bodyText(d)!;
    const at = r.int(Math.max(1, t.length));
    d.text = t.slice(0, at) + String.fromCharCode(r.int(128)) + t.slice(at + 1);
    return true;
  }),
  text('insert-token', 4, (d, r) => {
    const t = bodyText(d)!;
    const at = r.int(t.length + 1);
    d.text =
      t.slice(0, at) +
      r.pick([
        '"',
        '{',
        '}',
        '[',
        ']',
        ',',
        ':',
        '\\',
        'null',
        '\u0000',
        '\n',
        '1e309',
        '\\ud800',
      ]) +
      t.slice(at);
    return true;
  }),
  text('duplicate-key', 3, (d, r) => {
    // Most JSON readers keep the last of two equal keys; the first here is the odd one.
    const t = bodyText(d)!;
    if (!t.startsWith('{') || !isContainer(d.body) || Array.isArray(d.body)) return false;
    const keys = Object.keys(d.body);
    if (keys.length === 0) return false;
    const k = r.pick(keys);
    const dup = `${JSON.stringify(k)}:${JSON.stringify(r.pick(ODD_VALUES))}`;
    d.text = r.chance(0.5) ? `{${dup},${t.slice(1)}` : `${t.slice(0, -1)},${dup}}`;
    return true;
  }),
  text('proto-key', 2, (d, r) => {
    const t = bodyText(d)!;
    if (!t.startsWith('{') || t === '{}') return false;
    d.text = `{${r.pick(['"__proto__":{"isAdmin":true}', '"constructor":{"prototype":{"x":1}}', '"__proto__":null'])},${t.slice(1)}`;
    return true;
  }),
  text('bom', 1, (d) => {
    d.text = `\ufeff${bodyText(d)!}`;
    return true;
  }),
  text('trailing', 2, (d, r) => {
    const tail = r.pick([' \n', '\t', 'x', '}', '{}', '\u0000', ',', '\n{"payer":"bcbsma"}']);
    d.text = bodyText(d)! + tail;
    return !/^\s+$/.test(tail);
  }),
  text('replace-body', 2, (d, r) => {
    d.text = r.pick(['', ' ', 'null', '[]', '{}', '"x"', '0', 'true', '{"":""}', '\u0000']);
    return true;
  }),
  text('oversize', 1, (d) => {
    // Padding that is still valid JSON: only the size is wrong.
    d.text = bodyText(d)! + ' '.repeat(1024 * 1024 + 1);
    return true;
  }),
  {
    name: 'invalid-utf8',
    stage: 'bytes',
    weight: 3,
    applies: hasBody,
    apply: (d, r) => {
      const t = bodyText(d) ?? '';
      const quote = [...t.matchAll(/"/g)].map((m) => m.index);
      const at = quote.length > 0 ? r.pick(quote) + 1 : r.int(t.length + 1);
      const bad = Buffer.from(
        r.pick([
          [0xff],
          [0xc0, 0xaf],
          [0xed, 0xa0, 0x80],
          [0xe2, 0x82],
          [0xf8, 0x88, 0x80, 0x80, 0x80],
          [0xfe, 0xff],
        ]),
      );
      const before = Buffer.from(t.slice(0, at), 'utf8');
      d.bytes = Buffer.concat([before, bad, Buffer.from(t.slice(at), 'utf8')]);
      return true;
    },
  },
];
