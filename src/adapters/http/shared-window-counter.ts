import type { WindowCounter } from './fixed-window.js';

/** Adds counts made on this instance to the shared windows; answers the totals of every instance. */
export type AddToWindow = (
  windowStart: number,
  counts: ReadonlyMap<string, number>,
) => Promise<Map<string, number>>;

export interface SharedWindowOptions {
  /** The limit the counts are checked against: sets how much an instance may count unshared. */
  limit: number;
  windowMs: number;
  add: AddToWindow;
  /** Forgets windows that started before the given time. */
  prune?: (before: number) => Promise<void>;
  /** How often counts are shared when nothing forces it sooner. */
  syncMs?: number;
  /** Told when sharing fails (the counter then limits on this instance's counts alone). */
  onError?: (e: unknown) => void;
}

/**
 * Share of the limit one instance may count without telling the others. Every instance can be
 * at most this far ahead of what the others know, so the limit may be exceeded by at most
 * (instances − 1) × budget per window: 5% of the limit per extra instance.
 */
export const UNSHARED_FRACTION = 1 / 20;
const DEFAULT_SYNC_MS = 500;
/** After a failed share, how long to count locally before trying again. */
const RETRY_MS = 1_000;
/** Beyond this many callers in a window, those with nothing left to share are forgotten. */
const MAX_SLOTS = 50_000;

interface Slot {
  /** The caller's total over every instance, as of this instance's last share. */
  known: number;
  /** Events counted here in this window. */
  counted: number;
  /** Of those, how many the shared total has. */
  shared: number;
  /** Of those, how many are being shared now. */
  sending: number;
}

/**
 * Counts events per key in fixed windows aligned to the clock, shared by every instance through
 * the database without a round-trip per event: each instance counts locally and adds its counts
 * to the shared total every syncMs, or as soon as it has counted half its budget unshared. Only
 * when an instance has counted its whole budget unshared does an event wait for the share, so a
 * busy caller costs one round-trip per budget, and a caller already over the limit none.
 */
export class SharedWindowCounter implements WindowCounter {
  readonly budget: number;
  private windowStart = -1;
  private slots = new Map<string, Slot>();
  private flushing: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  private offlineUntil = 0;
  private prunedWindow = -1;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly opts: SharedWindowOptions) {
    this.budget = Math.max(1, Math.floor(opts.limit * UNSHARED_FRACTION));
    this.timer = setInterval(() => this.tick(), opts.syncMs ?? DEFAULT_SYNC_MS);
    this.timer.unref();
  }

  add(key: string): number | Promise<number> {
    const slot = this.slot(key);
    const ordinal = ++slot.counted;
    // This event's place in the caller's count on every instance, as far as this one knows:
    // events counted here after it, even if shared with it, are not before it.
    const place = () => slot.known + ordinal - slot.shared;
    const unshared = slot.counted - slot.shared;
    // Over the limit everywhere already (counts only grow in a window), or the store is away.
    if (slot.known >= this.opts.limit || Date.now() < this.offlineUntil) return place();
    if (unshared >= this.budget) return this.share().then(place);
    if (unshared * 2 >= this.budget && !this.flushing) void this.share();
    return place();
  }

  count(key: string): number {
    this.roll();
    const slot = this.slots.get(key);
    return slot ? slot.known + slot.counted - slot.shared : 0;
  }

  msLeft(): number {
    return this.opts.windowMs - (Date.now() % this.opts.windowMs);
  }

  /** Stops the timer and shares what is still unshared, so a stopping instance's counts stay. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.share();
  }

  private roll(): void {
    const now = Date.now();
    const start = now - (now % this.opts.windowMs);
    if (start !== this.windowStart) {
      this.windowStart = start;
      this.slots = new Map();
    }
  }

  private slot(key: string): Slot {
    this.roll();
    let slot = this.slots.get(key);
    if (!slot) {
      slot = { known: 0, counted: 0, shared: 0, sending: 0 };
      this.slots.set(key, slot);
    }
    return slot;
  }

  /** One share at a time; whoever asks while one runs gets the next, which has their count. */
  private share(): Promise<void> {
    if (!this.flushing) {
      this.flushing = this.flush().finally(() => {
        this.flushing = undefined;
      });
      return this.flushing;
    }
    this.queued ??= this.flushing.then(() => {
      this.queued = undefined;
      return this.share();
    });
    return this.queued;
  }

  private async flush(): Promise<void> {
    const windowStart = this.windowStart;
    const counts = new Map<string, number>();
    const sent: [Slot, string, number][] = [];
    for (const [key, slot] of this.slots) {
      const unsent = slot.counted - slot.shared - slot.sending;
      if (unsent === 0) continue;
      counts.set(key, unsent);
      sent.push([slot, key, unsent]);
      slot.sending += unsent;
    }
    if (counts.size === 0) return;
    try {
      const totals = await this.opts.add(windowStart, counts);
      for (const [slot, key, n] of sent) {
        slot.sending -= n;
        slot.shared += n;
        slot.known = Math.max(slot.known, totals.get(key) ?? 0);
      }
    } catch (e) {
      for (const [slot, , n] of sent) slot.sending -= n;
      this.offlineUntil = Date.now() + RETRY_MS;
      this.opts.onError?.(e);
    }
  }

  private tick(): void {
    this.roll();
    if (Date.now() >= this.offlineUntil) {
      for (const slot of this.slots.values()) {
        if (slot.counted > slot.shared + slot.sending) {
          void this.share();
          break;
        }
      }
    }
    if (this.slots.size > MAX_SLOTS) {
      for (const [key, slot] of this.slots)
        if (slot.counted === slot.shared) this.slots.delete(key);
    }
    // Each instance prunes once a window; the previous window stays for late shares.
    if (this.opts.prune && this.prunedWindow !== this.windowStart) {
      this.prunedWindow = this.windowStart;
      this.opts.prune(this.windowStart - this.opts.windowMs).catch(() => {});
    }
  }
}
