// npm run fuzz: the HTTP fuzz harness (test/support/fuzz*.ts) against the service started in this
// process with API keys required. Prints the figures and exits 1 on any violation.
//   --requests N   (default 100000)   --seed S (default 1)   --concurrency C (default 16)
//   --store pglite|postgres   postgres: DATABASE_URL, or a fresh database from test/support/postgres.ts
//   --only I       replay request I of the seed alone (the index each example prints)
import { parseArgs } from 'node:util';
import { openStore } from '../src/store/open-store.js';
import { formatReport, runFuzz } from '../test/support/fuzz-run.js';
import { freshDatabase, type FreshDatabase } from '../test/support/postgres.js';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '100000' },
    seed: { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '16' },
    store: { type: 'string', default: 'pglite' },
    only: { type: 'string' },
  },
});

const int = (name: string, v: string) => {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) {
    console.error(`--${name} must be an integer, not '${v}'`);
    process.exit(2);
  }
  return n;
};

if (values.store !== 'pglite' && values.store !== 'postgres') {
  console.error(`--store must be pglite or postgres, not '${values.store}'`);
  process.exit(2);
}

let fresh: FreshDatabase | undefined;
let databaseUrl: string | undefined;
if (values.store === 'postgres') {
  databaseUrl = process.env['DATABASE_URL'];
  if (!databaseUrl) {
    fresh = await freshDatabase();
    databaseUrl = fresh.url;
  }
}
const store = await openStore(databaseUrl ? { databaseUrl } : { dataDir: 'memory://' });
try {
  const report = await runFuzz({
    requests: int('requests', values.requests),
    seed: int('seed', values.seed),
    concurrency: int('concurrency', values.concurrency),
    store,
    ...(values.only !== undefined ? { only: int('only', values.only) } : {}),
  });
  console.log(`store: ${store.description}`);
  console.log(formatReport(report));
  process.exitCode = report.violationCount > 0 ? 1 : 0;
} finally {
  await store.close();
  await fresh?.drop();
}
