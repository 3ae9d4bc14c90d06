import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PgliteHost } from './pglite-host.js';
import { createDataDirIfNew } from './pglite-create.js';
import { EMBEDDED_PG_SETTINGS } from './pglite-settings.js';
import { pgliteTemplatePath } from './pglite-template.js';

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

test('a new data directory is created in its own process: the opener never holds initdb', () => {
  const dir = mkdtempSync(join(tmpdir(), 'medpolicy-create-'));
  const dataDir = join(dir, 'data');
  // What an interrupted creation leaves behind is thrown away, never opened.
  mkdirSync(`${dataDir}.creating`);
  writeFileSync(join(`${dataDir}.creating`, 'PG_VERSION'), 'half made');
  try {
    // Its own process, so that its memory high-water mark is this open's alone (a file, not
    // --eval: a worker would inherit --input-type and refuse to start).
    const opener = join(dir, 'open.mjs');
    writeFileSync(
      opener,
      `const { PgliteHost } = await import(${JSON.stringify(new URL('./pglite-host.js', import.meta.url).href)});
      const host = await PgliteHost.open(${JSON.stringify(dataDir)});
      await host.query('SELECT 1');
      await host.close();
      const status = (await import('node:fs')).readFileSync('/proc/self/status', 'utf8');
      console.log(/^VmHWM:\\s+(\\d+) kB/m.exec(status)[1]);`,
    );
    const run = spawnSync(process.execPath, [opener], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const peakMiB = Number(run.stdout.trim()) / 1024;
    // initdb in the opener's own process took it to some 800 MiB; opening alone is under 250.
    assert.ok(peakMiB < 400, `peak RSS ${peakMiB.toFixed(0)} MiB`);
    assert.ok(existsSync(join(dataDir, 'PG_VERSION')));
    assert.ok(!existsSync(`${dataDir}.creating`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the embedded database runs with its memory settings, and durability as PGlite sets it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'medpolicy-settings-'));
  const host = await PgliteHost.open(dir);
  try {
    const show = async (name: string) =>
      Object.values((await host.query(`SHOW ${name}`)).rows[0]!)[0];
    assert.equal(await show('shared_buffers'), EMBEDDED_PG_SETTINGS['shared_buffers']);
    assert.equal(await show('shared_buffers'), '8MB');
    assert.equal(await show('synchronous_commit'), 'on');
    assert.equal(await show('full_page_writes'), 'on');
  } finally {
    await host.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a new data directory is made from the build's template, not by running initdb again", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'medpolicy-template-'));
  try {
    assert.ok(
      existsSync(pgliteTemplatePath()),
      'no template: is the package built (npm run build)?',
    );
    const dataDir = join(dir, 'data');
    assert.equal(await createDataDirIfNew(dataDir), 'template');
    assert.equal(await createDataDirIfNew(dataDir), 'existing');
    const host = await PgliteHost.open(dataDir);
    try {
      const r = await host.query<{ db: string }>('SELECT current_database() AS db');
      assert.deepEqual(r.rows, [{ db: 'postgres' }]);
    } finally {
      await host.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
