// Growable columns: histories and logs keep one typed array per field and double it when full, so appends stay
// amortised O(1) without an object per row.
export type Column = Float64Array | Int32Array | Uint8Array | Uint16Array | Int8Array | Int16Array | Uint32Array;

/** `a` itself when it already holds `need` elements, else a copy with at least twice the length. */
export function grow<T extends Column>(a: T, need: number): T {
  if (need <= a.length) return a;
  let n = Math.max(1, a.length * 2);
  while (n < need) n *= 2;
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}

// ---------- columns that grow in place ----------
// Growing by copy touches the old and the new array (3x the final size over a run, and both at once at the
// peak), and on a virtual machine a fresh page costs microseconds to fault in: on a million-message run the
// copies were the largest single cost of recording history. Big columns therefore live on a resizable
// ArrayBuffer: the address range is reserved once and pages are committed as the column grows, so the
// typed array (length-tracking) stays the same object and is never copied. Small columns (tests, short runs)
// stay plain arrays, so thousands of short-lived histories do not each reserve address space.

/** Below this many elements a column grows by copy; at it, the column moves onto a reserved range. */
const IN_PLACE_FROM = 1 << 16;
/** Elements reserved when a column moves onto a resizable buffer; a column that outgrows it moves once more. */
const RESERVE = 1 << 24;

interface ResizableBuffer extends ArrayBuffer {
  readonly resizable: boolean;
  readonly maxByteLength: number;
  resize(byteLength: number): void;
}
type ColumnCtor<T extends Column> = { new (buffer: ArrayBuffer): T; new (n: number): T; readonly BYTES_PER_ELEMENT: number };

/**
 * `a` with room for at least `need` elements: `a` itself while it has room or can grow in place, else a new
 * column holding `a`'s elements. Callers assign the result back, as with `grow`.
 */
export function growInPlace<T extends Column>(a: T, need: number): T {
  if (need <= a.length) return a;
  const ctor = a.constructor as ColumnCtor<T>;
  const bytes = ctor.BYTES_PER_ELEMENT;
  const buf = a.buffer as ResizableBuffer;
  let n = Math.max(1, a.length * 2);
  while (n < need) n *= 2;
  if (buf.resizable && need * bytes <= buf.maxByteLength) {
    buf.resize(Math.min(n * bytes, buf.maxByteLength));
    return a;
  }
  if (n < IN_PLACE_FROM) return grow(a, need);
  let reserve = RESERVE;
  while (reserve < n) reserve *= 8;
  const ArrayBufferWithMax = ArrayBuffer as unknown as new (length: number, options: { maxByteLength: number }) => ArrayBuffer;
  const b = new ctor(new ArrayBufferWithMax(n * bytes, { maxByteLength: reserve * bytes }));
  b.set(a);
  return b;
}

// ---------- columns that start narrow ----------
// Most values a history records are small integers (actor ids, partitions, delivery counts) or integer
// microseconds that fit 32 bits, yet a few runs record wider ones (a 12-hour visibility timeout in µs, a run
// longer than 71 minutes). A narrow column holds them all until the first value that does not fit; that write
// widens the column once (a copy into the wider type, same length and growth regime). The writer checks by
// reading the element back: a narrow typed array stores a value that does not fit as a different value.

/**
 * A copy of `a` as a `ctor` column of the same length (on a reserved, resizable range when `a` is on one),
 * holding `a`'s elements converted exactly (callers only widen: Int16 → Int32, 32-bit → Float64).
 */
export function widen<T extends Column>(a: Column, ctor: ColumnCtor<T>): T {
  const buf = a.buffer as ResizableBuffer;
  let b: T;
  if (buf.resizable) {
    const maxElements = buf.maxByteLength / a.BYTES_PER_ELEMENT;
    const ArrayBufferWithMax = ArrayBuffer as unknown as new (length: number, options: { maxByteLength: number }) => ArrayBuffer;
    b = new ctor(new ArrayBufferWithMax(a.length * ctor.BYTES_PER_ELEMENT, { maxByteLength: maxElements * ctor.BYTES_PER_ELEMENT }));
  } else b = new ctor(a.length);
  b.set(a);
  return b;
}
