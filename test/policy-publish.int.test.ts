// Policy sets are published, not deployed: `medpolicy policies publish` checks a corpus and
// stores it in the shared PostgreSQL; every instance on that database switches to it without a
// restart (LISTEN/NOTIFY, a poll behind it), one whole context per request.
import assert from 'node:assert/strict';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { followPublishedRevision, type Following } from '../src/adapters/cli/follow-published.js';
import { main } from '../src/adapters/cli/main.js';
import { packageRoot } from '../src/package-root.js';
import { SwappableContext } from '../src/service/context-source.js';
import { loadContext } from '../src/service/load-context.js';
import type { AuditStore } from '../src/store/audit-store.js';
import { openStore } from '../src/store/open-store.js';
import { freshDatabase, type FreshDatabase } from './support/postgres.js';
import { postJson, testServer } from './support/http-server.js';

const CRPS = {
  payer: 'bcbsma',
  dateOfService: '2025-09-15',
  drug: 'ketamine',
  route: 'intravenous',
  diagnosisCodes: ['G90.521'],
};

const work = mkdtempSync(join(tmpdir(), 'medpolicy-publish-'));
/** A copy of the package's corpus, edited. */
function corpus(name: string, edit: (dir: string) => void = () => {}): string {
  const dir = join(work, name);
  cpSync(join(packageRoot(), 'policies'), dir, { recursive: true });
  edit(dir);
  return dir;
}
const original = corpus('original');
// Another revision that decides the same: the revision hashes every policy file's text.
const changed = corpus('changed', (d) =>
  appendFileSync(join(d, 'bcbsma', '291.yaml'), '\n# republished\n'),
);
const failingCase = corpus('failing-case', (d) => {
  const file = join(d, 'bcbsma', '291.cases.yaml');
  const text = readFileSync(file, 'utf8');
  assert.ok(text.includes('outcome: not-covered, basis: investigational, priorAuth'));
  writeFileSync(
    file,
    text.replace(
      'outcome: not-covered, basis: investigational, priorAuth',
      'outcome: covered, basis: investigational, priorAuth',
    ),
  );
});
const notCompiling = corpus('not-compiling', (d) =>
  appendFileSync(join(d, 'bcbsma', '291.yaml'), '\nnotAField: 1\n'),
);

const files = loadContext({});
const revisionA = files.policySet.revision;

interface Instance {
  app: FastifyInstance;
  store: AuditStore;
  following: Following;
  errors: string[];
}

async function instance(url: string): Promise<Instance> {
  const store = await openStore({ databaseUrl: url });
  const contexts = new SwappableContext(files);
  const errors: string[] = [];
  const log = {
    info: () => {},
    warn: (m: string) => errors.push(m),
    error: (_f: Record<string, unknown>, m: string) => errors.push(m),
  };
  // A poll far longer than the test: a switch within seconds is the notification's doing.
  const following = await followPublishedRevision(store, url, contexts, log, 600_000);
  const app = await testServer(contexts, store, {
    revisionStatus: () => following.follower.status(),
  });
  return { app, store, following, errors };
}

const health = async (i: Instance) =>
  (await i.app.inject({ method: 'GET', url: '/healthz' })).json<{
    revision: string;
    published?: { revision: string | null; served: boolean; error?: string };
  }>();

async function publish(...args: string[]): Promise<{ status: number; out: string }> {
  const lines: string[] = [];
  const status = await main(['policies', 'publish', '--by', 'test', ...args], (s) => lines.push(s));
  return { status, out: lines.join('\n') };
}

/** Waits until every instance serves `revision`; returns how long that took. */
async function switched(instances: Instance[], revision: string, withinMs: number) {
  const start = Date.now();
  for (;;) {
    const served = await Promise.all(instances.map(async (i) => (await health(i)).revision));
    if (served.every((r) => r === revision)) return Date.now() - start;
    if (Date.now() - start > withinMs)
      assert.fail(`after ${withinMs} ms the instances serve ${served.join(', ')}, not ${revision}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

it('without DATABASE_URL, publishing is refused as a usage error: it is for PostgreSQL', async () => {
  const saved = process.env['DATABASE_URL'];
  delete process.env['DATABASE_URL'];
  const err: string[] = [];
  const status = await main(
    ['policies', 'publish', '--policies', original],
    () => {},
    (s) => err.push(s),
  ).finally(() => {
    if (saved !== undefined) process.env['DATABASE_URL'] = saved;
  });
  assert.equal(status, 2);
  assert.match(err.join('\n'), /publishing needs DATABASE_URL/);
});

describe('publishing a policy-set revision to a fleet', () => {
  let db: FreshDatabase;
  let a: Instance;
  let b: Instance;
  let revisionB: string;
  const published = async () =>
    (await a.store.db.query<{ n: string }>('SELECT count(*) AS n FROM policy_publications'))
      .rows[0]!.n;

  before(async () => {
    db = await freshDatabase();
    process.env['DATABASE_URL'] = db.url;
    a = await instance(db.url);
    b = await instance(db.url);
    revisionB = loadContext({ policiesDir: changed }).policySet.revision;
    assert.notEqual(revisionB, revisionA);
  });
  after(async () => {
    delete process.env['DATABASE_URL'];
    for (const i of [a, b]) {
      await i.following.stop();
      await i.app.close();
      await i.store.close();
    }
    await db.drop();
    rmSync(work, { recursive: true, force: true });
  });

  it('serves its files while nothing is published, and says so', async () => {
    const h = await health(a);
    assert.equal(h.revision, revisionA);
    assert.deepEqual(h.published, { revision: null, served: true });
  });

  it('refuses a corpus whose own scenario case fails, naming it, and stores nothing', async () => {
    const r = await publish('--policies', failingCase);
    assert.equal(r.status, 1, r.out);
    assert.match(r.out, /^refused: /);
    assert.match(r.out, /policies\/bcbsma\/291\.cases\.yaml:\d+ .*outcome: expected "covered"/);
    assert.equal(await published(), '0');
  });

  it('refuses a corpus that does not compile, naming the file, and stores nothing', async () => {
    const r = await publish('--policies', notCompiling);
    assert.equal(r.status, 1, r.out);
    assert.match(r.out, /policies\/bcbsma\/291\.yaml.*notAField/);
    assert.equal(await published(), '0');
  });

  it('every instance switches to a published revision within seconds, without a restart', async () => {
    assert.equal((await publish('--policies', original)).status, 0);
    const r = await publish('--policies', changed);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, new RegExp(`published revision ${revisionB}: .* scenario cases passed`));
    const ms = await switched([a, b], revisionB, 2_000);
    assert.ok(ms < 2_000);
    for (const i of [a, b]) {
      assert.deepEqual((await health(i)).published, { revision: revisionB, served: true });
      const res = await postJson(i.app, '/v1/determinations', CRPS);
      assert.equal(res.statusCode, 200, res.body);
      const answer = res.json<{ id: string; revision: string }>();
      assert.equal(answer.revision, revisionB);
      const record = await i.app.inject({ method: 'GET', url: `/v1/determinations/${answer.id}` });
      assert.equal(
        record.json<{ determination: { revision: string } }>().determination.revision,
        revisionB,
      );
      const policies = await i.app.inject({ method: 'GET', url: '/v1/policies' });
      assert.equal(policies.json<{ revision: string }>().revision, revisionB);
    }
    assert.deepEqual([...a.errors, ...b.errors], []);
  });

  it('rolls back by publishing the previous revision by its id', async () => {
    const r = await publish('--revision', revisionA);
    assert.equal(r.status, 0, r.out);
    await switched([a, b], revisionA, 2_000);
    const history = await publish('--history');
    assert.match(history.out, new RegExp(`^\\S+  ${revisionA}  test  \\(current\\)`));
    const unknown = await publish('--revision', '0123456789abcdef');
    assert.equal(unknown.status, 1);
    assert.match(unknown.out, /never published/);
  });

  it('answers a request in flight during a swap entirely with one revision', async () => {
    let stop = false;
    const answers: { id: string; revision: string; app: FastifyInstance }[] = [];
    const load = async (app: FastifyInstance) => {
      while (!stop) {
        const batch = await Promise.all(
          Array.from({ length: 8 }, () => postJson(app, '/v1/determinations', CRPS)),
        );
        for (const res of batch) {
          assert.equal(res.statusCode, 200, res.body);
          answers.push({ ...res.json<{ id: string; revision: string }>(), app });
        }
      }
    };
    const loads = [load(a.app), load(b.app)];
    await new Promise((r) => setTimeout(r, 200));
    assert.equal((await publish('--revision', revisionB)).status, 0);
    await switched([a, b], revisionB, 2_000);
    await new Promise((r) => setTimeout(r, 200));
    stop = true;
    await Promise.all(loads);

    const seen = new Map<string, number>();
    for (const x of answers) seen.set(x.revision, (seen.get(x.revision) ?? 0) + 1);
    assert.deepEqual([...seen.keys()].sort(), [revisionA, revisionB].sort());
    for (const x of answers) {
      const record = await x.app.inject({ method: 'GET', url: `/v1/determinations/${x.id}` });
      const recorded = record.json<{ determination: { revision: string } }>();
      assert.equal(recorded.determination.revision, x.revision, x.id);
    }
    const recordedRevisions = await a.store.db.query<{ revision: string; n: string }>(
      'SELECT revision, count(*) AS n FROM determinations GROUP BY revision',
    );
    assert.ok(
      recordedRevisions.rows.every((r) => r.revision === revisionA || r.revision === revisionB),
    );
  });

  it('keeps serving its revision when a published one fails to compile there', async () => {
    // Published behind the check's back (as another installation with other code sets might):
    // the instance logs it, keeps its revision and reports the mismatch.
    const bogus = 'ffffffffffffffff';
    await a.store.db.query('INSERT INTO policy_revisions (revision, files) VALUES ($1, $2)', [
      bogus,
      JSON.stringify([{ path: 'bcbsma/291.yaml', text: 'id: [' }]),
    ]);
    await a.store.db.query('INSERT INTO policy_publications (revision) VALUES ($1)', [bogus]);
    for (const i of [a, b]) {
      await i.following.follower.check();
      const h = await health(i);
      assert.equal(h.revision, revisionB);
      assert.equal(h.published?.revision, bogus);
      assert.equal(h.published?.served, false);
      assert.match(h.published?.error ?? '', /./);
      assert.ok(
        i.errors.some((m) => /failed here/.test(m)),
        i.errors.join('; '),
      );
      const res = await postJson(i.app, '/v1/determinations', CRPS);
      assert.equal(res.json<{ revision: string }>().revision, revisionB);
    }
  });
});
