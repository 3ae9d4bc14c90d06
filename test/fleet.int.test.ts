// Two instances on one PostgreSQL database behave as one service (README: "Running as a fleet").
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { SharedWindowCounter } from '../src/adapters/http/shared-window-counter.js';
import type { ServerOptions } from '../src/adapters/http/server.js';
import { packageRoot } from '../src/package-root.js';
import { loadContext } from '../src/service/load-context.js';
import type { AuditStore } from '../src/store/audit-store.js';
import { openStore } from '../src/store/open-store.js';
import { cdsClient } from './support/cds-client.js';
import { orderSignCall } from './support/crd-orders.js';
import { postJson, testServer } from './support/http-server.js';
import { freshDatabase, type FreshDatabase } from './support/postgres.js';

const ctx = loadContext({});
const PUBLIC = 'http://127.0.0.1:8080';
const CRPS = {
  payer: 'bcbsma',
  dateOfService: '2025-09-15',
  drug: 'ketamine',
  route: 'intravenous',
  diagnosisCodes: ['G90.521'],
};

interface Instance {
  store: AuditStore;
  app: FastifyInstance;
}

/** Rate windows are clock minutes shared by all instances: a test must not straddle two. */
async function awayFromMinuteEdge(neededMs = 4_000): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < neededMs) await new Promise((r) => setTimeout(r, left + 50));
}

describe('two instances on one PostgreSQL database', () => {
  let db: FreshDatabase;
  const open: Instance[] = [];
  const instance = async (extra: Partial<ServerOptions> = {}): Promise<Instance> => {
    const store = await openStore({ databaseUrl: db.url });
    const app = await testServer(ctx, store, { publicUrl: () => PUBLIC, ...extra });
    const i = { store, app };
    open.push(i);
    return i;
  };
  const pair = (extra: Partial<ServerOptions> = {}) =>
    Promise.all([instance(extra), instance(extra)]);

  before(async () => {
    db = await freshDatabase();
  });
  after(async () => {
    for (const i of open) {
      await i.app.close();
      await i.store.close();
    }
    await db.drop();
  });

  test('a CDS token used on one instance is refused by the other', async () => {
    const ehr = await cdsClient();
    const [a, b] = await pair({ cds: { auth: 'always', issuers: [ehr.issuer] } });
    const url = `${PUBLIC}/cds-services/medpolicy-order-sign`;
    const auth = { authorization: `Bearer ${await ehr.token(url)}` };
    const body = orderSignCall({ payerName: 'Medica' });
    assert.equal(
      (await postJson(a.app, '/cds-services/medpolicy-order-sign', body, auth)).statusCode,
      200,
    );
    const replay = await postJson(b.app, '/cds-services/medpolicy-order-sign', body, auth);
    assert.equal(replay.statusCode, 401);
    assert.match(replay.body, /replay/);
  });

  test('an Idempotency-Key used on one instance replays the first answer on the other, unrecorded', async () => {
    const [a, b] = await pair();
    const key = { 'idempotency-key': 'fleet-retry-1' };
    const first = await postJson(a.app, '/v1/determinations', CRPS, key);
    assert.equal(first.statusCode, 200);
    const count = await b.store.count();
    const again = await postJson(b.app, '/v1/determinations', CRPS, key);
    assert.equal(again.statusCode, 200);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.equal(again.body, first.body);
    assert.equal(await b.store.count(), count);
  });

  test('a key revoked through one instance is refused by the other within one second', async () => {
    const [a, b] = await pair({ requireApiKey: true });
    const { id, key } = await a.store.createApiKey('fleet desk');
    const auth = { authorization: `Bearer ${key}` };
    for (const i of [a, b])
      assert.equal((await postJson(i.app, '/v1/determinations', CRPS, auth)).statusCode, 200);
    // What `medpolicy keys revoke` does on PostgreSQL, and the key admin on the revoking instance.
    assert.equal(await a.store.revokeApiKey(id), true);
    const revokedAt = Date.now();
    a.app.keyAuth.forget();
    assert.equal((await postJson(a.app, '/v1/determinations', CRPS, auth)).statusCode, 401);
    let status = 200;
    while (status === 200 && Date.now() - revokedAt < 3_000) {
      status = (await postJson(b.app, '/v1/determinations', CRPS, auth)).statusCode;
      if (status === 200) await new Promise((r) => setTimeout(r, 25));
    }
    const took = Date.now() - revokedAt;
    assert.equal(status, 401);
    // One second of cache, plus the scheduling slack of a busy machine.
    assert.ok(took <= 1_250, `refused after ${took} ms`);
  });

  test('one key’s rate limit is shared: 10 a minute, 6 requests on each instance, 2 refused', async () => {
    await awayFromMinuteEdge();
    const [a, b] = await pair({ requireApiKey: true, rateLimitPerMinute: 10 });
    const { key } = await a.store.createApiKey('fleet limited');
    const auth = { authorization: `Bearer ${key}` };
    const statuses: number[] = [];
    for (let n = 0; n < 6; n++)
      for (const i of [a, b])
        statuses.push((await postJson(i.app, '/v1/determinations', CRPS, auth)).statusCode);
    // At a limit of 10 an instance counts 1 unshared (5%, at least 1): with two instances the
    // documented overshoot is (2 − 1) × 1 = 1, so 1 or 2 of the 12 are refused, never none.
    const refused = statuses.filter((s) => s === 429).length;
    assert.ok(refused >= 1 && refused <= 2, JSON.stringify(statuses));
    assert.equal(statuses.filter((s) => s === 200).length, 12 - refused);
    assert.deepEqual(statuses.slice(-2), [429, 429], 'the last two are over the limit');
  });

  test('failed key attempts from one address are counted by every instance together', async () => {
    await awayFromMinuteEdge();
    const [a, b] = await pair({ requireApiKey: true, rateLimitPerMinute: 4 });
    const bad = { authorization: 'Bearer mp_not-a-key' };
    const on = async (i: Instance) =>
      (await postJson(i.app, '/v1/determinations', CRPS, bad)).statusCode;
    for (let n = 0; n < 4; n++) assert.equal(await on(a), 401);
    await new Promise((r) => setTimeout(r, 700)); // A shares its failures within 500 ms
    const onB = [await on(b), await on(b)];
    assert.equal(onB.at(-1), 429, `B answered ${JSON.stringify(onB)}`);
  });

  test('concurrent counting on three instances exceeds the limit by at most the documented overshoot', async () => {
    await awayFromMinuteEdge();
    const limit = 200;
    const stores = await Promise.all([0, 1, 2].map(() => openStore({ databaseUrl: db.url })));
    const counters = stores.map(
      (s) =>
        new SharedWindowCounter({
          limit,
          windowMs: 60_000,
          add: (start, counts) => s.addToRateWindow(start, counts),
        }),
    );
    try {
      const admitted = await Promise.all(
        Array.from({ length: 600 }, async (_, n) => (await counters[n % 3]!.add('burst')) <= limit),
      );
      const over = admitted.filter(Boolean).length - limit;
      const budget = counters[0]!.budget;
      assert.equal(budget, 10);
      assert.ok(over >= 0 && over <= 2 * budget, `admitted ${over} over the limit`);
    } finally {
      for (const c of counters) await c.close();
      for (const s of stores) await s.close();
    }
  });
});

test('instances starting at once on a new database all migrate it', async () => {
  const db = await freshDatabase();
  try {
    const stores = await Promise.all([0, 1, 2].map(() => openStore({ databaseUrl: db.url })));
    for (const s of stores) await s.close();
  } finally {
    await db.drop();
  }
});

describe('medpolicy serve draining on SIGTERM', () => {
  let db: FreshDatabase;
  before(async () => {
    db = await freshDatabase();
  });
  after(() => db.drop());

  test('healthz answers 503 "draining" at once, requests are still decided, then it exits 0', async () => {
    const bin = join(packageRoot(), 'bin', 'medpolicy.js');
    const child = spawn(
      process.execPath,
      [bin, 'serve', '--port', '0', '--drain-ms', '1500', '--log-level', 'warn'],
      { env: { ...process.env, DATABASE_URL: db.url }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const exited = once(child, 'exit') as Promise<[number | null]>;
    try {
      let base: string | undefined;
      for (let n = 0; n < 400 && !base && child.exitCode === null; n++) {
        base = /medpolicy serving at (http:\/\/\S+) /.exec(err)?.[1];
        if (!base) await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(base, `serve did not start:\n${err}`);
      assert.equal((await fetch(`${base}/healthz`)).status, 200);
      const signalled = Date.now();
      child.kill('SIGTERM');
      let health = 200;
      while (health === 200 && Date.now() - signalled < 1_000)
        health = (await fetch(`${base}/healthz`)).status;
      assert.equal(health, 503);
      assert.equal(
        ((await (await fetch(`${base}/healthz`)).json()) as { status: string }).status,
        'draining',
      );
      const decided = await fetch(`${base}/v1/determinations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(CRPS),
      });
      assert.equal(decided.status, 200, 'a request during the drain is still decided');
      const [code] = await exited;
      assert.equal(code, 0);
      assert.ok(Date.now() - signalled >= 1_500, 'stopped before the drain period ended');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
