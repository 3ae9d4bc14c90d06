// Authenticating the CDS client (CDS Hooks "Trusting CDS Clients"): a JWT bearer token signed
// with ES384 or RS384, `kid` in the header, keys from the issuer's allowlisted `jku` or from keys
// configured for it, `iss` allowlisted, `aud` the exact service URL, `exp`/`iat` present, `jti` not
// seen before. Symmetric algorithms and `none` are refused.
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type JSONWebKeySet,
} from 'jose';

export const ALLOWED_ALGORITHMS = ['ES384', 'RS384'] as const;

export interface TrustedIssuer {
  /** The `iss` the client puts in its tokens. */
  iss: string;
  /** JWK Set URLs this issuer may name in `jku`; a token naming another URL is refused. */
  jku?: string[];
  /** Keys exchanged out of band, for tokens without `jku`. */
  jwks?: JSONWebKeySet;
}

/** Remembers each `jti` until its token expires. `seen` records it and says whether it was known. */
export interface ReplayCache {
  seen(jti: string, expiresAtSec: number): boolean | Promise<boolean>;
}

export class MemoryReplayCache implements ReplayCache {
  private entries = new Map<string, number>();
  constructor(
    private readonly now: () => number = () => Date.now() / 1000,
    private readonly maxEntries = 100_000,
  ) {}
  seen(jti: string, expiresAtSec: number): boolean {
    const now = this.now();
    if (this.entries.size >= this.maxEntries)
      for (const [k, exp] of this.entries) if (exp < now) this.entries.delete(k);
    const known = this.entries.get(jti);
    if (known !== undefined && known >= now) return true;
    this.entries.set(jti, expiresAtSec);
    return false;
  }
}

export interface JwtAuthOptions {
  /** The exact URL being invoked, e.g. https://payer.example/cds-services/medpolicy-order-sign. */
  audience: string;
  issuers: readonly TrustedIssuer[];
  replayCache: ReplayCache;
  /** Allowed clock skew, seconds (default 30). */
  clockToleranceSec?: number;
  /** Tokens may not live longer than this, seconds from iat to exp (default 3600). */
  maxLifetimeSec?: number;
  now?: () => Date;
}

export type JwtAuthResult =
  { ok: true; iss: string; jti: string } | { ok: false; status: 401; message: string };

const remoteSets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();
const localSets = new WeakMap<JSONWebKeySet, ReturnType<typeof createLocalJWKSet>>();

function deny(message: string): JwtAuthResult {
  return { ok: false, status: 401, message };
}

export async function verifyCdsClientJwt(
  authorizationHeader: string | undefined,
  opts: JwtAuthOptions,
): Promise<JwtAuthResult> {
  const m = /^Bearer\s+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)\s*$/.exec(
    authorizationHeader ?? '',
  );
  if (!m) return deny('an Authorization: Bearer <JWT> header is required');
  const token = m[1]!;
  let header: ReturnType<typeof decodeProtectedHeader>;
  let claims: ReturnType<typeof decodeJwt>;
  try {
    header = decodeProtectedHeader(token);
    claims = decodeJwt(token);
  } catch {
    return deny('the bearer token is not a JWT');
  }
  if (!(ALLOWED_ALGORITHMS as readonly string[]).includes(String(header.alg)))
    return deny(
      `alg ${String(header.alg)} is not accepted; use ${ALLOWED_ALGORITHMS.join(' or ')}`,
    );
  if (typeof header.kid !== 'string' || header.kid.length === 0)
    return deny('the JWT header needs a kid');
  if (header.typ !== undefined && header.typ.toUpperCase() !== 'JWT')
    return deny('the JWT header typ must be JWT');
  const issuer = opts.issuers.find((i) => i.iss === claims.iss);
  if (!issuer) return deny(`issuer ${JSON.stringify(claims.iss ?? null)} is not trusted`);

  let keys: ReturnType<typeof createLocalJWKSet> | ReturnType<typeof createRemoteJWKSet>;
  if (header.jku !== undefined) {
    if (!(issuer.jku ?? []).includes(header.jku))
      return deny(`jku ${header.jku} is not allowlisted for issuer ${issuer.iss}`);
    let set = remoteSets.get(header.jku);
    if (!set)
      remoteSets.set(
        header.jku,
        (set = createRemoteJWKSet(new URL(header.jku), { timeoutDuration: 2000 })),
      );
    keys = set;
  } else if (issuer.jwks) {
    let set = localSets.get(issuer.jwks);
    if (!set) localSets.set(issuer.jwks, (set = createLocalJWKSet(issuer.jwks)));
    keys = set;
  } else return deny(`no keys are configured for issuer ${issuer.iss} and the token names no jku`);

  const now = opts.now?.() ?? new Date();
  try {
    const { payload } = await jwtVerify(token, keys, {
      algorithms: [...ALLOWED_ALGORITHMS],
      audience: opts.audience,
      issuer: issuer.iss,
      clockTolerance: opts.clockToleranceSec ?? 30,
      requiredClaims: ['iss', 'aud', 'exp', 'iat', 'jti'],
      currentDate: now,
    });
    const lifetime = (payload.exp ?? 0) - (payload.iat ?? 0);
    if (lifetime > (opts.maxLifetimeSec ?? 3600))
      return deny('the token lives too long (exp - iat)');
    if (await opts.replayCache.seen(String(payload.jti), payload.exp ?? 0))
      return deny('the token has been used before (jti replay)');
    return { ok: true, iss: issuer.iss, jti: String(payload.jti) };
  } catch (e) {
    if (e instanceof errors.JWTExpired) return deny('the token has expired');
    if (e instanceof errors.JWTClaimValidationFailed)
      return deny(`claim ${e.claim} is invalid (${e.reason})`);
    if (e instanceof errors.JWKSNoMatchingKey)
      return deny(`no key with kid ${header.kid} for issuer ${issuer.iss}`);
    if (e instanceof errors.JWSSignatureVerificationFailed)
      return deny('the token signature does not verify');
    if (e instanceof errors.JOSEAlgNotAllowed) return deny('the token algorithm is not accepted');
    return deny(`the token could not be verified (${(e as Error).message})`);
  }
}

/**
 * Whether calls from `remoteAddress` must carry a client JWT. Default `non-loopback`: on by
 * default, off only for calls from this machine (local development, tests).
 */
export function clientAuthRequired(
  remoteAddress: string | undefined,
  mode: 'always' | 'never' | 'non-loopback' = 'non-loopback',
): boolean {
  if (mode !== 'non-loopback') return mode === 'always';
  const a = remoteAddress ?? '';
  return !(a === '::1' || a.startsWith('127.') || a.startsWith('::ffff:127.'));
}
