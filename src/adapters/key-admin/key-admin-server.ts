import { chmodSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AuditStore } from '../../store/audit-store.js';
import { keyAdminSocketPath, MAX_SOCKET_PATH } from './socket-path.js';

/**
 * API-key administration for a running service on the embedded store. PGlite is one process's
 * database, so `medpolicy keys` cannot open it while the service holds it; the CLI asks the
 * service instead, over a Unix socket only its owner can open. A revocation made here is
 * effective at once: the service forgets the keys it had checked.
 */
export async function startKeyAdmin(
  dataDir: string,
  store: AuditStore,
  forgetCheckedKeys: () => void,
): Promise<{ path: string; close: () => Promise<void> } | { unavailable: string }> {
  const path = keyAdminSocketPath(dataDir);
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH)
    return { unavailable: `the socket path ${path} is longer than ${MAX_SOCKET_PATH} bytes` };
  const server = createServer((req, res) => {
    handle(req, store, forgetCheckedKeys).then(
      ([status, body]) => reply(res, status, body),
      (e: unknown) => reply(res, 503, { error: (e as Error).message }),
    );
  });
  // A socket left by a process that is gone (the data-dir lock says no live one holds it).
  rmSync(path, { force: true });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(path, () => ok());
  });
  chmodSync(path, 0o600);
  return {
    path,
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }).finally(() => rmSync(path, { force: true })),
  };
}

async function handle(
  req: IncomingMessage,
  store: AuditStore,
  forgetCheckedKeys: () => void,
): Promise<[number, unknown]> {
  const url = req.url ?? '';
  if (req.method === 'GET' && url === '/keys') return [200, await store.listApiKeys()];
  if (req.method === 'POST' && url === '/keys') {
    const body = (await readJson(req)) as { name?: unknown } | undefined;
    const name = typeof body?.name === 'string' ? body.name.trim() : '';
    if (!name) return [422, { error: 'a key needs a name' }];
    return [201, await store.createApiKey(name)];
  }
  const revoke = /^\/keys\/([^/]+)\/revoke$/.exec(url);
  if (req.method === 'POST' && revoke) {
    const revoked = await store.revokeApiKey(decodeURIComponent(revoke[1]!));
    if (revoked) forgetCheckedKeys();
    return [200, { revoked }];
  }
  return [404, { error: `no key action ${req.method ?? ''} ${url}` }];
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of req) {
    text += String(chunk);
    if (text.length > 4096) return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
