import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PgliteHost } from './pglite-host.js';

// pg_sleep keeps the worker busy the way a wedged PostgreSQL does: it never answers in time.
const WEDGE = 'SELECT pg_sleep(30)';

async function eventually<T>(attempt: () => Promise<T>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await attempt();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

const openFds = () => readdirSync('/proc/self/fd').length;

describe('the embedded database in its worker', () => {
  let dir: string;
  let host: PgliteHost;
  const events: string[] = [];
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'medpolicy-host-'));
    host = await PgliteHost.open(dir, { queryTimeoutMs: 1000, onEvent: (m) => events.push(m) });
    await host.exec('CREATE TABLE t (x int)');
  });
  after(async () => {
    await host.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a statement that does not answer fails, the worker is replaced, commits survive', async () => {
    await host.query('INSERT INTO t VALUES (1)');
    const fdsBefore = openFds();
    const started = Date.now();
    await assert.rejects(host.query(WEDGE), /did not answer/);
    assert.ok(Date.now() - started < 5000);
    // Down until reopened: fails at once rather than queueing behind a dead worker.
    await assert.rejects(host.query('SELECT 1'), /restarting/);
    const rows = await eventually(() => host.query<{ x: number }>('SELECT x FROM t'));
    assert.deepEqual(rows.rows, [{ x: 1 }]);
    assert.match(events.join('\n'), /reopened/);
    // Node closes what a terminated worker opened: restarts do not leak descriptors.
    assert.ok(openFds() <= fdsBefore + 2, `${fdsBefore} descriptors before, ${openFds()} after`);
  });

  test('a transaction never goes on in the worker that replaced the one it began in', async () => {
    await eventually(() => host.query('SELECT 1'));
    await assert.rejects(
      host.transaction(async (tx) => {
        await tx.query('INSERT INTO t VALUES (2)');
        await tx.query(WEDGE).catch(() => {});
        // Outside any BEGIN on the new worker, this would commit on its own.
        await tx.query('INSERT INTO t VALUES (3)');
      }),
    );
    const rows = await eventually(() => host.query<{ x: number }>('SELECT x FROM t ORDER BY x'));
    assert.deepEqual(rows.rows, [{ x: 1 }]);
  });

  test('a failed statement inside a transaction rolls it back and leaves the worker serving', async () => {
    await eventually(() => host.query('SELECT 1'));
    await assert.rejects(
      host.transaction(async (tx) => {
        await tx.query('INSERT INTO t VALUES (4)');
        await tx.query('SELECT * FROM no_such_table');
      }),
      /no_such_table/,
    );
    const rows = await host.query<{ x: number }>('SELECT x FROM t ORDER BY x');
    assert.deepEqual(rows.rows, [{ x: 1 }]);
  });
});
