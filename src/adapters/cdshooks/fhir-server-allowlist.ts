// Which EHR FHIR servers this service reads from, and so sends the client's access token to. The
// `fhirServer` of a call is chosen by the caller: left open, it lets any caller make this service
// fetch a URL of its choosing (SSRF) and hand it a bearer token (CRD sec-9).

/**
 * The trust list's `fhirServers`: base URLs, or 'any' — only for development on loopback without
 * client JWTs, where the caller is the developer.
 */
export type FhirServerTrust = readonly string[] | 'any';

function httpUrl(s: string): URL | undefined {
  try {
    const u = new URL(s);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
    if (u.username || u.password || u.search || u.hash) return undefined;
    return u;
  } catch {
    return undefined;
  }
}

const trimmed = (s: string) => s.replace(/\/+$/, '');

/** Throws on a base that is not a plain http(s) URL, so a bad trust list fails the start. */
export function fhirServerMatcher(trust: FhirServerTrust): (fhirServer: string) => boolean {
  if (trust === 'any') return (s) => httpUrl(s) !== undefined;
  const bases = trust.map((b) => {
    const u = httpUrl(b);
    if (!u) throw new Error(`fhirServers: ${JSON.stringify(b)} is not an http(s) base URL`);
    return { origin: u.origin, path: trimmed(u.pathname) };
  });
  return (fhirServer) => {
    const u = httpUrl(fhirServer);
    if (!u) return false;
    // The prefix test below is on the parsed path, which is what fetch contacts, so `..` cannot
    // step out of a base. Requiring the canonical form too (no dot segments, %2e, backslashes,
    // default ports) keeps the URL we log and the URL we contact the same string.
    if (trimmed(u.href) !== trimmed(fhirServer)) return false;
    const path = trimmed(u.pathname);
    return bases.some(
      (b) => b.origin === u.origin && (path === b.path || path.startsWith(`${b.path}/`)),
    );
  };
}

/** Whether `url` (a searchset `next` link) lies under `fhirServer`, after URL normalization. */
export function underFhirServer(url: string, fhirServer: string): boolean {
  const u = httpUrl(url.split(/[?#]/)[0]!);
  const base = httpUrl(fhirServer);
  if (!u || !base || u.origin !== base.origin) return false;
  return u.pathname.startsWith(`${trimmed(base.pathname)}/`);
}
