// Mutations of everything but the body: the path (percent-encoded spellings of any character,
// the route prefixes included; bad escapes; very long), the query string, the method, headers.
import type { Mutation } from './fuzz-body-mutations.js';
import type { Draft } from './fuzz-draft.js';
import type { Rng } from './fuzz-prng.js';

const pct = (ch: string, r: Rng) =>
  [...Buffer.from(ch, 'utf8')]
    .map((b) => {
      const hex = b.toString(16).padStart(2, '0');
      return `%${r.chance(0.5) ? hex.toUpperCase() : hex}`;
    })
    .join('');

/** Percent-encodes the character at `at` of the path. */
function encodeAt(path: string, at: number, r: Rng): string {
  return path.slice(0, at) + pct(path[at]!, r) + path.slice(at + 1);
}

const ODD_IDS = [
  '%00',
  '%2e%2e',
  '..',
  '.',
  'x'.repeat(65),
  'x'.repeat(129),
  '%ed%a0%80',
  '%f0%9f%98%80',
  '%ff',
  "'%20OR%201=1--",
  '00000000-0000-0000-0000-000000000000',
  'null',
  '-1',
  '9'.repeat(30),
  'a%2Fb',
  '%20',
  '%C3%A9',
];

const ODD_QUERY: Record<string, string[]> = {
  from: [
    '2025-02-30',
    '2025-13-45',
    '0000-00-00',
    '9999-99-99',
    '2025-01-01T99:99:99Z',
    '2025-01-01T00:00:00+99:99',
    '2025-01-01T::Z',
    '2025-1-1',
    '',
  ],
  to: ['2025-13-45', '2025-02-30', '0000-00-00', '2025-12-31T24:00:00Z', '2025-06-31', ''],
  serviceFrom: ['2025-02-30', '2025-13-45', 'x'],
  serviceTo: ['0000-00-00', '2025-13-45'],
  payer: ['%00', '%ff', '%ed%a0%80', "'%20OR%201=1--", 'x'.repeat(65), '', '%25'],
  outcome: ['maybe', '', 'COVERED', '%00'],
  policy: ['x'.repeat(129), '%00', '%ed%a0%80'],
  limit: ['0', '201', '-1', 'abc', '1e3', '50.0', '007', '%00', ''],
  cursor: ['9'.repeat(18), '9'.repeat(19), '-1', '0x10', '', '%00'],
  explain: ['full', 'FULL', '', '1'],
  date: ['2025-02-30', '2025-13-45', 'x', ''],
  q: ['', '%00', 'x'.repeat(65), '%ed%a0%80', '%25'],
};
const UNKNOWN_PARAMS = [
  'payr=bcbsma',
  '__proto__=1',
  'constructor=x',
  'a[b]=c',
  'explain=full',
  'unknown',
  'x=%00',
];

const request = (
  name: string,
  weight: number,
  apply: (d: Draft, r: Rng) => boolean,
  applies: (d: Draft) => boolean = () => true,
): Mutation => ({
  name,
  stage: 'request',
  weight,
  applies,
  apply,
});

export const REQUEST_MUTATIONS: Mutation[] = [
  // The mutation the API-key check missed: /%761/determinations, /v%31/..., /%66hir/...
  request(
    'path-encode-prefix',
    10,
    (d, r) => {
      const end = d.path.indexOf('/', 1);
      const at = 1 + r.int((end === -1 ? d.path.length : end) - 1);
      d.path = encodeAt(d.path, at, r);
      return true;
    },
    (d) => d.path.length > 1,
  ),
  request(
    'path-encode-any',
    5,
    (d, r) => {
      const positions = [...d.path].flatMap((c, i) => (c !== '/' && c !== '%' ? [i] : []));
      const chosen = new Set(Array.from({ length: 1 + r.int(3) }, () => r.pick(positions)));
      // Right to left, so that growing one character to %XX does not move the others.
      for (const at of [...chosen].sort((a, b) => b - a)) d.path = encodeAt(d.path, at, r);
      return true;
    },
    (d) => d.path.length > 1,
  ),
  request('path-encode-slash', 2, (d, r) => {
    const slashes = [...d.path].flatMap((c, i) => (c === '/' && i > 0 ? [i] : []));
    if (slashes.length === 0) return false;
    const at = r.pick(slashes);
    d.path = d.path.slice(0, at) + r.pick(['%2F', '%2f', '%5C']) + d.path.slice(at + 1);
    return true;
  }),
  request('path-bad-percent', 4, (d, r) => {
    const at = r.chance(0.5) ? d.path.length : 1 + r.int(d.path.length);
    d.path =
      d.path.slice(0, at) +
      r.pick(['%ff', '%', '%zz', '%c0%af', '%ed%a0%80', '%00', '%e2%82', '%2', '%%', '%u0076']) +
      d.path.slice(at);
    return true;
  }),
  request('path-long', 2, (d, r) => {
    const n = r.pick([300, 2_000, 9_000, 17_000, 70_000]);
    d.path = r.chance(0.5) ? `${d.path}/${'a'.repeat(n)}` : `${d.path}${'/x'.repeat(n / 2)}`;
    return true;
  }),
  request('path-case', 2, (d, r) => {
    d.path = r.chance(0.5)
      ? d.path.replace(/[a-z]/g, (c) => c.toUpperCase()) // ASCII only: ÿ would become Ÿ, unsendable
      : d.path.replace(/^\/[a-z]/, (m) => m.toUpperCase());
    return true;
  }),
  request('path-slashes', 2, (d, r) => {
    d.path = r.chance(0.5)
      ? `${d.path}/`
      : d.path.replace(/\//g, (m) => (r.chance(0.3) ? '//' : m));
    return true;
  }),
  request('path-dots', 2, (d, r) => {
    const slashes = [...d.path].flatMap((c, i) => (c === '/' ? [i] : []));
    const at = r.pick(slashes);
    d.path =
      d.path.slice(0, at) +
      r.pick(['/.', '/x/..', '/%2e', '/%2e%2e/v1', '/./.']) +
      d.path.slice(at);
    return true;
  }),
  request('path-semicolon', 1, (d, r) => {
    d.path += r.pick([';x=1', ';', ';jsessionid=0']);
    return true;
  }),
  request('path-latin1', 1, (d, r) => {
    // Sent as single bytes: not UTF-8, not percent-encoded.
    const at = 1 + r.int(d.path.length);
    d.path = d.path.slice(0, at) + r.pick(['\u00e9', '\u00ff', '\u0080']) + d.path.slice(at);
    return true;
  }),
  request(
    'path-param',
    4,
    (d, r) => {
      const i = d.path.lastIndexOf('/');
      d.path = d.path.slice(0, i + 1) + r.pick(ODD_IDS);
      return true;
    },
    (d) => ['get', 'policy', 'code', 'cds-hook', 'pas-read'].includes(d.seed.route),
  ),
  request('query-odd-value', 6, (d, r) => {
    const names =
      d.seed.route === 'list'
        ? [
            'from',
            'to',
            'serviceFrom',
            'serviceTo',
            'payer',
            'outcome',
            'policy',
            'limit',
            'cursor',
          ]
        : d.seed.route === 'code-search'
          ? ['q', 'limit', 'date']
          : d.seed.route === 'code'
            ? ['date']
            : ['explain'];
    const name = r.pick(names);
    d.query = d.query.filter((q) => !q.startsWith(`${name}=`));
    d.query.push(`${name}=${r.pick(ODD_QUERY[name]!)}`);
    return true;
  }),
  request('query-unknown', 3, (d, r) => {
    d.query.push(r.pick(UNKNOWN_PARAMS));
    return true;
  }),
  request('query-duplicate', 2, (d, r) => {
    d.query.push(
      d.query.length > 0 ? r.pick(d.query) : 'limit=1',
      r.pick(['limit=2', 'payer=medica', 'explain=full']),
    );
    return true;
  }),
  request('query-garbage', 2, (d, r) => {
    d.queryRaw = r.pick([
      '',
      '&&&',
      '=',
      'a',
      '%',
      '%ff=1',
      'a=%ff',
      'payer',
      'x'.repeat(20_000),
      '?',
      'a=b#frag',
      'payer=%ed%a0%80',
      'limit=1&&limit',
      '+=+',
    ]);
    return true;
  }),
  request(
    'query-encode',
    2,
    (d, r) => {
      // payer=%62cbsma is payer=bcbsma: percent-encoding an unreserved character changes nothing.
      const i = r.int(d.query.length);
      const [name, value = ''] = d.query[i]!.split('=');
      // Never a hex digit of an escape already there: %3A → %3%41 would change the value.
      const inEscape = (k: number) => value[k - 1] === '%' || value[k - 2] === '%';
      const letters = [...value].flatMap((c, k) =>
        /[a-z0-9]/i.test(c) && !inEscape(k) ? [k] : [],
      );
      if (letters.length === 0) return false;
      d.query[i] = `${name}=${encodeAt(value, r.pick(letters), r)}`;
      return false;
    },
    (d) => d.query.length > 0,
  ),
  request(
    'query-reorder',
    1,
    (d, r) => {
      d.query.sort(() => r.next() - 0.5);
      return false;
    },
    (d) => d.query.length > 1,
  ),
  request('method', 4, (d, r) => {
    d.method = r.pick([
      'GET',
      'POST',
      'PUT',
      'DELETE',
      'PATCH',
      'OPTIONS',
      'HEAD',
      'TRACE',
      'PROPFIND',
      'FOO',
      'M-SEARCH',
    ]);
    // A body on HEAD has no meaning, and its answer none to frame it by: keep them apart.
    if (d.method === 'HEAD') {
      d.body = undefined;
      delete d.text;
      delete d.bytes;
    }
    return true;
  }),
  request(
    'get-with-body',
    1,
    (d) => {
      d.text = '{"payer":"bcbsma"}';
      d.headers['content-type'] ??= 'application/json';
      return true;
    },
    (d) => d.seed.method === 'GET' && d.method === 'GET',
  ),
  request('accept', 2, (d, r) => {
    const accept = r.pick([
      'application/json',
      'application/fhir+json',
      '*/*',
      'application/problem+json',
      'text/html',
      'application/xml',
      '',
    ]);
    d.headers['accept'] = accept;
    return !/json|\*\/\*|^$/.test(accept);
  }),
  request('proxy-headers', 2, (d, r) => {
    d.headers[
      r.pick([
        'x-forwarded-for',
        'x-real-ip',
        'forwarded',
        'x-forwarded-host',
        'origin',
        'x-request-id',
      ])
    ] = r.pick([
      '10.0.0.1',
      '127.0.0.1',
      'for=1.2.3.4',
      'evil.example',
      'https://elsewhere.example',
      'x'.repeat(300),
    ]);
    return false;
  }),
  request('content-encoding', 1, (d, r) => {
    d.headers['content-encoding'] = r.pick(['gzip', 'br', 'deflate', 'x-unknown']);
    return true;
  }),
  request('chunked', 2, (d) => {
    d.chunked = true;
    return false;
  }),
];
