import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import {
  DtrSessionStoreError,
  type DtrSessionStoreErrorReason,
  type DtrSessionV1,
  type DtrStepV1,
} from '../service/dtr-session-port.js';
import type { CoverageRequest } from '../model/coverage-request.js';
import { StoreUnavailableError } from '../service/audit-port.js';
import { freshDatabase, type FreshDatabase } from '../../test/support/postgres.js';
import { AuditStore } from './audit-store.js';
import { MIGRATIONS } from './migrations.js';
import { openStore } from './open-store.js';
import { pgliteClient, postgresClient, type SqlClient } from './sql-client.js';

const REQUEST: CoverageRequest = {
  payer: 'bcbsm',
  lineOfBusiness: 'medicare-advantage',
  dateOfService: '2025-09-10',
  drug: 'ketamine',
  route: 'intravenous',
  diagnosisCodes: ['F33.2'],
};

// What a careless caller could hand over: a mapped object still carrying the member.
const WITH_MEMBER = {
  ...REQUEST,
  memberId: 'MBR-884-201',
  patientName: 'Jane Q. Member',
  birthDate: '1961-04-02',
} as CoverageRequest;

function session(over: Partial<DtrSessionV1> = {}): DtrSessionV1 {
  return {
    id: randomUUID(),
    createdAt: '2025-09-10T14:00:00.000Z',
    payer: 'bcbsm',
    policy: 'bcbsm-bcn-iv-anesthetics',
    policyVersion: '2024-03',
    questionnaire: 'https://payer.example/fhir/Questionnaire/bcbsm-bcn-iv-anesthetics|2024-03',
    request: REQUEST,
    coverage: 'Coverage/cov-1',
    order: 'MedicationRequest/ket-1',
    intendedUse: 'withclaim',
    crdVersion: '2.2',
    ...over,
  };
}

function step(sessionId: string, n: number, over: Partial<DtrStepV1> = {}): DtrStepV1 {
  return {
    sessionId,
    step: n,
    madeAt: `2025-09-10T14:0${n}:00.000Z`,
    status: 'in-progress',
    answers: {
      'primary-medicare-covered': {
        answer: 'Y',
        origin: { source: 'manual', author: 'Practitioner/dr-1' },
      },
      'its-home-plan': { answer: 'ASKU', origin: { source: 'auto-server' } },
    },
    asked: ['bcn65-coinsurance'],
    determination: { outcome: 'conditional', priorAuth: 'unknown', revision: 'r.3f9c2a1b7e04' },
    ...over,
  };
}

async function rejectsWith(p: Promise<unknown>, reason: DtrSessionStoreErrorReason) {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof DtrSessionStoreError, String(e));
    assert.equal(e.reason, reason);
    return true;
  });
}

/** A CRD assertion as the hook records it, with its request. */
async function recordAssertion(store: AuditStore, request: CoverageRequest): Promise<string> {
  const assertionId = `ca-${randomUUID()}`;
  await store.recordCoverageAssertion({
    assertionId,
    madeAt: '2025-09-10T13:59:00.000Z',
    serviceId: 'medpolicy-order-sign',
    hook: 'order-sign',
    payer: 'bcbsm',
    covered: 'conditional',
    paNeeded: 'no-auth',
    request,
  } as Parameters<AuditStore['recordCoverageAssertion']>[0]);
  return assertionId;
}

function contract(name: string, open: () => Promise<AuditStore>) {
  describe(`DTR session store on ${name}`, () => {
    let store: AuditStore;
    before(async () => {
      store = await open();
    });
    after(async () => {
      await store.close();
    });

    test('a session reads back whole; creating it again is a no-op, other content a conflict', async () => {
      const s = session();
      await store.dtrSessions.createSession(s);
      assert.deepEqual(await store.dtrSessions.getSession(s.id), s);
      await store.dtrSessions.createSession({ ...s, createdAt: '2025-09-10T14:00:05.000Z' });
      assert.equal((await store.dtrSessions.getSession(s.id))?.createdAt, s.createdAt);
      await rejectsWith(
        store.dtrSessions.createSession({ ...s, policyVersion: '2025-01' }),
        'session-conflict',
      );
      await rejectsWith(
        store.dtrSessions.createSession({ ...s, request: { ...REQUEST, drug: 'lidocaine' } }),
        'session-conflict',
      );
      await rejectsWith(
        store.dtrSessions.createSession({ ...s, intendedUse: 'withpa' }),
        'session-conflict',
      );
      assert.equal(await store.dtrSessions.getSession(randomUUID()), undefined);
    });

    test('no member data reaches the session row, whatever the caller hands over', async () => {
      const s = session({ request: WITH_MEMBER });
      await store.dtrSessions.createSession(s);
      const row = await store.db.query<{ text: string }>(
        'SELECT row_to_json(d)::text AS text FROM dtr_sessions d WHERE id = $1',
        [s.id],
      );
      const text = row.rows[0]?.text ?? '';
      assert.match(text, /F33\.2/);
      for (const phi of ['MBR-884-201', 'Jane', '1961-04-02', 'memberId', 'patientName'])
        assert.ok(!text.includes(phi), `${phi} stored`);
      assert.deepEqual((await store.dtrSessions.getSession(s.id))?.request, REQUEST);
    });

    test('steps append in order, read back in order, and the last is the latest', async () => {
      const s = session();
      await store.dtrSessions.createSession(s);
      assert.deepEqual(await store.dtrSessions.steps(s.id), []);
      assert.equal(await store.dtrSessions.lastStep(s.id), undefined);
      const steps = [
        step(s.id, 1),
        step(s.id, 2, { asked: ['its-home-plan'] }),
        step(s.id, 3, {
          status: 'completed',
          asked: [],
          determination: {
            outcome: 'covered',
            priorAuth: 'not-required',
            revision: 'r.3f9c2a1b7e04',
            covered: 'covered',
            paNeeded: 'no-auth',
          },
        }),
      ];
      for (const st of steps)
        assert.deepEqual(await store.dtrSessions.appendStep(st), { appended: true });
      assert.deepEqual(await store.dtrSessions.steps(s.id), steps);
      assert.deepEqual(await store.dtrSessions.lastStep(s.id), steps[2]);
      await rejectsWith(store.dtrSessions.appendStep(step(s.id, 4)), 'step-out-of-order');
    });

    test('a retried step is a no-op, the same step with other answers a conflict', async () => {
      const s = session();
      await store.dtrSessions.createSession(s);
      const first = step(s.id, 1);
      await store.dtrSessions.appendStep(first);
      // Built in another key order and at another time: the same step all the same.
      const retried: DtrStepV1 = {
        determination: { revision: 'r.3f9c2a1b7e04', priorAuth: 'unknown', outcome: 'conditional' },
        asked: first.asked,
        answers: first.answers,
        status: first.status,
        madeAt: '2025-09-10T14:09:59.000Z',
        step: 1,
        sessionId: s.id,
      };
      assert.deepEqual(await store.dtrSessions.appendStep(retried), { appended: false });
      await rejectsWith(
        store.dtrSessions.appendStep(
          step(s.id, 1, { answers: { 'primary-medicare-covered': { answer: 'N' } } }),
        ),
        'step-conflict',
      );
      await rejectsWith(
        store.dtrSessions.appendStep(step(s.id, 1, { status: 'completed' })),
        'step-conflict',
      );
      assert.deepEqual(await store.dtrSessions.steps(s.id), [first]);
    });

    test('a step may not skip one, and is numbered from 1', async () => {
      const s = session();
      await store.dtrSessions.createSession(s);
      await rejectsWith(store.dtrSessions.appendStep(step(s.id, 2)), 'step-out-of-order');
      await rejectsWith(store.dtrSessions.appendStep(step(s.id, 0)), 'step-out-of-order');
      await rejectsWith(store.dtrSessions.appendStep(step(s.id, 1.5)), 'step-out-of-order');
      assert.deepEqual(await store.dtrSessions.steps(s.id), []);
    });

    test('a step of an unknown session is refused, not taken for an outage', async () => {
      const id = randomUUID();
      await rejectsWith(store.dtrSessions.appendStep(step(id, 1)), 'unknown-session');
      await rejectsWith(store.dtrSessions.appendStep(step(id, 2)), 'unknown-session');
      assert.deepEqual(await store.dtrSessions.steps(id), []);
      assert.equal(await store.dtrSessions.lastStep(id), undefined);
      assert.equal(await store.ping(), true);
    });

    test('a session continues a CRD assertion this service made, and only such one', async () => {
      const assertionId = await recordAssertion(store, WITH_MEMBER);
      const s = session({ coverageAssertionId: assertionId });
      await store.dtrSessions.createSession(s);
      assert.equal((await store.dtrSessions.getSession(s.id))?.coverageAssertionId, assertionId);
      await rejectsWith(
        store.dtrSessions.createSession(session({ coverageAssertionId: 'ca-never-made' })),
        'unknown-assertion',
      );
      assert.equal(await store.ping(), true);
    });

    test("an assertion's request reads back by its id, without member data", async () => {
      const assertionId = await recordAssertion(store, WITH_MEMBER);
      assert.deepEqual(await store.getCoverageAssertionRequest(assertionId), {
        assertionId,
        madeAt: '2025-09-10T13:59:00.000Z',
        hook: 'order-sign',
        payer: 'bcbsm',
        covered: 'conditional',
        paNeeded: 'no-auth',
        request: REQUEST,
      });
      assert.equal(await store.getCoverageAssertionRequest('ca-never-made'), undefined);
    });

    test('the same step appended twice at once: one writes, the other sees it', async () => {
      const s = session();
      await store.dtrSessions.createSession(s);
      const results = await Promise.all([
        store.dtrSessions.appendStep(step(s.id, 1)),
        store.dtrSessions.appendStep(step(s.id, 1)),
      ]);
      assert.deepEqual(results.map((r) => r.appended).sort(), [false, true]);
    });
  });
}

contract('PGlite (in memory)', () => openStore({ dataDir: 'memory://' }));

const workerDir = mkdtempSync(join(tmpdir(), 'medpolicy-dtr-'));
after(() => rmSync(workerDir, { recursive: true, force: true }));
contract('PGlite (a data directory, in its worker)', () =>
  openStore({ dataDir: join(workerDir, 'data') }),
);

/** The database as a release before migration 6 left it, with one CRD assertion in it. */
async function migrateUpTo5(db: SqlClient): Promise<void> {
  await db.exec(`CREATE TABLE schema_migrations (
    version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
  for (const m of MIGRATIONS.filter((m) => m.version <= 5)) {
    await db.exec(m.sql);
    await db.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
      m.version,
      m.name,
    ]);
  }
  await db.query(
    `INSERT INTO coverage_assertions (assertion_id, made_at, service_id, hook, payer, covered, record)
     VALUES ('ca-before-6', now(), 'medpolicy-order-sign', 'order-sign', 'bcbsm', 'conditional', $1::json)`,
    [JSON.stringify({ assertionId: 'ca-before-6', request: REQUEST })],
  );
}

async function continuesOldAssertion(store: AuditStore): Promise<void> {
  const versions = await store.db.query<{ version: number }>(
    'SELECT version FROM schema_migrations ORDER BY version',
  );
  assert.deepEqual(
    versions.rows.map((r) => r.version),
    MIGRATIONS.map((m) => m.version),
  );
  const s = session({ coverageAssertionId: 'ca-before-6' });
  await store.dtrSessions.createSession(s);
  await store.dtrSessions.appendStep(step(s.id, 1));
  assert.equal((await store.dtrSessions.lastStep(s.id))?.step, 1);
  assert.deepEqual((await store.getCoverageAssertionRequest('ca-before-6'))?.request, REQUEST);
}

test('migration 6 applies on an embedded database at version 5, keeping its assertions', async () => {
  const { PGlite } = await import('@electric-sql/pglite');
  const pglite = new PGlite();
  await pglite.waitReady;
  const db = pgliteClient(pglite);
  await migrateUpTo5(db);
  const store = await AuditStore.open(db, 'pglite at version 5');
  try {
    await continuesOldAssertion(store);
  } finally {
    await store.close();
  }
});

describe('PostgreSQL', () => {
  let pgdb: FreshDatabase;
  before(async () => {
    pgdb = await freshDatabase();
  });
  after(async () => {
    await pgdb.drop();
  });
  contract('PostgreSQL', () => openStore({ databaseUrl: pgdb.url }));

  test('the same step from two connections: one writes, the other sees it or a conflict', async () => {
    const a = await openStore({ databaseUrl: pgdb.url });
    const b = await openStore({ databaseUrl: pgdb.url });
    try {
      for (let i = 0; i < 20; i++) {
        const s = session();
        await a.dtrSessions.createSession(s);
        const same = await Promise.all([
          a.dtrSessions.appendStep(step(s.id, 1)),
          b.dtrSessions.appendStep(step(s.id, 1)),
        ]);
        assert.deepEqual(same.map((r) => r.appended).sort(), [false, true]);
        const other = await Promise.allSettled([
          a.dtrSessions.appendStep(step(s.id, 2)),
          b.dtrSessions.appendStep(step(s.id, 2, { asked: ['something-else'] })),
        ]);
        assert.equal(other.filter((r) => r.status === 'fulfilled').length, 1);
        const lost = other.find((r) => r.status === 'rejected');
        assert.ok(lost?.reason instanceof DtrSessionStoreError);
        assert.equal(lost.reason.reason, 'step-conflict');
        assert.equal((await b.dtrSessions.steps(s.id)).length, 2);
      }
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test('migration 6 applies on a PostgreSQL database at version 5, keeping its assertions', async () => {
    const old = await freshDatabase();
    const pool = new pg.Pool({ connectionString: old.url, max: 2 });
    try {
      await migrateUpTo5(postgresClient(pool));
      await pool.end();
      const store = await openStore({ databaseUrl: old.url });
      try {
        await continuesOldAssertion(store);
      } finally {
        await store.close();
      }
    } finally {
      await old.drop();
    }
  });

  test('losing the database rejects a step with StoreUnavailableError, and it recovers', async () => {
    const store = await openStore({ databaseUrl: pgdb.url });
    try {
      const s = session();
      await store.dtrSessions.createSession(s);
      await pgdb.cut();
      await assert.rejects(store.dtrSessions.appendStep(step(s.id, 1)), StoreUnavailableError);
      await assert.rejects(store.dtrSessions.getSession(s.id), StoreUnavailableError);
      assert.equal(await store.ping(), false);
      await pgdb.restore();
      assert.deepEqual(await store.dtrSessions.appendStep(step(s.id, 1)), { appended: true });
      assert.equal(await store.ping(), true);
    } finally {
      await pgdb.restore();
      await store.close();
    }
  });
});
