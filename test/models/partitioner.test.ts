import { describe, expect, it } from "vitest";
import { murmur2, keyBytes, partitionForKey, toPositive } from "../../src/models/kafka/partitioner.ts";

describe("Kafka's keyed partitioner", () => {
  it("matches Kafka's published murmur2 test vectors", () => {
    expect(murmur2(keyBytes("21"))).toBe(-973932308);
    expect(murmur2(keyBytes("foobar"))).toBe(-790332482);
    expect(murmur2(keyBytes("a-little-bit-long-string"))).toBe(-985981536);
    expect(murmur2(keyBytes("a-little-bit-longer-string"))).toBe(-1486304829);
    expect(murmur2(keyBytes("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"))).toBe(-58897971);
    expect(murmur2(keyBytes("abc"))).toBe(479470107);
  });

  it("masks the sign bit instead of taking the absolute value", () => {
    expect(toPositive(-1)).toBe(0x7fffffff);
    expect(toPositive(-2147483648)).toBe(0);
    expect(toPositive(5)).toBe(5);
  });

  it("takes the positive hash modulo the partition count", () => {
    expect(partitionForKey("foobar", 12)).toBe(toPositive(-790332482) % 12);
    expect(partitionForKey("21", 7)).toBe(toPositive(-973932308) % 7);
  });

  it("hashes the UTF-8 bytes of the key", () => {
    expect(keyBytes("é")).toEqual(new Uint8Array([0xc3, 0xa9]));
    expect(partitionForKey("é", 100)).toBe(toPositive(murmur2(new Uint8Array([0xc3, 0xa9]))) % 100);
  });

  it("hashes an ASCII key the same as its encoded bytes, at any length and after a non-ASCII one", () => {
    for (const key of ["key-17", "x".repeat(200), "é-1", "order-99", "\ud800", "key-17"]) {
      expect(partitionForKey(key, 48)).toBe(toPositive(murmur2(keyBytes(key))) % 48);
    }
  });

  it("rejects a partition count below one", () => {
    expect(() => partitionForKey("a", 0)).toThrow(RangeError);
  });
});
