import { existsSync } from 'node:fs';
import { request } from 'node:http';
import type { ApiKeyInfo } from '../../store/audit-store.js';
import { keyAdminSocketPath } from './socket-path.js';

/** The key actions, whether the store is opened here or held by a running service. */
export interface KeyAdmin {
  create(name: string): Promise<{ id: string; key: string }>;
  list(): Promise<ApiKeyInfo[]>;
  revoke(id: string): Promise<boolean>;
  close(): Promise<void>;
}

/** The running service's key admin, when one listens for this data directory. */
export function runningServiceKeyAdmin(dataDir: string): KeyAdmin | undefined {
  const socketPath = keyAdminSocketPath(dataDir);
  if (!existsSync(socketPath)) return undefined;
  const call = (method: string, path: string, body?: unknown) =>
    new Promise<unknown>((ok, fail) => {
      const req = request({ socketPath, method, path }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => {
          let parsed: { error?: string } | null;
          try {
            parsed = JSON.parse(text || 'null') as { error?: string } | null;
          } catch {
            fail(
              new Error(
                `the running service answered something other than JSON: ${text.slice(0, 80)}`,
              ),
            );
            return;
          }
          if ((res.statusCode ?? 500) >= 400)
            fail(new Error(`the running service refused: ${parsed?.error ?? res.statusCode}`));
          else ok(parsed);
        });
      });
      req.on('error', fail);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  return {
    create: (name) => call('POST', '/keys', { name }) as Promise<{ id: string; key: string }>,
    list: () => call('GET', '/keys') as Promise<ApiKeyInfo[]>,
    revoke: async (id) =>
      ((await call('POST', `/keys/${encodeURIComponent(id)}/revoke`)) as { revoked: boolean })
        .revoked,
    close: async () => {},
  };
}
