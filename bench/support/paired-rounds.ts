// Paired rounds: the contenders take turns (A B C D A B C D …), each round every contender
// decides the same slice of the workload, and each is timed by the CPU time and the wall-clock
// time of its turn. On a shared machine a slow stretch then hits neighbouring turns alike, so
// the ratio of two contenders taken within each round is steadier than a ratio of totals.

export interface Contender {
  name: string;
  /** Decides items [from, to) of the workload; returns something derived from the answers. */
  run(from: number, to: number): number | Promise<number>;
}

export interface Timings {
  name: string;
  /** Items per CPU-second of this process, one per round. */
  cpu: number[];
  /** Items per wall-clock second, one per round. */
  wall: number[];
  /** Slices in each timed turn (1 unless minTurnMs is set). */
  slicesPerTurn: number;
}

export interface RoundsOptions {
  rounds: number;
  perRound: number;
  /** Items in the workload; the rounds go through it in slices of perRound. */
  size: number;
  /** Untimed rounds first, for the JIT. */
  warmup: number;
  /**
   * Run at the end of every turn, inside its timing: a garbage collection, so that each
   * contender pays for collecting its own garbage and none for another's (otherwise the first
   * scavenge of a turn copies what the previous contender left alive).
   */
  endOfTurn?: () => void;
  /**
   * Each contender's turn runs consecutive slices until it lasts about this long, counted from
   * the last warm-up rounds (without warm-up rounds, one slice). A turn has fixed costs that are
   * no contender's work, such as the caches refilled after the previous contender's turn. With
   * one slice a turn those weigh most on the fastest contender (a turn of a few milliseconds
   * beside others' tens to hundreds); turns of about equal length weigh them alike. A long run
   * of one engine alone has none.
   */
  minTurnMs?: number;
}

let sink = 0;

export async function pairedRounds(
  contenders: readonly Contender[],
  o: RoundsOptions,
): Promise<Timings[]> {
  const out = contenders.map((c) => ({
    name: c.name,
    cpu: [] as number[],
    wall: [] as number[],
    slicesPerTurn: 1,
  }));
  const per = Math.min(o.perRound, o.size);
  const slices = Math.floor(o.size / per);
  // Wall-clock seconds of each contender's one-slice turns in the last warm-up rounds.
  const calibration = contenders.map(() => [] as number[]);
  const calibrationRounds = Math.min(4, o.warmup);
  for (let r = -o.warmup; r < o.rounds; r++) {
    const first = (r + o.warmup) % slices;
    if (r === 0 && o.minTurnMs !== undefined && calibrationRounds > 0) {
      for (let i = 0; i < contenders.length; i++) {
        const slice = median(calibration[i]!) * 1000;
        out[i]!.slicesPerTurn = Math.min(slices, Math.max(1, Math.round(o.minTurnMs / slice)));
      }
    }
    for (let i = 0; i < contenders.length; i++) {
      const k = out[i]!.slicesPerTurn;
      const cpu0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      for (let j = 0; j < k; j++) {
        const start = ((first + j) % slices) * per;
        const v = contenders[i]!.run(start, start + per);
        sink += typeof v === 'number' ? v : await v;
      }
      o.endOfTurn?.();
      const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
      const used = process.cpuUsage(cpu0);
      const cpuS = (used.user + used.system) / 1e6;
      if (r < 0) {
        if (r >= -calibrationRounds) calibration[i]!.push(wallS);
        continue;
      }
      out[i]!.cpu.push((k * per) / Math.max(cpuS, 1e-6));
      out[i]!.wall.push((k * per) / wallS);
    }
  }
  if (sink === -1) console.log(sink);
  return out;
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const x = (n: number) => `${n.toFixed(2)}x`;

/** medpolicy ÷ peer in each round, by CPU time. */
export function roundRatios(ours: Timings, peer: Timings): number[] {
  return ours.cpu.map((v, i) => v / peer.cpu[i]!);
}

/** The table of one comparison: the first of `t` is medpolicy, the rest its peers. */
export function printRounds(t: readonly Timings[], unit = 'decisions', slice = 'slices'): void {
  const ours = t[0]!;
  const width = Math.max(...t.map((e) => e.name.length));
  // Turns of several slices (RoundsOptions.minTurnMs): how many each contender's had.
  const turns = t.some((e) => e.slicesPerTurn > 1);
  const header = `  ${''.padEnd(width)}  ${`${unit} per CPU-second: median [min, max]`.padEnd(46)} wall-clock/s median   medpolicy ÷ peer per round: median [min, max]`;
  console.log(turns ? `${header.padEnd(width + 100)} ${slice} a turn` : header);
  for (const e of t) {
    const cpu = `${fmt(median(e.cpu)).padStart(11)} [${fmt(Math.min(...e.cpu))}, ${fmt(Math.max(...e.cpu))}]`;
    let line = `  ${e.name.padEnd(width)}  ${cpu.padEnd(46)} ${fmt(median(e.wall)).padStart(11)}`;
    if (e !== ours) {
      const r = roundRatios(ours, e);
      line += `         ${x(median(r)).padStart(8)} [${x(Math.min(...r))}, ${x(Math.max(...r))}]`;
    }
    if (turns) line = `${line.padEnd(width + 100)} ${e.slicesPerTurn}`;
    console.log(line);
  }
}

/** "met" / "NOT met" for a ratio target, on the median of the per-round ratios. */
export function printTarget(label: string, ours: Timings, peer: Timings, target: number): void {
  const m = median(roundRatios(ours, peer));
  console.log(
    `  target: ${label} ≥ ${target}× ${peer.name}: ${m >= target ? 'met' : 'NOT met'} (${x(m)})`,
  );
}
