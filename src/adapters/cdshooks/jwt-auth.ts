// Authenticating the CDS client (CDS Hooks "Trusting CDS Clients"): a JWT bearer token signed
// with ES384 or RS384, `kid` in the header, keys from the issuer's allowlisted `jku` or from keys
// configured for it, `iss` allowlisted, `aud` the exact service URL, `exp`/`iat` present, `iat` not
// ahead of our clock, `exp` at most maxLifetimeSec from now, and (iss, jti) not seen before.
// Symmetric algorithms and `none` are refused.
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

/**
 * Remembers each (iss, jti) until its token can no longer be accepted. `seen` claims the pair and
 * says whether it was already claimed. Keyed by issuer too: `jti` is unique only per issuer, so one
 * client's nonce must not lock out another's. A rejection (the store is down) fails the call with
 * 503: a token whose replay could not be checked is never accepted.
 */
export interface ReplayCache {
  seen(iss: string, jti: string, expiresAtSec: number): boolean | Promise<boolean>;
}

/**
 * In process memory: lost on restart and not shared between instances, so only for tests and
 * embedding. The HTTP service uses the database-backed store (src/store/jti-replay-store.ts).
 */
export class MemoryReplayCache implements ReplayCache {
  private entries = new Map<string, number>();
  constructor(
    private readonly now: () => number = () => Date.now() / 1000,
    private readonly maxEntries = 100_000,
  ) {}
  seen(iss: string, jti: string, expiresAtSec: number): boolean {
    const now = this.now();
    if (this.entries.size >= this.maxEntries)
      for (const [k, exp] of this.entries) if (exp < now) this.entries.delete(k);
    // JSON keeps the pair unambiguous whatever characters either part holds.
    const key = JSON.stringify([iss, jti]);
    const known = this.entries.get(key);
    if (known !== undefined && known >= now) return true;
    this.entries.set(key, expiresAtSec);
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
  /** Tokens may not live longer than this, seconds from now to exp (default 3600). */
  maxLifetimeSec?: number;
  now?: () => Date;
}

/** 401: the token is refused. 503: its replay check could not be made; the caller may retry. */
export type JwtAuthResult =
  { ok: true; iss: string; jti: string } | { ok: false; status: 401 | 503; message: string };

/** Longest `jti` stored; Inferno sends 64 hex characters, and a row per call must stay small. */
const MAX_JTI_LENGTH = 256;

const remoteSets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();
const localSets = new WeakMap<JSONWebKeySet, ReturnType<typeof createLocalJWKSet>>();

function deny(message: string): JwtAuthResult {
  return { ok: false, status: 401, message };
}

export async function verifyCdsClientJwt(
  authorizationHeader: string | undefined,
  opts: JwtAuthOptions,
): Promise<JwtAuthResult> {
  const m = /^Bearer\s+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)\s*$/i.exec(
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
  const tolerance = opts.clockToleranceSec ?? 30;
  let payload: Awaited<ReturnType<typeof jwtVerify>>['payload'];
  try {
    ({ payload } = await jwtVerify(token, keys, {
      algorithms: [...ALLOWED_ALGORITHMS],
      audience: opts.audience,
      issuer: issuer.iss,
      clockTolerance: tolerance,
      requiredClaims: ['iss', 'aud', 'exp', 'iat', 'jti'],
      currentDate: now,
    }));
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
  // jose checks that exp is not past; the bounds on iat and on the lifetime are ours.
  const nowSec = now.getTime() / 1000;
  const { iat, exp } = payload;
  if (typeof iat !== 'number' || typeof exp !== 'number')
    return deny('claims iat and exp must be NumericDate numbers');
  // A token minted for the future would outlive any lifetime bound measured from its iat.
  if (iat > nowSec + tolerance)
    return deny(
      `the token is issued in the future (iat is ${Math.round(iat - nowSec)} s ahead of this server's clock; ${tolerance} s allowed)`,
    );
  // From now, not from iat: exp - iat says nothing when iat is whatever the client chose.
  const maxLifetime = opts.maxLifetimeSec ?? 3600;
  if (exp - nowSec > maxLifetime)
    return deny(`the token lives too long (exp is more than ${maxLifetime} s from now)`);
  const jti = payload.jti;
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH)
    return deny(`claim jti must be a string of 1 to ${MAX_JTI_LENGTH} characters`);
  let replayed: boolean;
  try {
    // Kept until jose would no longer accept the token: exp plus the clock tolerance.
    replayed = await opts.replayCache.seen(issuer.iss, jti, exp + tolerance);
  } catch {
    return {
      ok: false,
      status: 503,
      message: 'the token could not be checked for replay just now; retry shortly',
    };
  }
  if (replayed) return deny('the token has been used before (jti replay)');
  return { ok: true, iss: issuer.iss, jti };
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
