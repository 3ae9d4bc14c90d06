// A progress line on standard error when it is a terminal: lines, lines/s and, for a file, the
// ETA. Silent otherwise (pipes, CI, logs). Counts only: never a line's content.

/** Where a run reports the bytes and lines it has screened. */
export interface ProgressSink {
  advance(bytes: number, lines: number): void;
}

export class Progress implements ProgressSink {
  private bytes = 0;
  private lines = 0;
  private readonly start = Date.now();
  private lastDraw = 0;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly total: number | undefined,
  ) {}

  advance(bytes: number, lines: number): void {
    this.bytes += bytes;
    this.lines += lines;
    const now = Date.now();
    if (now - this.lastDraw >= 200) {
      this.lastDraw = now;
      this.draw(now);
    }
  }

  private draw(now: number): void {
    const secs = Math.max((now - this.start) / 1000, 0.001);
    const rate = this.lines / secs;
    let s = `\r${this.lines.toLocaleString('en-US')} lines  ${Math.round(rate).toLocaleString('en-US')} lines/s`;
    if (this.total) {
      const frac = Math.min(this.bytes / this.total, 1);
      const width = 24;
      const filled = Math.round(frac * width);
      const eta = frac > 0 ? (secs / frac) * (1 - frac) : 0;
      s += `  [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(frac * 100).toFixed(0)}%  ETA ${eta.toFixed(0)}s`;
    }
    this.stream.write(s + '\x1b[K');
  }

  done(): void {
    this.draw(Date.now());
    this.stream.write('\n');
  }
}

/**
 * Lines per second after the first tenth of a file: the throughput of a long run, without the
 * start (loading policy sets, starting threads, the JIT warming up). Undefined for standard
 * input, whose size is not known, and for a run too short to tell.
 */
export class SteadyRate {
  private bytes = 0;
  private lines = 0;
  private markMs: number | undefined;
  private markLines = 0;

  constructor(private readonly size: number | undefined) {}

  advance(bytes: number, lines: number): void {
    this.bytes += bytes;
    this.lines += lines;
    if (this.markMs === undefined && this.size && this.bytes >= this.size / 10) {
      this.markMs = performance.now();
      this.markLines = this.lines;
    }
  }

  linesPerSecond(): number | undefined {
    if (this.markMs === undefined) return undefined;
    const ms = performance.now() - this.markMs;
    const n = this.lines - this.markLines;
    return ms > 0 && n > 0 ? (n / ms) * 1000 : undefined;
  }
}
