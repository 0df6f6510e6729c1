/**
 * A small seeded PRNG (sfc32, seeded through the xmur3 string hash): the same seed and label always give the
 * same stream, so any object of the dataset can be generated on its own, in any order, without Math.random.
 */
export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max], both included. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
  hex(chars: number): string;
  bytes(n: number): Buffer;
}

function xmur3(text: string): () => number {
  let h = 1779033703 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 3432918353);
    h = (h << 13) | (h >>> 19);
  }
  return () => {
    h = Math.imul(h ^ (h >>> 16), 2246822507);
    h = Math.imul(h ^ (h >>> 13), 3266489909);
    return (h ^= h >>> 16) >>> 0;
  };
}

function sfc32(a: number, b: number, c: number, d: number): () => number {
  return () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return t >>> 0;
  };
}

export function rng(seed: number | string, label: string): Rng {
  const h = xmur3(`${seed}\u0000${label}`);
  const u32 = sfc32(h(), h(), h(), h());
  for (let i = 0; i < 12; i++) u32(); // let the state mix before the first draw
  const next = () => u32() / 4294967296;
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    pick<T>(items: readonly T[]): T {
      if (!items.length) throw new RangeError('pick from an empty list');
      return items[int(0, items.length - 1)] as T;
    },
    chance: (p) => next() < p,
    hex: (chars) => {
      let out = '';
      while (out.length < chars) out += u32().toString(16).padStart(8, '0');
      return out.slice(0, chars);
    },
    bytes: (n) => {
      const buf = Buffer.alloc(n);
      for (let i = 0; i < n; i += 4) {
        const v = u32();
        for (let j = 0; j < 4 && i + j < n; j++) buf[i + j] = (v >>> (8 * j)) & 0xff;
      }
      return buf;
    },
  };
}
