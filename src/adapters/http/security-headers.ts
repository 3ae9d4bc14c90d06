import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';

type HelmetOptions = NonNullable<Parameters<typeof helmet>[0]>;

/**
 * The headers helmet sets, read off it once. With only static options (no per-request CSP
 * nonce), helmet sets the same headers on every response; running its middleware chain per
 * request costs a dozen validated `setHeader` calls on the raw response each time, and those
 * raw headers push Node's `writeHead` onto its slow merging path. Helmet stays the source of
 * the values; a CSP directive computed per request (a function) is refused, not frozen.
 */
export function staticSecurityHeaders(options: HelmetOptions): Readonly<Record<string, string>> {
  const csp = options.contentSecurityPolicy;
  const directives = typeof csp === 'object' ? Object.values(csp.directives ?? {}) : [];
  if (
    directives.some(
      (d) =>
        typeof d === 'function' || (Array.isArray(d) && d.some((v) => typeof v === 'function')),
    )
  ) {
    throw new Error('a CSP directive computed per request cannot be read off once');
  }
  const headers = new Map<string, string>();
  let finished = false;
  const recorder = {
    setHeader(name: string, value: unknown) {
      if (typeof value !== 'string') throw new Error(`helmet set ${name} to a non-string`);
      headers.set(name.toLowerCase(), value);
      return recorder;
    },
    removeHeader(name: string) {
      headers.delete(name.toLowerCase());
    },
  };
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (err?: unknown) => {
    if (err) throw err;
    finished = true;
  });
  if (!finished) throw new Error('helmet did not finish synchronously: its headers are not static');
  return Object.freeze(Object.fromEntries(headers));
}

export const SECURITY_OPTIONS: HelmetOptions = {
  // The docs page needs its own inline bootstrap; everything else is same-origin only.
  contentSecurityPolicy: {
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      frameAncestors: ["'none'"],
      fontSrc: ["'self'"],
      // Plain HTTP on loopback is the default deployment; upgrading would break it.
      upgradeInsecureRequests: null,
    },
  },
  // Served over plain HTTP on loopback by default; HSTS belongs to the TLS terminator.
  strictTransportSecurity: false,
};

/** The service's security headers, on every response a route (or the 404 handler) sends. */
export const SECURITY_HEADERS = staticSecurityHeaders(SECURITY_OPTIONS);
