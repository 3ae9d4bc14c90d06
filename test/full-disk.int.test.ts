import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdtempSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { packageRoot } from '../src/package-root.js';

const BIN = join(packageRoot(), 'bin', 'medpolicy.js');
const BODY = JSON.stringify({
  payer: 'bcbsma',
  dateOfService: '2025-09-15',
  drug: 'ketamine',
  route: 'intravenous',
  diagnosisCodes: ['G90.521'],
});
const MB = 1024 * 1024;
// PostgreSQL's WAL segment: with less room than this, the next segment cannot be created and
// PostgreSQL PANICs, the failure that used to wedge the embedded database.
const WAL_SEGMENT = 16 * MB;

const mountPoint = mkdtempSync(join(tmpdir(), 'medpolicy-full-disk-'));
const mounted =
  process.getuid?.() === 0 &&
  spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', mountPoint]).status === 0;
let child: ChildProcess | undefined;

after(() => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  if (mounted) spawnSync('umount', ['-l', mountPoint]);
  rmSync(mountPoint, { recursive: true, force: true });
});

function request(url: string, init: RequestInit = {}, timeoutMs = 2000) {
  return fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) }).then(
    async (res) => ({ status: res.status, headers: res.headers, text: await res.text() }),
    (e: Error) => ({ status: 0, headers: new Headers(), text: e.name }),
  );
}

const decide = (base: string) =>
  request(`${base}/v1/determinations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: BODY,
  });

/** Polls until check passes or the deadline; returns the last attempt. */
async function within<T>(ms: number, attempt: () => Promise<T>, ok: (t: T) => boolean) {
  const deadline = Date.now() + ms;
  for (;;) {
    const t = await attempt();
    if (ok(t) || Date.now() > deadline) return t;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Fills the filesystem until `leave` bytes are free. */
function fill(file: string, leave: number): void {
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(MB);
  try {
    for (let free = statfsSync(mountPoint).bavail * statfsSync(mountPoint).bsize; free > leave;) {
      free -= writeSync(fd, chunk, 0, Math.min(MB, free - leave));
    }
  } finally {
    closeSync(fd);
  }
}

test(
  'a full disk: the embedded store answers 503, keeps serving reads and stops on SIGTERM, and heals when space returns',
  { skip: mounted ? false : 'needs root and a permitted tmpfs mount', timeout: 240_000 },
  async () => {
    const dataDir = join(mountPoint, 'data');
    child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--data-dir', dataDir], {
      env: { ...process.env, MEDPOLICY_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    let base = '';
    // A new embedded database (initdb in WASM) can take 30–55 s to create on a busy machine.
    for (const deadline = Date.now() + 90_000; !base && Date.now() < deadline;) {
      base = /medpolicy serving at (http:\/\/\S+) /.exec(log)?.[1] ?? '';
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(base, `serve did not start:\n${log}`);

    // Room for the table to grow but not for another WAL segment: writes go on until the
    // current segment is full, then PostgreSQL PANICs.
    const filler = join(mountPoint, 'filler');
    fill(filler, WAL_SEGMENT - 4 * MB);
    const acknowledged: string[] = [];
    let failed = false;
    let unanswered = 0;
    // Filling the segment takes thousands of writes: a machine busy with other work needs longer.
    const fillDeadline = Date.now() + 90_000;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (!failed && Date.now() < fillDeadline) {
          const res = await decide(base);
          if (res.status === 200) acknowledged.push((JSON.parse(res.text) as { id: string }).id);
          // Only the store's own refusal says the disk is full: on a busy machine a request can
          // outlast the client's timeout without anything being wrong (a hung service shows as
          // every request timing out, and the disk never "filling").
          else if (res.status === 503) failed = true;
          else unanswered++;
        }
      }),
    );
    assert.ok(failed, `the disk never filled (${unanswered} requests went unanswered)`);
    assert.ok(acknowledged.length > 0);

    const write = await within(
      5000,
      () => decide(base),
      (r) => r.status === 503,
    );
    assert.equal(write.status, 503, `a write on a full disk answered ${write.status}`);
    assert.ok(Number(write.headers.get('retry-after')) > 0);
    const health = await within(
      5000,
      () => request(`${base}/healthz`),
      (r) => r.status === 503,
    );
    assert.equal(health.status, 503, `/healthz on a full disk answered ${health.status}`);
    assert.equal((await request(`${base}/v1/policies`)).status, 200);
    assert.equal((await request(`${base}/cds-services`)).status, 200);
    assert.match(log, /embedded database failed/, 'the PANIC this test is about did not happen');

    rmSync(filler);
    const healed = await within(
      15_000,
      () => decide(base),
      (r) => r.status === 200,
    );
    assert.equal(healed.status, 200, 'writes did not resume once space returned');
    acknowledged.push((JSON.parse(healed.text) as { id: string }).id);
    assert.equal((await request(`${base}/healthz`)).status, 200);

    child.kill('SIGTERM');
    const exited = await Promise.race([
      once(child, 'exit'),
      new Promise((r) => setTimeout(() => r('timeout'), 15_000).unref()),
    ]);
    assert.notEqual(exited, 'timeout', 'SIGTERM did not stop the service');
    assert.deepEqual(exited, [0, null]);

    // Every answered determination is in the database as the next process finds it.
    const { PGlite } = await import('@electric-sql/pglite');
    const db = new PGlite(dataDir);
    try {
      const found = await db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM determinations WHERE id = ANY($1::uuid[])',
        [acknowledged],
      );
      assert.equal(found.rows[0]?.n, acknowledged.length, 'an acknowledged determination is lost');
    } finally {
      await db.close();
    }
    assert.doesNotMatch(log, /G90\.521|ketamine/, 'no request data in the log');
  },
);
