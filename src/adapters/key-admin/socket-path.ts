import { resolve } from 'node:path';

/**
 * Where a service on the embedded store listens for key administration: beside its data
 * directory, like the lock file, so whoever may open the database may manage its keys and no
 * one else (the socket is the owner's only, and never on the network).
 */
export function keyAdminSocketPath(dataDir: string): string {
  return `${resolve(dataDir).replace(/\/+$/, '')}.keys.sock`;
}

/** Unix socket paths are limited to 107 bytes (sun_path) on Linux. */
export const MAX_SOCKET_PATH = 107;
