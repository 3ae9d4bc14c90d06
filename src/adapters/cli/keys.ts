import { parseArgs } from 'node:util';
import type { DecisionContext } from '../../service/load-context.js';
import { DataDirInUseError } from '../../store/data-dir-lock.js';
import { DEFAULT_DATA_DIR, openStore, storeOptionsFromEnv } from '../../store/open-store.js';
import { runningServiceKeyAdmin, type KeyAdmin } from '../key-admin/key-admin-client.js';
import { EXIT, UsageError } from './exit-codes.js';
import { table } from './render-table.js';

export const KEYS_USAGE = `Usage: medpolicy keys create --name NAME
       medpolicy keys list
       medpolicy keys revoke KEY_ID

Manages the API keys the service requires off loopback. A key's secret is printed once, at
creation; only its hash is stored. A revoked key stops working within one second. While a
service runs on the embedded database, these commands ask that service (over a socket beside
its data directory that only its owner can open).

Options:
  --name NAME       who the key is for (create)
  --data-dir DIR    embedded database directory (default .medpolicy/data); DATABASE_URL for PostgreSQL
  -h, --help        show this help`;

export async function keys(
  argv: string[],
  _ctx: () => Promise<DecisionContext> | DecisionContext,
  out: (s: string) => void,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      name: { type: 'string' },
      'data-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) {
    out(KEYS_USAGE);
    return EXIT.decided;
  }
  const [action, ...args] = positionals;
  if (action !== 'create' && action !== 'list' && action !== 'revoke') {
    throw new UsageError(action ? `unknown keys action '${action}'` : 'say create, list or revoke');
  }
  if (action === 'create' && !values.name?.trim()) throw new UsageError('keys create needs --name');
  if (action === 'revoke' && args.length !== 1)
    throw new UsageError('keys revoke needs one KEY_ID');
  const opts = storeOptionsFromEnv(process.env);
  if (values['data-dir']) opts.dataDir = values['data-dir'];
  const admin = await openKeyAdmin(opts);
  try {
    if (action === 'create') {
      const { id, key } = await admin.create(values.name!.trim());
      out(`created ${id}\nkey: ${key}\nThis is the only time the key is shown; store it now.`);
      return EXIT.decided;
    }
    if (action === 'list') {
      const list = await admin.list();
      out(
        table(
          ['id', 'name', 'created', 'revoked'],
          list.map((k) => [k.id, k.name, k.createdAt, k.revokedAt ?? '']),
        ),
      );
      return EXIT.decided;
    }
    const revoked = await admin.revoke(args[0]!);
    out(revoked ? `revoked ${args[0]}` : `no live key has id ${args[0]}`);
    return revoked ? EXIT.decided : EXIT.rejected;
  } finally {
    await admin.close();
  }
}

/** The store itself, or the running service that holds the embedded one. */
async function openKeyAdmin(opts: ReturnType<typeof storeOptionsFromEnv>): Promise<KeyAdmin> {
  try {
    const store = await openStore(opts);
    return {
      create: (name) => store.createApiKey(name),
      list: () => store.listApiKeys(),
      revoke: (id) => store.revokeApiKey(id),
      close: () => store.close(),
    };
  } catch (e) {
    if (!(e instanceof DataDirInUseError)) throw e;
    const running = runningServiceKeyAdmin(opts.dataDir ?? DEFAULT_DATA_DIR);
    if (!running) throw e;
    return running;
  }
}
