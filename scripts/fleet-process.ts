// A fleet on one machine: N `medpolicy serve` processes on one PostgreSQL database behind HAProxy
// (Debian's haproxy package), as deploy/haproxy.cfg describes. Used by `npm run fleet` (to try
// it) and `npm run fleet:drill` (to measure it).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../src/package-root.js';

export interface FleetOptions {
  instances: number;
  databaseUrl: string;
  /** The balancer's port; instance i listens on port + i. */
  port: number;
  /** Passed to each instance's --drain-ms: longer than the balancer takes to mark it down. */
  drainMs: number;
  /** Each instance's --rate-limit. */
  rateLimit: number;
  logLevel?: string;
  /** Told each instance's and the balancer's stderr lines (not request data). */
  onLog?: (line: string) => void;
}

export interface Instance {
  name: string;
  port: number;
  child: ChildProcess;
}

export interface ServerStat {
  status: string;
  sessions: number;
  /** Requests HAProxy tried again after a connection to this server failed (same or another). */
  retries: number;
  redispatches: number;
}

export interface Fleet {
  url: string;
  instances: Instance[];
  configFile: string;
  /** Stops instance i with a signal and waits for it to exit; its exit code. */
  stop(i: number, signal: NodeJS.Signals): Promise<number | null>;
  /** Starts instance i again on its port and waits until the balancer sends to it. */
  start(i: number): Promise<void>;
  /** HAProxy's view of a server: status (UP, DOWN, …), current sessions, requests it retried. */
  server(i: number): Promise<ServerStat>;
  /** Stops the balancer, then every instance (without a drain: nothing sends to them any more). */
  close(): Promise<void>;
}

// The balancer checks every 500 ms and marks a server down after 2 failures: a draining instance
// is out within about 1 s, and a killed one at its first refused connection (observe layer4).
export function haproxyConfig(
  port: number,
  servers: { name: string; port: number }[],
  statsSocket: string,
): string {
  return `# Written by scripts/fleet-process.ts; deploy/haproxy.cfg is the documented deployment.
global
    maxconn 4096
    stats socket ${statsSocket} mode 600 level admin

defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    timeout http-request 10s
    timeout http-keep-alive 10s
    # A connection that fails is tried again, elsewhere (see deploy/haproxy.cfg).
    retries 3
    retry-on conn-failure
    option redispatch 1

frontend medpolicy
    bind 127.0.0.1:${port}
    default_backend medpolicy

backend medpolicy
    balance leastconn
    option httpchk GET /healthz
    http-check expect status 200
    default-server inter 500ms fastinter 250ms downinter 500ms fall 2 rise 2 observe layer4 error-limit 1 on-error mark-down
${servers.map((s) => `    server ${s.name} 127.0.0.1:${s.port} check`).join('\n')}
`;
}

function startInstance(opts: FleetOptions, name: string, port: number): Promise<Instance> {
  const child = spawn(
    process.execPath,
    [
      join(packageRoot(), 'bin', 'medpolicy.js'),
      'serve',
      '--port',
      String(port),
      '--drain-ms',
      String(opts.drainMs),
      '--rate-limit',
      String(opts.rateLimit),
      '--log-level',
      opts.logLevel ?? 'warn',
    ],
    {
      env: { ...process.env, DATABASE_URL: opts.databaseUrl },
      // Its own process group: Ctrl-C reaches the fleet script, which stops instances in order.
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    for (const line of d.toString().split('\n')) if (line) opts.onLog?.(`${name}: ${line}`);
  });
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (/medpolicy serving at /.test(err)) {
        clearInterval(timer);
        resolve({ name, port, child });
      } else if (child.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`${name} exited:\n${err}`));
      }
    }, 50);
  });
}

/** One command on HAProxy's stats socket; its answer. */
function haproxyCommand(socket: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = connect(socket);
    let out = '';
    c.on('data', (d) => (out += d.toString()));
    c.on('end', () => resolve(out));
    c.on('error', reject);
    c.end(`${command}\n`);
  });
}

export async function startFleet(opts: FleetOptions): Promise<Fleet> {
  const dir = mkdtempSync(join(tmpdir(), 'medpolicy-fleet-'));
  const socket = join(dir, 'haproxy.sock');
  const names = Array.from({ length: opts.instances }, (_, i) => ({
    name: `medpolicy${i + 1}`,
    port: opts.port + i + 1,
  }));
  const instances = await Promise.all(names.map((s) => startInstance(opts, s.name, s.port)));
  const configFile = join(dir, 'haproxy.cfg');
  writeFileSync(configFile, haproxyConfig(opts.port, names, socket));
  // -W master-worker, -db in the foreground: it is this process's child and stops with it.
  const haproxy = spawn('haproxy', ['-W', '-db', '-f', configFile], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  haproxy.stderr!.on('data', (d: Buffer) => {
    for (const line of d.toString().split('\n')) if (line) opts.onLog?.(`haproxy: ${line}`);
  });
  const spawned = await Promise.race([
    once(haproxy, 'spawn').then(() => true),
    once(haproxy, 'error').then(() => false),
  ]);
  if (!spawned) {
    for (const i of instances) i.child.kill('SIGKILL');
    throw new Error('haproxy did not start: is it installed (apt-get install -y haproxy)?');
  }

  const server = async (i: number) => {
    const csv = await haproxyCommand(socket, 'show stat');
    const row = csv
      .split('\n')
      .map((l) => l.split(','))
      .find((f) => f[0] === 'medpolicy' && f[1] === names[i]!.name);
    // Fields of `show stat` (HAProxy management guide, 9.1): 4 scur, 15 wretr, 16 wredis, 17 status.
    return {
      status: row?.[17] ?? 'unknown',
      sessions: Number(row?.[4] ?? 0),
      retries: Number(row?.[15] ?? 0),
      redispatches: Number(row?.[16] ?? 0),
    };
  };
  const untilUp = async (i: number) => {
    for (let n = 0; n < 200; n++) {
      if ((await server(i).catch(() => ({ status: '' }))).status.startsWith('UP')) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${names[i]!.name} never came up behind the balancer`);
  };
  for (let i = 0; i < instances.length; i++) await untilUp(i);

  const stop = async (i: number, signal: NodeJS.Signals) => {
    const child = instances[i]!.child;
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    const exited = once(child, 'exit') as Promise<[number | null]>;
    child.kill(signal);
    return (await exited)[0];
  };
  return {
    url: `http://127.0.0.1:${opts.port}`,
    instances,
    configFile,
    stop,
    server,
    async start(i) {
      instances[i] = await startInstance(opts, names[i]!.name, names[i]!.port);
      await untilUp(i);
    },
    async close() {
      if (haproxy.exitCode === null) {
        const gone = once(haproxy, 'exit');
        haproxy.kill('SIGTERM');
        await gone;
      }
      await Promise.all(instances.map((_, i) => stop(i, 'SIGINT')));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
