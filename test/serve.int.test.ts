import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { packageRoot } from '../src/package-root.js';
import { freshDatabase, type FreshDatabase } from './support/postgres.js';

const BIN = join(packageRoot(), 'bin', 'medpolicy.js');
const CRPS = {
  payer: 'bcbsal',
  dateOfService: '2025-09-15',
  drug: 'ketamine',
  route: 'intravenous',
  diagnosisCodes: ['G90.521'],
};

interface Running {
  child: ChildProcess;
  base: string;
  log: () => string;
}

async function startServe(
  args: string[],
  env: Record<string, string>,
  /** Called with the output so far, each time more arrives (before the service is up). */
  onOutput?: (out: string) => void,
): Promise<Running> {
  // No drain period (test/fleet.int.test.ts tests draining): these stop at once.
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--drain-ms', '0', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const take = (d: Buffer) => {
    out += d.toString();
    onOutput?.(out);
  };
  child.stdout!.on('data', take);
  child.stderr!.on('data', take);
  // Creating a new embedded database runs initdb in WASM: seconds of CPU, and 30–55 s on a
  // machine busy with other builds. The test is about what serve says, not how fast it starts.
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    const m = /medpolicy serving at (http:\/\/\S+) /.exec(out);
    if (m) return { child, base: m[1]!.replace('0.0.0.0', '127.0.0.1'), log: () => out };
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`serve did not start:\n${out}`);
}

async function stop(r: Running): Promise<number | null> {
  if (r.child.exitCode !== null) return r.child.exitCode;
  r.child.kill('SIGTERM');
  const [code] = (await once(r.child, 'exit')) as [number | null];
  return code;
}

function decide(base: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${base}/v1/determinations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

describe('medpolicy serve on the real PostgreSQL', () => {
  let db: FreshDatabase;
  before(async () => {
    db = await freshDatabase();
  });
  after(async () => {
    await db.drop();
  });

  test('SIGTERM drains in-flight requests: every 200 is in the database, the process exits 0', async () => {
    const s = await startServe(['--log-level', 'info'], { DATABASE_URL: db.url });
    const results = Array.from({ length: 300 }, () =>
      decide(s.base, CRPS).then(
        async (res) => ({
          status: res.status,
          id: res.status === 200 ? ((await res.json()) as { id: string }).id : undefined,
        }),
        () => ({ status: 0, id: undefined }),
      ),
    );
    await new Promise((r) => setTimeout(r, 30));
    const exit = stop(s);
    const answered = await Promise.all(results);
    assert.equal(await exit, 0);
    const ok = answered.filter((a) => a.status === 200);
    assert.ok(ok.length > 0, 'no request was answered before the shutdown');
    assert.ok(
      answered.every((a) => [200, 503, 0].includes(a.status)),
      JSON.stringify(answered.map((a) => a.status)),
    );
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const rows = await client.query<{ id: string }>(
        'SELECT id FROM determinations WHERE id = ANY($1::uuid[])',
        [ok.map((a) => a.id)],
      );
      assert.equal(
        rows.rows.length,
        ok.length,
        'an acknowledged determination is missing from the store',
      );
    } finally {
      await client.end();
    }
    // Logs carry request ids, never bodies or member data.
    const log = s.log();
    assert.match(log, /"reqId"/);
    assert.doesNotMatch(log, /G90\.521|dateOfService|ketamine/);
  });

  test('database loss: 503 with Retry-After, healthz 503, and recovery without a restart', async () => {
    const s = await startServe(['--log-level', 'warn'], { DATABASE_URL: db.url });
    try {
      assert.equal((await decide(s.base, CRPS)).status, 200);
      await db.cut();
      const down = await decide(s.base, CRPS);
      assert.equal(down.status, 503);
      assert.ok(Number(down.headers.get('retry-after')) > 0);
      assert.match(down.headers.get('content-type') ?? '', /problem\+json/);
      assert.equal(((await down.json()) as { code: string }).code, 'store-unavailable');
      assert.equal((await fetch(`${s.base}/healthz`)).status, 503);
      await db.restore();
      let status = 0;
      for (let i = 0; i < 50 && status !== 200; i++) {
        status = (await decide(s.base, CRPS)).status;
        if (status !== 200) await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(status, 200);
      assert.equal((await fetch(`${s.base}/healthz`)).status, 200);
    } finally {
      await db.restore();
      await stop(s);
    }
  });

  test('a service started before its database waits for it, then serves', async () => {
    await db.cut();
    // The database comes back only once the service has said it is waiting for it.
    let restoring: Promise<void> | undefined;
    const s = await startServe(['--log-level', 'warn'], { DATABASE_URL: db.url }, (out) => {
      if (!restoring && /not ready .*retrying/.test(out)) restoring = db.restore();
    });
    await restoring;
    try {
      assert.match(s.log(), /not ready .*retrying/);
      assert.doesNotMatch(s.log(), /postgres:\/\/[^ ]*:[^*@ ]+@/, 'no password in the log');
      assert.equal((await decide(s.base, CRPS)).status, 200);
    } finally {
      await db.restore();
      await stop(s);
    }
  });

  test('off loopback an API key is required; `medpolicy keys create` makes one that works', async () => {
    const s = await startServe(['--host', '0.0.0.0', '--log-level', 'warn'], {
      DATABASE_URL: db.url,
    });
    try {
      assert.equal((await decide(s.base, CRPS)).status, 401);
      const created = spawnSync(process.execPath, [BIN, 'keys', 'create', '--name', 'ci'], {
        env: { ...process.env, DATABASE_URL: db.url },
        encoding: 'utf8',
      });
      assert.equal(created.status, 0, created.stderr);
      const key = /key: (mp_\S+)/.exec(created.stdout)?.[1];
      assert.ok(key);
      assert.equal((await decide(s.base, CRPS, { authorization: `Bearer ${key}` })).status, 200);
      const listed = spawnSync(process.execPath, [BIN, 'keys', 'list'], {
        env: { ...process.env, DATABASE_URL: db.url },
        encoding: 'utf8',
      });
      assert.match(listed.stdout, /ci/);
      assert.doesNotMatch(listed.stdout, new RegExp(key));
    } finally {
      await stop(s);
    }
  });
});

test('the embedded database refuses a second service instead of corrupting', async () => {
  const dir = join(packageRoot(), '.medpolicy', `test-${process.pid}`);
  const s = await startServe(['--data-dir', dir, '--log-level', 'warn'], {});
  try {
    assert.equal((await decide(s.base, CRPS)).status, 200);
    const second = spawnSync(
      process.execPath,
      [BIN, 'serve', '--port', '0', '--data-dir', dir, '--log-level', 'warn'],
      { encoding: 'utf8', timeout: 20_000 },
    );
    assert.equal(second.status, 2);
    assert.match(second.stderr, /in use by process/);
  } finally {
    assert.equal(await stop(s), 0);
    spawnSync('rm', ['-rf', dir, `${dir}.lock`]);
  }
});

test('keys are created, listed and revoked while the service runs on the embedded store; a revocation holds at once', async () => {
  const dir = join(packageRoot(), '.medpolicy', `keys-${process.pid}`);
  const s = await startServe(['--data-dir', dir, '--require-keys', '--log-level', 'warn'], {});
  const keys = (...args: string[]) =>
    spawnSync(process.execPath, [BIN, 'keys', ...args, '--data-dir', dir], { encoding: 'utf8' });
  try {
    assert.equal((await decide(s.base, CRPS)).status, 401);
    const created = keys('create', '--name', 'desk');
    assert.equal(created.status, 0, created.stderr);
    const id = /created (key_\S+)/.exec(created.stdout)?.[1];
    const key = /key: (mp_\S+)/.exec(created.stdout)?.[1];
    assert.ok(id && key);
    const auth = { authorization: `Bearer ${key}` };
    assert.equal((await decide(s.base, CRPS, auth)).status, 200);
    const listed = keys('list');
    assert.equal(listed.status, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`${id}\\s+desk`));
    assert.doesNotMatch(listed.stdout, new RegExp(key));
    const revoked = keys('revoke', id);
    assert.equal(revoked.status, 0, revoked.stderr);
    assert.equal((await decide(s.base, CRPS, auth)).status, 401);
    assert.equal(await stop(s), 0);
    // The socket goes with the service: keys then open the store directly.
    const after = keys('list');
    assert.equal(after.status, 0, after.stderr);
    assert.match(after.stdout, /desk/);
  } finally {
    await stop(s);
    spawnSync('rm', ['-rf', dir, `${dir}.lock`, `${dir}.keys.sock`]);
  }
});

test('serve says at start, once, when any CDS fhirServer may be read (loopback, no CDS JWT), and not otherwise', async () => {
  const line = /CDS calls may have any fhirServer read/g;
  const dev = await startServe(['--data-dir', 'memory://', '--log-level', 'warn'], {
    DATABASE_URL: '',
  });
  try {
    assert.equal(dev.log().match(line)?.length, 1, dev.log());
  } finally {
    assert.equal(await stop(dev), 0);
  }
  const keyed = await startServe(
    ['--data-dir', 'memory://', '--log-level', 'warn', '--require-keys'],
    { DATABASE_URL: '' },
  );
  try {
    assert.doesNotMatch(keyed.log(), line);
  } finally {
    assert.equal(await stop(keyed), 0);
  }
});
