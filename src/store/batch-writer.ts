/**
 * Group commit: records that arrive while a commit is in flight are written together in the
 * next one. Every caller's promise resolves only after the commit that holds its records, so a
 * caller that answers after awaiting still never answers with an unrecorded decision; batching
 * only saves round trips and fsyncs under load, and adds no delay when idle.
 */
export class BatchWriter<T> {
  private queue: { items: T[]; resolve: () => void; reject: (e: unknown) => void }[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly flush: (items: T[]) => Promise<void>,
    private readonly maxConcurrent: number,
    private readonly maxBatch: number,
    /**
     * Whether a failed commit may be one writer's bad record rather than the database's state
     * (a data exception): then each writer's records are committed alone, so that one record
     * never fails another's commit. An outage is not retried this way: it would only multiply
     * the failing round trips.
     */
    private readonly isolate: (error: unknown) => boolean = () => false,
    /**
     * Records that must be waiting before a commit starts beside one already in flight. Each
     * commit costs the service a round trip's protocol work and PostgreSQL a transaction, so
     * records that can wait for the commit in flight to finish ride in the next one together;
     * only a queue this long, which that wait would hold up, gets a commit of its own at once.
     * 1 starts one as soon as anything waits (up to maxConcurrent).
     */
    private readonly minToOverlap = 1,
  ) {}

  write(items: T[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ items, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // After this turn's I/O callbacks, so requests parsed together commit together.
        setImmediate(() => {
          this.scheduled = false;
          this.pump();
        });
      }
    });
  }

  /** Writes waiting or in flight. */
  get pending(): number {
    return this.queue.length + this.inFlight;
  }

  private queuedRecords(): number {
    let n = 0;
    for (const q of this.queue) {
      n += q.items.length;
      if (n >= this.minToOverlap) break;
    }
    return n;
  }

  private async flushEachAlone(batch: typeof this.queue): Promise<void> {
    for (const b of batch) {
      try {
        await this.flush(b.items);
        b.resolve();
      } catch (e) {
        b.reject(e);
      }
    }
  }

  private pump(): void {
    while (
      this.inFlight < this.maxConcurrent &&
      this.queue.length > 0 &&
      (this.inFlight === 0 || this.queuedRecords() >= this.minToOverlap)
    ) {
      const batch: typeof this.queue = [];
      let size = 0;
      while (this.queue.length > 0 && (batch.length === 0 || size < this.maxBatch)) {
        const next = this.queue.shift()!;
        batch.push(next);
        size += next.items.length;
      }
      this.inFlight++;
      this.flush(batch.flatMap((b) => b.items))
        .then(
          () => {
            for (const b of batch) b.resolve();
          },
          (e: unknown) => {
            if (batch.length > 1 && this.isolate(e)) return this.flushEachAlone(batch);
            for (const b of batch) b.reject(e);
            return undefined;
          },
        )
        .finally(() => {
          this.inFlight--;
          this.pump();
        });
    }
  }
}
