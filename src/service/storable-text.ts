import { problem, type Problem } from '../model/problem.js';

// Only \u escapes can put these into parsed JSON: a raw unpaired surrogate is not valid UTF-8,
// and the decoder turns it into U+FFFD. So text without such an escape needs no walk.
const SUSPECT_ESCAPE = /\\u(?:0000|d[89a-f][0-9a-f]{2})/i;

/**
 * The first string in a parsed JSON body that the audit store could not hold: an unpaired
 * UTF-16 surrogate (no Unicode character; PostgreSQL's JSON types refuse it) or NUL (refused by
 * PostgreSQL text). Such a request is refused as the client's error, naming the field, before it
 * is decided: otherwise it would be decided and then fail the commit it shares with others.
 */
export function unstorableText(text: string, value: unknown): Problem | undefined {
  if (!SUSPECT_ESCAPE.test(text)) return undefined;
  return find(value, '');
}

function find(value: unknown, path: string): Problem | undefined {
  if (typeof value === 'string') return checkString(value, path);
  if (typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = find(value[i], `${path}/${i}`);
      if (p) return p;
    }
    return undefined;
  }
  for (const [k, v] of Object.entries(value)) {
    const where = `${path}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    const p = checkString(k, where) ?? find(v, where);
    if (p) return p;
  }
  return undefined;
}

// An unpaired surrogate: a high one not followed by a low one, or a low one not after a high one.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function checkString(s: string, path: string): Problem | undefined {
  if (s.includes('\u0000'))
    return problem(
      'invalid-value',
      `${path.slice(1) || 'the request'} holds a NUL character (\\u0000)`,
      path,
      'remove the \\u0000 escape; no field of a request needs it',
    );
  if (LONE_SURROGATE.test(s))
    return problem(
      'invalid-value',
      `${path.slice(1) || 'the request'} holds an unpaired UTF-16 surrogate, which is no character`,
      path,
      'send text as UTF-8, or escape a character outside the BMP as a \\uD8xx\\uDCxx pair',
    );
  return undefined;
}
