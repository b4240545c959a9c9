import { describe, expect, it } from "vitest";
import { grow, growInPlace, widen } from "../../src/kernel/typed-arrays.ts";

describe("growInPlace", () => {
  it("returns the same column while it has room", () => {
    const a = new Int32Array(8);
    expect(growInPlace(a, 8)).toBe(a);
  });

  it("grows small columns by copy, keeping their elements", () => {
    const a = Float64Array.from([1.5, 2.5, 3.5]);
    const b = growInPlace(a, 5);
    expect(b).not.toBe(a);
    expect(b.length).toBeGreaterThanOrEqual(5);
    expect(Array.from(b.subarray(0, 3))).toEqual([1.5, 2.5, 3.5]);
  });

  it("moves a big column onto a reserved range once, then grows it without copying", () => {
    let a = new Uint8Array(1 << 16);
    for (let i = 0; i < a.length; i++) a[i] = i & 0xff;
    a = growInPlace(a, (1 << 16) + 1);
    const moved = a;
    expect((a.buffer as ArrayBuffer & { resizable: boolean }).resizable).toBe(true);
    for (let need = a.length + 1; need < 1 << 20; need = a.length + 1) {
      a = growInPlace(a, need);
      expect(a).toBe(moved); // the same array object: length-tracking, grown in place
    }
    expect(a.length).toBeGreaterThanOrEqual(1 << 19);
    expect(a[12345]).toBe(12345 & 0xff);
    a[a.length - 1] = 7;
    expect(a[a.length - 1]).toBe(7);
  });

  it("holds the same elements as growing by copy", () => {
    let x = new Int32Array(4);
    let y = new Int32Array(4);
    for (let i = 0; i < 200_000; i++) {
      x = grow(x, i + 1);
      y = growInPlace(y, i + 1);
      x[i] = i * 3 - 7;
      y[i] = i * 3 - 7;
    }
    expect(y.subarray(0, 200_000)).toEqual(x.subarray(0, 200_000));
  });
});

describe("widen", () => {
  it("copies a small column into a wider type, same length, values exact", () => {
    const a = Int8Array.from([-1, 0, 127, -128]);
    const b = widen(a, Int32Array);
    expect(b).toBeInstanceOf(Int32Array);
    expect(Array.from(b)).toEqual([-1, 0, 127, -128]);
  });

  it("keeps a column on a reserved range there, so it still grows in place", () => {
    let a = new Uint32Array(1 << 16);
    a[100] = 4_000_000_000;
    a = growInPlace(a, (1 << 16) + 1);
    let b = widen(a, Float64Array);
    expect((b.buffer as ArrayBuffer & { resizable: boolean }).resizable).toBe(true);
    expect(b.length).toBe(a.length);
    expect(b[100]).toBe(4_000_000_000);
    const moved = b;
    b = growInPlace(b, a.length * 4);
    expect(b).toBe(moved);
  });
});
