// `medpolicy check` of one request, as a person or a script runs it: the whole process, timed by
// the shell's `time` (bash, getrusage of the child: user and system CPU, to the millisecond), in
// rounds that alternate with a bare `node -e 0`, so that a busy stretch of a shared machine hits
// both alike. Issue #17's target: at most 0.2 s CPU and 0.25 s wall.
//   node dist/bench/check.js [--rounds 15]
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { packageRoot } from '../src/package-root.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '15' } } });
const rounds = Number(values.rounds);
const request = join(packageRoot(), 'examples', 'bcbsma-crps.json');

interface Run {
  cpu: number;
  wall: number;
}

/** One run of `argv`, its output thrown away; fails when the command does. */
function timed(argv: string[]): Run {
  const r = spawnSync(
    'bash',
    ['-c', 'TIMEFORMAT="%3R %3U %3S"; time "$@" >/dev/null', 'bash', ...argv],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: exit ${r.status}\n${r.stderr}`);
  const [wall, user, sys] = r.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
  return { cpu: user! + sys!, wall: wall! };
}

const contenders: Record<string, string[]> = {
  'node -e 0': [process.execPath, '-e', '0'],
  'medpolicy check': [
    process.execPath,
    join(packageRoot(), 'bin', 'medpolicy.js'),
    'check',
    '--request',
    request,
  ],
};
const runs: Record<string, Run[]> = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]));
const load = [loadavg()[0]!];
for (const argv of Object.values(contenders)) timed(argv); // untimed: the file cache
for (let i = 0; i < rounds; i++) {
  for (const [name, argv] of Object.entries(contenders)) runs[name]!.push(timed(argv));
  load.push(loadavg()[0]!);
}

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const spread = (xs: number[], digits = 3) => {
  const s = sorted(xs);
  const f = (x: number) => x.toFixed(digits);
  return `${f(s[Math.floor((s.length - 1) / 2)]!)} s [${f(s[0]!)}, ${f(s.at(-1)!)}]`;
};
console.log(
  `medpolicy check of one request, whole process, ${rounds} paired rounds (median [min, max])`,
);
for (const [name, rs] of Object.entries(runs)) {
  console.log(
    `  ${name.padEnd(16)} CPU ${spread(rs.map((r) => r.cpu))}   wall ${spread(rs.map((r) => r.wall))}`,
  );
}
const check = runs['medpolicy check']!;
const bare = runs['node -e 0']!;
const above = check.map((r, i) => r.cpu - bare[i]!.cpu);
const ratio = check.map((r, i) => r.cpu / bare[i]!.cpu);
console.log(
  `  check − node, CPU per round: ${spread(above)}; check ÷ node: ${spread(ratio, 2).replaceAll(' s', '')}`,
);
const cpu = sorted(check.map((r) => r.cpu))[Math.floor((rounds - 1) / 2)]!;
const wall = sorted(check.map((r) => r.wall))[Math.floor((rounds - 1) / 2)]!;
console.log(
  `  target ≤ 0.2 s CPU, ≤ 0.25 s wall (medians): ${cpu <= 0.2 ? 'met' : 'NOT met'}, ${wall <= 0.25 ? 'met' : 'NOT met'}; load average ${spread(load, 2).replaceAll(' s', '')}`,
);
