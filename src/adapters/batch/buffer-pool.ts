// Large buffers handed back for reuse. A fresh buffer of a megabyte is fresh memory: the first
// write to each of its pages faults into the kernel, which cost more than the rows written into
// it (measured: 180 ns a row). Chunks and rows therefore cycle through a few buffers.

const KEEP = 4;
const SLACK = 1 << 16;

export class BufferPool {
  private readonly spare: ArrayBuffer[] = [];

  /** A buffer of at least `size` bytes, reused when one is free; its contents are garbage. */
  take(size: number): Buffer {
    while (this.spare.length > 0) {
      const a = this.spare.pop()!;
      if (a.byteLength >= size) return Buffer.from(a, 0, a.byteLength);
      // Too small: requests only grow (rows and chunks settle at a size), so it is dropped
      // rather than kept, where it would take the place of a buffer that fits.
    }
    // With room to spare, so that the next request, a little larger, can still reuse it.
    return Buffer.allocUnsafeSlow(Math.ceil((size * 1.125) / SLACK) * SLACK);
  }

  /** Gives a buffer back; its bytes must no longer be in use anywhere. */
  give(a: ArrayBuffer): void {
    if (a.byteLength === 0) return; // detached: moved to another thread
    if (this.spare.length < KEEP) this.spare.push(a);
  }
}
