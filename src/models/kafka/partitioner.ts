// Kafka's keyed partitioner (KIP-794 built-in partitioner, keyed path): semantics.md §1.
// The hash is Java's 32-bit murmur2 over the serialized key; the sign bit is masked (not abs) and
// the modulus is the topic's partition count, available or not.

const encoder = new TextEncoder();

/** Java-compatible murmur2 (seed 0x9747b28c), returning a signed 32-bit int like Kafka's Utils.murmur2. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  const m = 0x5bd1e995;
  const r = 24;
  let h = (0x9747b28c ^ length) | 0;
  const blocks = length >>> 2;
  for (let i = 0; i < blocks; i++) {
    const o = i << 2;
    let k = data[o] | (data[o + 1] << 8) | (data[o + 2] << 16) | (data[o + 3] << 24);
    k = Math.imul(k, m);
    k ^= k >>> r;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  // The tail (len % 4 bytes) folds in from the highest byte down, as Java's switch falls through.
  const tail = length & ~3;
  const rest = length & 3;
  if (rest > 0) {
    if (rest === 3) h ^= data[tail + 2] << 16;
    if (rest >= 2) h ^= data[tail + 1] << 8;
    h ^= data[tail];
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** Kafka's Utils.toPositive: masks the sign bit, so Integer.MIN_VALUE maps to 0 rather than overflowing like abs. */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

export function keyBytes(key: string): Uint8Array {
  return encoder.encode(key);
}

/** Scratch for the UTF-8 bytes of an ASCII key (most keys), so hashing one allocates nothing. */
let asciiScratch = new Uint8Array(64);

/** The key's UTF-8 bytes: written into a reused buffer when the key is ASCII (one byte per char), else encoded. */
function utf8Of(key: string): Uint8Array {
  const n = key.length;
  if (n > asciiScratch.length) asciiScratch = new Uint8Array(2 * n);
  for (let i = 0; i < n; i++) {
    const c = key.charCodeAt(i);
    if (c >= 0x80) return keyBytes(key);
    asciiScratch[i] = c;
  }
  return asciiScratch.subarray(0, n);
}

/** The partition a string key lands in, exactly as Kafka's default partitioner computes it. */
export function partitionForKey(key: string, numPartitions: number): number {
  if (!Number.isInteger(numPartitions) || numPartitions < 1) {
    throw new RangeError(`numPartitions must be a positive integer, got ${numPartitions}`);
  }
  return toPositive(murmur2(utf8Of(key))) % numPartitions;
}

/**
 * Memoises key → partition for one topic: a producer draws keys from a bounded key space,
 * so hashing each distinct key once keeps the per-message cost at a Map lookup.
 */
export class KeyPartitionCache {
  private readonly cache = new Map<string, number>();
  constructor(readonly numPartitions: number) {}
  partition(key: string): number {
    let p = this.cache.get(key);
    if (p === undefined) {
      p = partitionForKey(key, this.numPartitions);
      this.cache.set(key, p);
    }
    return p;
  }
}
