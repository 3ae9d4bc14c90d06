import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freshDatabase, type FreshDatabase } from '../../test/support/postgres.js';
import type { AuditStore } from './audit-store.js';
import { JtiReplayStore } from './jti-replay-store.js';
import { openStore } from './open-store.js';

const ISS = 'https://ehr.example';
const inAMinute = () => Date.now() / 1000 + 60;

/** The same behaviour on both backends. */
function replayContract(name: string, open: () => Promise<AuditStore>) {
  describe(`CDS client jti replay store on ${name}`, () => {
    let store: AuditStore;
    before(async () => {
      store = await open();
    });
    after(() => store.close());

    test('a jti is claimed once; the same jti from another issuer is its own', async () => {
      const jtis = new JtiReplayStore(store.db);
      const jti = randomUUID();
      assert.equal(await jtis.seen(ISS, jti, inAMinute()), false);
      assert.equal(await jtis.seen(ISS, jti, inAMinute()), true);
      assert.equal(await jtis.seen('https://other-ehr.example', jti, inAMinute()), false);
    });

    test('an expired claim may be taken again; purging removes only expired rows', async () => {
      let now = 1_900_000_000;
      const jtis = new JtiReplayStore(store.db, { now: () => now, purgeEverySec: 1e9 });
      const [a, b] = [randomUUID(), randomUUID()];
      assert.equal(await jtis.seen(ISS, a, now + 10), false);
      assert.equal(await jtis.seen(ISS, b, now + 100), false);
      now += 20;
      assert.equal(await jtis.seen(ISS, a, now + 10), false, 'reclaimed after expiry');
      assert.equal(await jtis.seen(ISS, a, now + 10), true);
      assert.equal(await jtis.seen(ISS, b, now + 100), true, 'b has not expired');
      now += 50;
      assert.ok((await jtis.purgeExpired()) >= 1);
      const left = await store.db.query<{ jti: string }>(
        'SELECT jti FROM cds_client_jtis WHERE jti = ANY($1::text[])',
        [[a, b]],
      );
      assert.deepEqual(
        left.rows.map((r) => r.jti),
        [b],
      );
    });
  });
}

replayContract('PGlite (in memory)', () => openStore({ dataDir: 'memory://' }));

let pgdb: FreshDatabase;
describe('on the real PostgreSQL', () => {
  before(async () => {
    pgdb = await freshDatabase();
  });
  after(() => pgdb.drop());
  replayContract('PostgreSQL', () => openStore({ databaseUrl: pgdb.url }));

  test('a jti used once is refused after a restart and by a second instance', async () => {
    const jti = randomUUID();
    const first = await openStore({ databaseUrl: pgdb.url });
    const second = await openStore({ databaseUrl: pgdb.url });
    try {
      assert.equal(await new JtiReplayStore(first.db).seen(ISS, jti, inAMinute()), false);
      assert.equal(await new JtiReplayStore(second.db).seen(ISS, jti, inAMinute()), true);
    } finally {
      await first.close();
      await second.close();
    }
    const restarted = await openStore({ databaseUrl: pgdb.url });
    try {
      assert.equal(await new JtiReplayStore(restarted.db).seen(ISS, jti, inAMinute()), true);
    } finally {
      await restarted.close();
    }
  });

  test('two instances racing for the same jtis: each is won exactly once', async () => {
    const [a, b] = await Promise.all([
      openStore({ databaseUrl: pgdb.url }),
      openStore({ databaseUrl: pgdb.url }),
    ]);
    try {
      const [ra, rb] = [new JtiReplayStore(a.db), new JtiReplayStore(b.db)];
      const jtis = Array.from({ length: 40 }, () => randomUUID());
      const seen = await Promise.all(
        jtis.flatMap((j) => [ra.seen(ISS, j, inAMinute()), rb.seen(ISS, j, inAMinute())]),
      );
      for (let i = 0; i < jtis.length; i++)
        assert.equal([seen[2 * i], seen[2 * i + 1]].filter((s) => s === false).length, 1);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test('with the database down, the check rejects (it never answers "not seen")', async () => {
    const store = await openStore({ databaseUrl: pgdb.url });
    try {
      await pgdb.cut();
      await assert.rejects(new JtiReplayStore(store.db).seen(ISS, randomUUID(), inAMinute()));
    } finally {
      await pgdb.restore();
      await store.close();
    }
  });
});

test('the embedded database keeps used jtis across a restart', async () => {
  // memory:// starts empty by definition; a restart of PGlite means reopening its data directory.
  const dir = mkdtempSync(join(tmpdir(), 'medpolicy-pglite-'));
  try {
    const jti = randomUUID();
    const first = await openStore({ dataDir: dir });
    assert.equal(await new JtiReplayStore(first.db).seen(ISS, jti, inAMinute()), false);
    await first.close();
    const second = await openStore({ dataDir: dir });
    try {
      assert.equal(await new JtiReplayStore(second.db).seen(ISS, jti, inAMinute()), true);
    } finally {
      await second.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
