// A progress line on standard error when it is a terminal: lines, lines/s and, for a file, the
// ETA. Silent otherwise (pipes, CI, logs). Counts only: never a line's content.

export class Progress {
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
