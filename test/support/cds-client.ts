// A CDS client (EHR) as the service sees it: an issuer with an ES384 key, signing a fresh token
// per call for the exact service URL.
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { TrustedIssuer } from '../../src/adapters/cdshooks/index.js';

export interface CdsClient {
  issuer: TrustedIssuer;
  /** A signed token for `aud`; a new jti unless one is given. */
  token(aud: string, jti?: string): Promise<string>;
}

export async function cdsClient(iss = 'https://ehr.example'): Promise<CdsClient> {
  const { privateKey, publicKey } = await generateKeyPair('ES384', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'ehr-1', alg: 'ES384' };
  return {
    issuer: { iss, jwks: { keys: [jwk] } },
    token: (aud, jti = randomUUID()) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'ES384', kid: 'ehr-1', typ: 'JWT' })
        .setIssuer(iss)
        .setAudience(aud)
        .setIssuedAt()
        .setExpirationTime('5m')
        .setJti(jti)
        .sign(privateKey),
  };
}
