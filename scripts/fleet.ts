// npm run fleet -- --instances 3: N `medpolicy serve` on one PostgreSQL database behind HAProxy,
// on this machine, until Ctrl-C or SIGTERM. DATABASE_URL names the database; without it a fresh
// one is made on the local PostgreSQL (MEDPOLICY_TEST_PG) and dropped at the end.
import { parseArgs } from 'node:util';
import { freshDatabase, type FreshDatabase } from '../test/support/postgres.js';
import { startFleet } from './fleet-process.js';

const USAGE = `Usage: npm run fleet -- [--instances N] [--port P] [--drain-ms MS] [--rate-limit N]

  --instances N    medpolicy serve processes (default 3), on ports P+1 … P+N
  --port P         the balancer's port (default 8080)
  --drain-ms MS    each instance's drain after SIGTERM (default 2000; the balancer needs ~1 s)
  --rate-limit N   requests per minute per API key or address, over the whole fleet (default 6000)
  --verbose        show the instances' and HAProxy's log lines`;

const { values } = parseArgs({
  options: {
    instances: { type: 'string', default: '3' },
    port: { type: 'string', default: '8080' },
    'drain-ms': { type: 'string', default: '2000' },
    'rate-limit': { type: 'string', default: '6000' },
    verbose: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const instances = Number(values.instances);
const port = Number(values.port);
if (!(Number.isInteger(instances) && instances >= 1 && Number.isInteger(port))) {
  console.error(USAGE);
  process.exit(2);
}

let db: FreshDatabase | undefined;
const databaseUrl = process.env['DATABASE_URL'] || (db = await freshDatabase()).url;
const fleet = await startFleet({
  instances,
  databaseUrl,
  port,
  drainMs: Number(values['drain-ms']),
  rateLimit: Number(values['rate-limit']),
  ...(values.verbose ? { onLog: (line: string) => console.error(line) } : {}),
});
console.log(`medpolicy fleet at ${fleet.url}: ${instances} instance(s) behind HAProxy`);
for (const i of fleet.instances)
  console.log(`  ${i.name} on 127.0.0.1:${i.port} (pid ${i.child.pid})`);
console.log(`  balancer config ${fleet.configFile}`);
console.log(`  database ${db ? `${db.name} (fresh; dropped on exit)` : 'DATABASE_URL'}`);
console.log('  try: kill -TERM <pid> (drains), kill -9 <pid>; Ctrl-C stops the fleet');

let closing = false;
const shutdown = async (signal: string) => {
  if (closing) return;
  closing = true;
  console.log(`${signal}: stopping the balancer, then the instances`);
  await fleet.close();
  await db?.drop();
  process.exit(0);
};
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
