// The two hashes a Pulsar client and broker use on message keys: Java's String.hashCode (the producer's
// default JavaStringHash, masked to non-negative, picks the partition) and Murmur3 x86 32-bit with seed 0
// over the UTF-8 key (Key_Shared maps it into the 0..65535 hash range).

/** The Pulsar producer's default partition hash: Java's String.hashCode masked to non-negative. */
export function pulsarKeyHash(s: string): number {
  return javaStringHash(s) & 0x7fffffff;
}

import { javaStringHash } from "../java-hash.ts";

export { javaStringHash };

export function murmur3_32(bytes: Uint8Array, seed = 0): number {
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = seed | 0;
  const n = bytes.length;
  const blocks = n & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k = bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = n & 3;
  if (tail > 0) {
    let k = 0;
    if (tail === 3) k ^= bytes[blocks + 2] << 16;
    if (tail >= 2) k ^= bytes[blocks + 1] << 8;
    k ^= bytes[blocks];
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
  }
  h ^= n;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const encoder = new TextEncoder();

/** Key_Shared hash range slot of a key, 0..65535. */
export function keySharedSlot(key: string): number {
  return murmur3_32(encoder.encode(key)) % 65536;
}
