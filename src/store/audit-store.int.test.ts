import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { AuditEventV1 } from '../model/audit-event.js';
import { decideRequest } from '../service/decide-request.js';
import { loadContext } from '../service/load-context.js';
import { StoreUnavailableError } from '../service/audit-port.js';
import { freshDatabase, type FreshDatabase } from '../../test/support/postgres.js';
import pg from 'pg';
import { OVERLAP_AT, type AuditStore } from './audit-store.js';
import { MIGRATIONS } from './migrations.js';
import { openStore } from './open-store.js';

const ctx = loadContext({});

function event(payer: string, diagnosis: string, requester = 'local'): AuditEventV1 {
  const request = {
    payer,
    dateOfService: '2025-09-15',
    drug: 'ketamine',
    route: 'intravenous',
    diagnosisCodes: [diagnosis],
  };
  const r = decideRequest(request, ctx);
  assert.ok(r.ok);
  return {
    id: randomUUID(),
    recordedAt: new Date().toISOString(),
    requester,
    request,
    determination: r.determination,
  };
}

/** The same behaviour on both backends. */
function storeContract(name: string, open: () => Promise<AuditStore>) {
  describe(`audit store on ${name}`, () => {
    let store: AuditStore;
    before(async () => {
      store = await open();
    });
    after(async () => {
      await store.close();
    });

    test('a recorded determination reads back whole, with its request', async () => {
      const e = event('bcbsma', 'G90.521');
      await store.record([e]);
      const back = await store.get(e.id);
      assert.deepEqual(back, JSON.parse(JSON.stringify(e)));
      assert.equal(await store.get(randomUUID()), undefined);
      assert.equal(await store.get('not-a-uuid'), undefined);
    });

    test('each event stores its own request as its JSON text, also where a comparison shares one', async () => {
      const shared = event('bcbsma', 'G90.521');
      const other = event('bcbsal', 'F33.2');
      const events = [
        shared,
        { ...event('bcbsal', 'G90.521'), request: shared.request },
        other,
        { ...event('medica', 'G90.521'), request: shared.request },
      ];
      await store.record(events);
      const res = await store.db.query<{ id: string; request: string }>(
        'SELECT id::text AS id, request::text AS request FROM determinations WHERE id = ANY($1::uuid[])',
        [events.map((e) => e.id)],
      );
      const stored = new Map(res.rows.map((r) => [r.id, r.request]));
      for (const e of events) assert.equal(stored.get(e.id), JSON.stringify(e.request));
    });

    test('concurrent records all commit, and the list pages through them newest first without gaps', async () => {
      const before = await store.count();
      const events = Array.from({ length: 57 }, (_, i) =>
        event(i % 2 ? 'bcbsal' : 'medica', i % 3 ? 'G90.521' : 'F33.2', 'key_paging'),
      );
      await Promise.all(events.map((e) => store.record([e])));
      assert.equal(await store.count(), before + 57);
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.list({ requester: 'key_paging' }, 10, cursor);
        assert.ok(page.items.length <= 10);
        seen.push(...page.items.map((i) => i.id));
        cursor = page.nextCursor;
      } while (cursor);
      assert.equal(seen.length, 57);
      assert.equal(new Set(seen).size, 57);
      assert.deepEqual(new Set(seen), new Set(events.map((e) => e.id)));
    });

    test('filters by payer, outcome, policy and date range', async () => {
      const e = event('bcbsri', 'G90.521', 'key_filter');
      await store.record([e]);
      const d = e.determination;
      const byPayer = await store.list({ requester: 'key_filter', payer: 'bcbsri' }, 50);
      assert.deepEqual(
        byPayer.items.map((i) => i.id),
        [e.id],
      );
      assert.equal(byPayer.items[0]?.outcome, d.outcome);
      assert.equal(byPayer.items[0]?.dateOfService, '2025-09-15');
      assert.equal(
        (await store.list({ requester: 'key_filter', payer: 'bcbsma' }, 50)).items.length,
        0,
      );
      assert.equal(
        (await store.list({ requester: 'key_filter', outcome: d.outcome }, 50)).items.length,
        1,
      );
      assert.equal(
        (await store.list({ requester: 'key_filter', policy: d.policy?.id }, 50)).items.length,
        1,
      );
      assert.equal(
        (await store.list({ requester: 'key_filter', from: '2999-01-01' }, 50)).items.length,
        0,
      );
      const today = new Date().toISOString().slice(0, 10);
      assert.equal(
        (await store.list({ requester: 'key_filter', from: today, to: today }, 50)).items.length,
        1,
      );
    });

    test('an idempotency key keeps the first answer and writes nothing the second time', async () => {
      const first = event('bcbsal', 'G90.521', 'key_idem');
      const answer = { requestHash: 'h1', status: 200, body: JSON.stringify({ id: first.id }) };
      assert.deepEqual(await store.recordIdempotent('key_idem', 'k-1', answer, [first]), {
        stored: true,
      });
      const again = event('bcbsal', 'G90.521', 'key_idem');
      const second = await store.recordIdempotent(
        'key_idem',
        'k-1',
        { ...answer, body: JSON.stringify({ id: again.id }) },
        [again],
      );
      assert.deepEqual(second, { stored: false, first: answer });
      assert.equal(await store.get(again.id), undefined);
      assert.deepEqual(await store.findIdempotent('key_idem', 'k-1'), answer);
      assert.equal(await store.findIdempotent('someone-else', 'k-1'), undefined);
    });

    test('API keys are stored hashed, authenticate until revoked', async () => {
      const { id, key } = await store.createApiKey('desk');
      assert.match(key, /^mp_[A-Za-z0-9_-]{32}$/);
      const rows = await store.db.query<{ key_hash: string }>(
        'SELECT key_hash FROM api_keys WHERE id = $1',
        [id],
      );
      assert.notEqual(rows.rows[0]?.key_hash, key);
      assert.equal(await store.authenticate(key), id);
      assert.equal(await store.authenticate(key + 'x'), undefined);
      assert.ok((await store.listApiKeys()).some((k) => k.id === id && k.revokedAt === undefined));
      assert.equal(await store.revokeApiKey(id), true);
      assert.equal(await store.revokeApiKey(id), false);
      assert.equal(await store.authenticate(key), undefined);
    });

    test('a NUL character in a free-text field does not stop the record', async () => {
      const e = event('bcbsma', 'G90.521');
      const withNul = { ...e, request: { ...(e.request as object), drug: 'keta\u0000mine' } };
      await store.record([withNul]);
      assert.ok(await store.get(e.id));
    });
  });
}

storeContract('PGlite (in memory)', () => openStore({ dataDir: 'memory://' }));

const workerDir = mkdtempSync(join(tmpdir(), 'medpolicy-contract-'));
after(() => rmSync(workerDir, { recursive: true, force: true }));
storeContract('PGlite (a data directory, in its worker)', () =>
  openStore({ dataDir: join(workerDir, 'data') }),
);

let pgdb: FreshDatabase;
describe('PostgreSQL', () => {
  before(async () => {
    pgdb = await freshDatabase();
  });
  after(async () => {
    await pgdb.drop();
  });
  storeContract('PostgreSQL', () => openStore({ databaseUrl: pgdb.url }));

  test('migrations run once, even from two processes starting together', async () => {
    const [a, b] = await Promise.all([
      openStore({ databaseUrl: pgdb.url }),
      openStore({ databaseUrl: pgdb.url }),
    ]);
    const rows = await a.db.query<{ version: number }>(
      'SELECT version FROM schema_migrations ORDER BY version',
    );
    assert.deepEqual(
      rows.rows.map((r) => r.version),
      MIGRATIONS.map((m) => m.version),
    );
    await Promise.all([a.close(), b.close()]);
  });

  test('records that arrive while a commit is in flight wait for it and commit together, unless enough wait', async () => {
    const store = await openStore({ databaseUrl: pgdb.url });
    // Another session's lock holds every insert in flight until it commits: no timing involved.
    const locker = new pg.Client({ connectionString: pgdb.url });
    await locker.connect();
    const turn = () => new Promise((r) => setImmediate(r));
    const blockedInserts = async () => {
      const res = await locker.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
         WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      );
      return res.rows[0]!.n;
    };
    const commitsOf = async (ids: string[]) => {
      const res = await locker.query<{ n: number }>(
        'SELECT count(DISTINCT xmin::text)::int AS n FROM determinations WHERE id = ANY($1::uuid[])',
        [ids],
      );
      return res.rows[0]!.n;
    };
    try {
      // Connections ready beforehand: a new one would not finish connecting while the lock is held.
      await Promise.all([1, 2, 3, 4].map(() => store.db.query('SELECT pg_sleep(0.05)')));
      // A few, each in its own turn of the event loop while the first commit is held.
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE determinations IN SHARE ROW EXCLUSIVE MODE');
      const few = Array.from({ length: OVERLAP_AT - 2 }, () => event('bcbsma', 'G90.521'));
      const writes = [store.record([few[0]!])];
      while ((await blockedInserts()) < 1) await turn();
      for (const e of few.slice(1)) {
        writes.push(store.record([e]));
        await turn();
        await turn();
      }
      assert.equal(await blockedInserts(), 1, 'no second commit for a few waiting records');
      await locker.query('COMMIT');
      await Promise.all(writes);
      assert.equal(await commitsOf(few.map((e) => e.id)), 2);

      // A burst of OVERLAP_AT does not wait for the commit in flight.
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE determinations IN SHARE ROW EXCLUSIVE MODE');
      const first = event('bcbsma', 'G90.521');
      const burst = Array.from({ length: OVERLAP_AT }, () => event('bcbsal', 'G90.521'));
      const more = [store.record([first])];
      while ((await blockedInserts()) < 1) await turn();
      more.push(...burst.map((e) => store.record([e])));
      const deadline = Date.now() + 5_000;
      while ((await blockedInserts()) < 2 && Date.now() < deadline) await turn();
      assert.equal(await blockedInserts(), 2, 'the burst commits beside the one in flight');
      await locker.query('COMMIT');
      await Promise.all(more);
      assert.equal(await commitsOf([first.id, ...burst.map((e) => e.id)]), 2);
    } finally {
      await locker.end();
      await store.close();
    }
  });

  test('losing the database rejects with StoreUnavailableError, and the store recovers by itself', async () => {
    const store = await openStore({ databaseUrl: pgdb.url });
    try {
      await store.record([event('bcbsma', 'G90.521')]);
      await pgdb.cut();
      await assert.rejects(store.record([event('bcbsma', 'G90.521')]), StoreUnavailableError);
      assert.equal(await store.ping(), false);
      await pgdb.restore();
      const e = event('bcbsma', 'G90.521');
      await store.record([e]);
      assert.ok(await store.get(e.id));
      assert.equal(await store.ping(), true);
    } finally {
      await pgdb.restore();
      await store.close();
    }
  });
});

test('the embedded database keeps its records across a restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'medpolicy-pglite-'));
  try {
    const e = event('bcbsm', 'G90.521');
    const first = await openStore({ dataDir: dir });
    await first.record([e]);
    await first.close();
    const second = await openStore({ dataDir: dir });
    assert.equal((await second.get(e.id))?.id, e.id);
    await second.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
