/** Counts events per key in fixed windows, on this instance or shared by all. */
export interface WindowCounter {
  /** Counts one event; the key's count in this window, this one included. */
  add(key: string): number | Promise<number>;
  count(key: string): number;
  msLeft(): number;
}

/**
 * Counts events per key in fixed windows on this instance alone: cheap enough for every refused request, and bounded,
 * since the whole table is dropped when its window ends.
 */
export class FixedWindowCounter implements WindowCounter {
  private counts = new Map<string, number>();
  private windowEnds = 0;

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  private roll(): void {
    const now = this.now();
    if (now >= this.windowEnds) {
      this.counts.clear();
      this.windowEnds = now + this.windowMs;
    }
  }

  add(key: string): number {
    this.roll();
    const n = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, n);
    return n;
  }

  count(key: string): number {
    this.roll();
    return this.counts.get(key) ?? 0;
  }

  msLeft(): number {
    return Math.max(0, this.windowEnds - this.now());
  }
}
