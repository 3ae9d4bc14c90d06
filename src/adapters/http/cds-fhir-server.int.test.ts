// SSRF through `fhirServer`: the caller names the server the service reads from and hands it the
// access token. A listening server stands in for an attacker's (or an internal) host and records
// whether it was contacted.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { cdsClient, type CdsClient } from '../../../test/support/cds-client.js';
import { orderSignCall } from '../../../test/support/crd-orders.js';
import { testServer } from '../../../test/support/http-server.js';
import { loadContext } from '../../service/load-context.js';
import type { AuditStore } from '../../store/audit-store.js';
import { openStore } from '../../store/open-store.js';
import type { CdsOptions } from './routes/cds-hooks.js';

const ctx = loadContext({});
const PUBLIC = 'http://127.0.0.1:8080';
const SERVICE = `${PUBLIC}/cds-services/medpolicy-order-sign`;
const STATUS_TEXT = 'Upstream-Secret-Status';
const BODY_MARKER = 'upstream-body-marker';

interface Upstream {
  base: string;
  hits: { path: string; authorization: string | undefined }[];
  close(): Promise<void>;
}

/** Answers every request 418 with a distinctive status text and body. */
async function upstream(): Promise<Upstream> {
  const hits: Upstream['hits'] = [];
  const server: Server = createServer((req, res) => {
    hits.push({ path: req.url ?? '', authorization: req.headers.authorization });
    res.writeHead(418, STATUS_TEXT, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ secret: BODY_MARKER }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`,
    hits,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** What the caller could learn about the upstream: the answer minus ids (a uuid may hold "418"). */
function visible(body: string): string {
  return body.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<id>');
}

describe('CDS fhirServer: read only when on the trust list', () => {
  let store: AuditStore;
  let target: Upstream;
  let ehr: CdsClient;
  before(async () => {
    store = await openStore({ dataDir: 'memory://' });
    target = await upstream();
    ehr = await cdsClient();
  });
  after(async () => {
    await target.close();
    await store.close();
  });

  async function callWith(cds: CdsOptions | undefined, logs?: string[]) {
    const app: FastifyInstance = await testServer(ctx, store, {
      publicUrl: () => PUBLIC,
      ...(cds ? { cds } : {}),
      ...(logs
        ? {
            logger: {
              level: 'warn',
              stream: new Writable({
                write(chunk: Buffer, _enc, done) {
                  logs.push(chunk.toString());
                  done();
                },
              }),
            },
          }
        : {}),
    });
    try {
      const before = target.hits.length;
      const res = await app.inject({
        method: 'POST',
        url: '/cds-services/medpolicy-order-sign',
        payload: JSON.stringify(
          orderSignCall({
            payerName: 'Medica',
            withoutCoveragePrefetch: true,
            fhirServer: target.base,
            accessToken: 'caller-access-token',
          }),
        ),
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${await ehr.token(SERVICE)}`,
        },
      });
      return { res, hits: target.hits.slice(before) };
    } finally {
      await app.close();
    }
  }

  test('JWT required and no fhirServers listed: the fhirServer is not contacted', async () => {
    const { res, hits } = await callWith({ auth: 'always', issuers: [ehr.issuer] });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(hits.length, 0, 'the unlisted fhirServer was contacted');
    assert.match(res.body, /not one this service reads from/);
  });

  test('no JWT and no list (the embedded default): not contacted either', async () => {
    const { res, hits } = await callWith(undefined);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(hits.length, 0, 'the unlisted fhirServer was contacted');
  });

  test('listed: contacted with the token; its failure is logged without token or patient, and not echoed', async () => {
    const logs: string[] = [];
    const { res, hits } = await callWith(
      { auth: 'always', issuers: [ehr.issuer], fhirServers: [target.base] },
      logs,
    );
    assert.equal(res.statusCode, 200, res.body);
    assert.ok(hits.length > 0, 'the listed fhirServer was not contacted');
    assert.equal(hits[0]!.authorization, 'Bearer caller-access-token');
    const seen = visible(res.body);
    assert.match(seen, /Coverage could not be read from the EHR/);
    for (const leak of ['418', STATUS_TEXT, BODY_MARKER])
      assert.ok(!seen.includes(leak), `the answer shows the upstream's ${leak}`);
    const log = logs.join('');
    assert.match(log, /EHR read failed/);
    assert.match(log, /HTTP 418/);
    assert.doesNotMatch(log, /caller-access-token|pat-1|upstream-body-marker/);
  });

  test('"any" (loopback development) reads any fhirServer, and is refused when JWTs are required', async () => {
    const { hits } = await callWith({ auth: 'never', issuers: [], fhirServers: 'any' });
    assert.ok(hits.length > 0);
    await assert.rejects(
      testServer(ctx, store, { cds: { auth: 'always', issuers: [], fhirServers: 'any' } }),
      /loopback development/,
    );
  });
});
