// Growable columns: histories and logs keep one typed array per field and double it when full, so appends stay
// amortised O(1) without an object per row.
export type Column = Float64Array | Int32Array | Uint8Array | Uint16Array;

/** `a` itself when it already holds `need` elements, else a copy with at least twice the length. */
export function grow<T extends Column>(a: T, need: number): T {
  if (need <= a.length) return a;
  let n = Math.max(1, a.length * 2);
  while (n < need) n *= 2;
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}
