// A request while the fuzzer is still changing it: the body stays a JSON value for as long as
// mutations work on values, becomes text for the text-level ones, then bytes.
import type { SeedRequest } from './fuzz-seeds.js';

export interface Draft {
  seed: SeedRequest;
  method: string;
  /** The path exactly as it will be sent (percent-encodings included). */
  path: string;
  /** Query pieces as sent ("name=value", already encoded), joined with '&'. */
  query: string[];
  /** Replaces the built query string when set ('' sends a bare '?'). */
  queryRaw?: string;
  headers: Record<string, string>;
  body: unknown;
  /** Set once a text-level mutation has turned the body into text. */
  text?: string;
  bytes?: Buffer;
  /** JSON.stringify indentation: whitespace changes nothing a JSON reader may see. */
  indent?: string | number;
  /**
   * Verbatim JSON texts (numbers JSON.stringify cannot write, escapes of lone surrogates, deep
   * nesting) stand in the value as "@@FZn@@" strings until serialization.
   */
  verbatim: string[];
  chunked: boolean;
  /** A CDS client JWT for this audience is signed when the request is sent. */
  jwtAudience?: string;
  /** Nothing done to it changes what it means: the service must answer it as it answers the seed. */
  preserving: boolean;
  applied: string[];
}

/** A string that serializes to the given JSON text. */
export function verbatim(d: Draft, json: string): string {
  d.verbatim.push(json);
  return `@@FZ${d.verbatim.length - 1}@@`;
}

export function hasBody(d: Draft): boolean {
  return d.body !== undefined || d.text !== undefined || d.bytes !== undefined;
}

/** The body as text, serializing the value (and its verbatim stand-ins) on first use. */
export function bodyText(d: Draft): string | undefined {
  if (d.text !== undefined) return d.text;
  if (d.body === undefined) return undefined;
  const json = JSON.stringify(d.body, null, d.indent) ?? 'null';
  d.text = json.replace(/"@@FZ(\d+)@@"/g, (_m, i: string) => d.verbatim[Number(i)]!);
  return d.text;
}

export function bodyBytes(d: Draft): Buffer | undefined {
  if (d.bytes) return d.bytes;
  const text = bodyText(d);
  return text === undefined ? undefined : Buffer.from(text, 'utf8');
}

export function target(d: Draft): string {
  const q = d.queryRaw ?? (d.query.length > 0 ? d.query.join('&') : undefined);
  return q === undefined ? d.path : `${d.path}?${q}`;
}
