import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import {
  clientAuthRequired,
  MemoryReplayCache,
  verifyCdsClientJwt,
  type JwtAuthOptions,
} from './jwt-auth.js';

const AUD = 'https://payer.example/cds-services/medpolicy-order-sign';
const ISS = 'https://ehr.example/cds-client';

type Key = Awaited<ReturnType<typeof generateKeyPair>>;
const keys: Record<string, Key> = {};
const jwks: { keys: JWK[] } = { keys: [] };

async function token(
  alg: 'ES384' | 'RS384',
  o: {
    aud?: string;
    iss?: string;
    exp?: number;
    iat?: number;
    jti?: string;
    kid?: string | null;
    jku?: string;
    key?: Key;
  } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const header: Record<string, unknown> = { alg, typ: 'JWT' };
  if (o.kid !== null) header['kid'] = o.kid ?? alg;
  if (o.jku) header['jku'] = o.jku;
  return new SignJWT({})
    .setProtectedHeader(header as { alg: string })
    .setIssuer(o.iss ?? ISS)
    .setAudience(o.aud ?? AUD)
    .setIssuedAt(o.iat ?? now)
    .setExpirationTime(o.exp ?? now + 300)
    .setJti(o.jti ?? randomBytes(32).toString('hex'))
    .sign((o.key ?? keys[alg]!).privateKey);
}

function opts(extra: Partial<JwtAuthOptions> = {}): JwtAuthOptions {
  return {
    audience: AUD,
    issuers: [{ iss: ISS, jwks }],
    replayCache: new MemoryReplayCache(),
    ...extra,
  };
}

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('CDS client JWT', () => {
  let jwksServer: Server;
  let jku = '';
  before(async () => {
    for (const alg of ['ES384', 'RS384'] as const) {
      keys[alg] = await generateKeyPair(alg, { extractable: true });
      jwks.keys.push({ ...(await exportJWK(keys[alg]!.publicKey)), kid: alg, alg, use: 'sig' });
    }
    jwksServer = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(jwks));
    });
    await new Promise<void>((r) => jwksServer.listen(0, '127.0.0.1', r));
    jku = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`;
  });
  after(() => new Promise<void>((r) => jwksServer.close(() => r())));

  for (const alg of ['ES384', 'RS384'] as const)
    it(`accepts ${alg} with configured keys`, async () => {
      const r = await verifyCdsClientJwt(`Bearer ${await token(alg)}`, opts());
      assert.deepEqual(r.ok && r.iss, ISS);
    });

  it('accepts keys fetched from an allowlisted jku', async () => {
    const r = await verifyCdsClientJwt(
      `Bearer ${await token('ES384', { jku })}`,
      opts({ issuers: [{ iss: ISS, jku: [jku] }] }),
    );
    assert.ok(r.ok, JSON.stringify(r));
  });

  it('refuses a jku that is not allowlisted, without fetching it', async () => {
    const r = await verifyCdsClientJwt(
      `Bearer ${await token('ES384', { jku: 'https://attacker.example/jwks.json' })}`,
      opts({ issuers: [{ iss: ISS, jku: [jku], jwks }] }),
    );
    assert.deepEqual(r, {
      ok: false,
      status: 401,
      message:
        'jku https://attacker.example/jwks.json is not allowlisted for issuer https://ehr.example/cds-client',
    });
  });

  it('refuses HS256 (symmetric) and alg none', async () => {
    const secret = new TextEncoder().encode('a-shared-secret-of-at-least-32-bytes!!');
    const hs = await new SignJWT({ jti: 'x' })
      .setProtectedHeader({ alg: 'HS256', kid: 'k', typ: 'JWT' })
      .setIssuer(ISS)
      .setAudience(AUD)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(secret);
    const r1 = await verifyCdsClientJwt(`Bearer ${hs}`, opts());
    assert.equal(r1.ok, false);
    assert.match((r1 as { message: string }).message, /alg HS256/);
    const now = Math.floor(Date.now() / 1000);
    const none = `${b64({ alg: 'none', kid: 'ES384', typ: 'JWT' })}.${b64({ iss: ISS, aud: AUD, iat: now, exp: now + 60, jti: 'n' })}.`;
    const r2 = await verifyCdsClientJwt(`Bearer ${none}`, opts());
    assert.match((r2 as { message: string }).message, /alg none/);
  });

  it('refuses a token signed by a key the issuer does not own', async () => {
    const other = await generateKeyPair('ES384');
    const r = await verifyCdsClientJwt(`Bearer ${await token('ES384', { key: other })}`, opts());
    assert.match((r as { message: string }).message, /signature/);
  });

  const rejects: [string, () => Promise<string>, RegExp][] = [
    [
      'a wrong audience',
      () => token('ES384', { aud: 'https://payer.example/cds-services/other' }),
      /aud/,
    ],
    ['an audience with a trailing slash', () => token('ES384', { aud: `${AUD}/` }), /aud/],
    ['an untrusted issuer', () => token('ES384', { iss: 'https://evil.example' }), /not trusted/],
    [
      'an expired token',
      () =>
        token('ES384', {
          iat: Math.floor(Date.now() / 1000) - 600,
          exp: Math.floor(Date.now() / 1000) - 120,
        }),
      /expired/,
    ],
    ['a token without kid', () => token('ES384', { kid: null }), /kid/],
    ['an unknown kid', () => token('ES384', { kid: 'nope' }), /kid nope/],
    [
      'a token that lives for a day',
      () => token('ES384', { exp: Math.floor(Date.now() / 1000) + 86400 }),
      /too long/,
    ],
  ];
  for (const [name, make, re] of rejects)
    it(`refuses ${name}`, async () => {
      const r = await verifyCdsClientJwt(`Bearer ${await make()}`, opts());
      assert.equal(r.ok, false);
      assert.equal((r as { status: number }).status, 401);
      assert.match((r as { message: string }).message, re);
    });

  it('refuses a replayed jti', async () => {
    const o = opts();
    const t = await token('RS384');
    assert.ok((await verifyCdsClientJwt(`Bearer ${t}`, o)).ok);
    const again = await verifyCdsClientJwt(`Bearer ${t}`, o);
    assert.match((again as { message: string }).message, /replay/);
  });

  it('refuses an iat an hour in the future, even with a short exp - iat', async () => {
    const iat = Math.floor(Date.now() / 1000) + 3600;
    const r = await verifyCdsClientJwt(
      `Bearer ${await token('ES384', { iat, exp: iat + 100 })}`,
      opts(),
    );
    assert.equal(r.ok, false);
    assert.equal((r as { status: number }).status, 401);
    assert.match((r as { message: string }).message, /issued in the future/);
  });

  it('measures the lifetime from now, not from iat', async () => {
    const now = Math.floor(Date.now() / 1000);
    // iat within the clock tolerance ahead: exp - iat is under an hour, exp - now is not.
    const long = await verifyCdsClientJwt(
      `Bearer ${await token('ES384', { iat: now + 25, exp: now + 3610 })}`,
      opts(),
    );
    assert.match((long as { message: string }).message, /too long .*from now/);
    // An old iat does not matter when the token has only a minute left.
    const old = await verifyCdsClientJwt(
      `Bearer ${await token('ES384', { iat: now - 7200, exp: now + 60 })}`,
      opts(),
    );
    assert.ok(old.ok, JSON.stringify(old));
  });

  it('the same jti from two issuers: both accepted, each once (jti is unique per issuer only)', async () => {
    const other = 'https://other-ehr.example/cds-client';
    const o = opts({
      issuers: [
        { iss: ISS, jwks },
        { iss: other, jwks },
      ],
    });
    const jti = 'shared-nonce-1';
    const mine = await token('ES384', { jti });
    const theirs = await token('ES384', { jti, iss: other });
    assert.ok((await verifyCdsClientJwt(`Bearer ${mine}`, o)).ok);
    const second = await verifyCdsClientJwt(`Bearer ${theirs}`, o);
    assert.ok(second.ok, JSON.stringify(second));
    assert.match(
      ((await verifyCdsClientJwt(`Bearer ${theirs}`, o)) as { message: string }).message,
      /replay/,
    );
  });

  it('a replay check that cannot be made answers 503 and does not accept the token', async () => {
    const r = await verifyCdsClientJwt(
      `Bearer ${await token('ES384')}`,
      opts({
        replayCache: {
          seen: () => Promise.reject(new Error('connection refused')),
        },
      }),
    );
    assert.equal(r.ok, false);
    assert.equal((r as { status: number }).status, 503);
    assert.doesNotMatch((r as { message: string }).message, /connection refused/);
  });

  it('refuses a missing or non-bearer header and garbage', async () => {
    for (const h of [undefined, '', 'Basic abc', 'Bearer', 'Bearer not-a-jwt', 'Bearer a.b.c'])
      assert.equal((await verifyCdsClientJwt(h, opts())).ok, false);
  });

  it('is required by default except from loopback', () => {
    assert.equal(clientAuthRequired('10.0.0.8'), true);
    assert.equal(clientAuthRequired(undefined), true);
    assert.equal(clientAuthRequired('127.0.0.1'), false);
    assert.equal(clientAuthRequired('::1'), false);
    assert.equal(clientAuthRequired('::ffff:127.0.0.1'), false);
    assert.equal(clientAuthRequired('127.0.0.1', 'always'), true);
  });
});
