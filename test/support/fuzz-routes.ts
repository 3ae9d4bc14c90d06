// Which route a request target reaches, worked out from the target itself as Fastify's router
// (find-my-way) decodes it, not from request.url as the service's own hooks read it: the two
// differ exactly where a percent-encoded path slips past a prefix check.

export type RouteId =
  | 'determine'
  | 'compare'
  | 'list'
  | 'get'
  | 'policies'
  | 'policy'
  | 'policy-source'
  | 'code'
  | 'code-search'
  | 'cds-discovery'
  | 'cds-hook'
  | 'pas-submit'
  | 'pas-read'
  | 'dtr-package'
  | 'dtr-next'
  | 'healthz'
  | 'openapi'
  | 'docs'
  | 'web';

/** Routes whose 2xx answer says "this decision is on record". */
export const RECORDING_ROUTES: ReadonlySet<RouteId> = new Set([
  'determine',
  'compare',
  'pas-submit',
  'cds-hook',
]);

const ROUTES: { method: string; pattern: RegExp; route: RouteId }[] = [
  { method: 'POST', pattern: /^\/v1\/determinations$/, route: 'determine' },
  { method: 'POST', pattern: /^\/v1\/compare$/, route: 'compare' },
  { method: 'GET', pattern: /^\/v1\/determinations$/, route: 'list' },
  { method: 'GET', pattern: /^\/v1\/determinations\/[^/]+$/, route: 'get' },
  { method: 'GET', pattern: /^\/v1\/policies$/, route: 'policies' },
  { method: 'GET', pattern: /^\/v1\/policies\/[^/]+$/, route: 'policy' },
  { method: 'GET', pattern: /^\/v1\/policies\/[^/]+\/source$/, route: 'policy-source' },
  { method: 'GET', pattern: /^\/v1\/codes\/[^/]+\/[^/]+$/, route: 'code' },
  { method: 'GET', pattern: /^\/v1\/codes\/[^/]+$/, route: 'code-search' },
  { method: 'GET', pattern: /^\/cds-services$/, route: 'cds-discovery' },
  { method: 'POST', pattern: /^\/cds-services\/[^/]+$/, route: 'cds-hook' },
  { method: 'POST', pattern: /^\/fhir\/Claim\/\$submit$/, route: 'pas-submit' },
  { method: 'GET', pattern: /^\/fhir\/ClaimResponse\/[^/]+$/, route: 'pas-read' },
  {
    method: 'POST',
    pattern: /^\/fhir\/Questionnaire\/\$questionnaire-package$/,
    route: 'dtr-package',
  },
  { method: 'POST', pattern: /^\/fhir\/Questionnaire\/\$next-question$/, route: 'dtr-next' },
  { method: 'GET', pattern: /^\/healthz$/, route: 'healthz' },
  { method: 'GET', pattern: /^\/openapi\.json$/, route: 'openapi' },
  { method: 'GET', pattern: /^\/docs(\/.*)?$/, route: 'docs' },
  { method: 'GET', pattern: /^\/$/, route: 'web' },
];

/** The path part of a request target: up to the first '?' or '#', as the router splits it. */
export function rawPath(target: string): string {
  const end = target.search(/[?#]/);
  return end === -1 ? target : target.slice(0, end);
}

// Decodes every run of valid percent-encoded UTF-8 and leaves the rest as sent. `keep` holds the
// characters the router leaves encoded in a path (decodeURI's reserved set).
function tolerantDecode(path: string, keep: RegExp | undefined): string {
  return path.replace(/(%[0-9a-fA-F]{2})+/g, (run) => {
    try {
      const decoded = decodeURIComponent(run);
      if (!keep) return decoded;
      // Re-encode what decodeURI would have kept encoded, one character at a time.
      let out = '';
      let i = 0;
      for (const ch of decoded) {
        const bytes = Buffer.byteLength(ch);
        out += keep.test(ch) ? run.slice(i, i + 3 * bytes) : ch;
        i += 3 * bytes;
      }
      return out;
    } catch {
      // Not UTF-8 as a whole: its ASCII escapes (%2F, %66) still read as the characters they
      // name, as a client reading the URL would take them; the rest stays as sent.
      return run.replace(/%([0-7][0-9a-f])/gi, (esc, hex: string) => {
        const ch = String.fromCharCode(parseInt(hex, 16));
        return keep?.test(ch) ? esc : ch;
      });
    }
  });
}

/**
 * The path every percent-encoding decoded: what a prefix check must look at. Undecodable runs
 * (%ff, a lone surrogate's bytes) stay as sent.
 */
export function decodedPath(target: string): string {
  return tolerantDecode(rawPath(target), undefined);
}

/** The route the router matches for this method and target, if any. HEAD reaches GET routes. */
export function matchRoute(method: string, target: string): RouteId | undefined {
  const path = tolerantDecode(rawPath(target), /[#$&+,/:;=?@]/);
  const m = method === 'HEAD' ? 'GET' : method;
  return ROUTES.find((r) => r.method === m && r.pattern.test(path))?.route;
}

/** API keys guard these prefixes however the path is spelled. */
export function isKeyProtected(target: string): boolean {
  // Doubled slashes too: a router that merged them would otherwise reach a route unguarded.
  const p = decodedPath(target).replace(/\/+/g, '/');
  return /^\/(v1|fhir)(\/|$)/.test(p);
}

/** Where errors must be FHIR OperationOutcome rather than problem+json. */
export function isFhirFamily(target: string): boolean {
  return /^\/(fhir|cds-services)(\/|$)/.test(decodedPath(target));
}

export function isCdsFamily(target: string): boolean {
  return /^\/cds-services(\/|$)/.test(decodedPath(target));
}
