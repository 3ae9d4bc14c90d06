// A small seeded PRNG for the fuzzer. Each request draws from its own generator, derived from
// (run seed, request index), so request i is the same whatever the concurrency or the order in
// which answers come back, and one request can be replayed alone (--only i).

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [0, n). */
  int(n: number): number;
  pick<T>(xs: readonly T[]): T;
  chance(p: number): boolean;
}

// splitmix32's finalizer: spreads nearby (seed, index) pairs over the whole state space.
function mix(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x21f0aaad);
  x = Math.imul(x ^ (x >>> 15), 0x735a2d97);
  return (x ^ (x >>> 15)) >>> 0;
}

/** mulberry32: fast, 32-bit state, good enough to choose mutations. */
export function rng(seed: number, stream = 0): Rng {
  let a = mix((seed >>> 0) ^ mix(stream + 0x9e3779b9));
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return {
    next,
    int,
    pick: <T>(xs: readonly T[]): T => {
      if (xs.length === 0) throw new Error('pick from an empty list');
      return xs[int(xs.length)]!;
    },
    chance: (p) => next() < p,
  };
}

/** A UUID drawn from the generator, so ids inside request bodies are reproducible too. */
export function uuidFrom(r: Rng): string {
  const hex = Array.from({ length: 32 }, () => r.int(16).toString(16)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${'89ab'[r.int(4)]}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
