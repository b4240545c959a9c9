import { describe, expect, it } from "vitest";
import { AvroDeserializer, DecodeError, encodeValue, schemaIdOf } from "../../src/schema/wire-format.ts";
import { sampleValue } from "../../src/schema/sample-value.ts";
import type { AvroType } from "../../src/schema/avro-schema.ts";
import { order, schema } from "./helpers.ts";

const id = { name: "id", type: "int" };

describe("wire format", () => {
  it("is magic 0x00, the schema id as 4 big-endian bytes, then the Avro binary body", () => {
    const t = schema(order(id, { name: "s", type: "string" })).type;
    const bytes = encodeValue(258, t, { id: 1, s: "ab" });
    // zig-zag varint 1 → 0x02; string "ab": length 2 → 0x04, then 'a' 'b'.
    expect([...bytes]).toEqual([0x00, 0x00, 0x00, 0x01, 0x02, 0x02, 0x04, 0x61, 0x62]);
    expect(schemaIdOf(bytes)).toBe(258);
    expect(schemaIdOf(encodeValue(0x80000001, t, { id: 1, s: "" }))).toBe(0x80000001);
  });

  it("refuses a value without the magic byte or shorter than the header", () => {
    expect(() => schemaIdOf(Uint8Array.from([1, 0, 0, 0, 1]))).toThrow(/unknown magic byte 0x01/);
    expect(() => schemaIdOf(Uint8Array.from([0, 0]))).toThrow(/shorter than the 5-byte header/);
  });
});

describe("encode/decode round trips across schema versions", () => {
  const v1 = schema(order(id, { name: "amount", type: "int" }));
  const v2 = schema(order(id, { name: "amount", type: "long" }, { name: "note", type: "string", default: "none" }));
  const v3 = schema(order(id, { name: "title", type: "string", aliases: ["note"], default: "" }));
  const byId = new Map<number, AvroType>([[1, v1.type], [2, v2.type], [3, v3.type]]);
  const reader = (t: AvroType) => new AvroDeserializer(t, (i) => byId.get(i));

  it("a reader with the writer's own schema reads back exactly what was written", () => {
    const value = sampleValue(v2.type);
    expect(reader(v2.type).decode(encodeValue(2, v2.type, value))).toEqual(value);
  });

  it("v2 reads v1 data: int promoted to long, the added field takes its default", () => {
    expect(reader(v2.type).decode(encodeValue(1, v1.type, { id: 4, amount: 9 }))).toEqual({ id: 4, amount: 9, note: "none" });
  });

  it("v3 reads v2 data through its alias for the renamed field", () => {
    expect(reader(v3.type).decode(encodeValue(2, v2.type, { id: 4, amount: 9, note: "gift" }))).toEqual({ id: 4, title: "gift" });
  });

  it("v1 cannot read v2 data (long does not narrow to int): a real resolution failure", () => {
    const d = reader(v1.type);
    const bytes = encodeValue(2, v2.type, { id: 4, amount: 9, note: "x" });
    expect(() => d.decode(bytes)).toThrow(DecodeError);
    try {
      d.decode(bytes);
    } catch (err) {
      expect((err as DecodeError).code).toBe("RESOLUTION");
      expect((err as DecodeError).message).toMatch(/long.*int/);
    }
  });

  it("an id the registry does not know fails as UNKNOWN_SCHEMA_ID", () => {
    expect(() => reader(v1.type).decode(encodeValue(99, v1.type, { id: 1, amount: 1 }))).toThrow(/schema id 99 is not in the registry/);
  });

  it("truncated Avro data fails as BAD_AVRO", () => {
    const bytes = encodeValue(1, v1.type, { id: 1, amount: 1_000_000 });
    expect(() => reader(v1.type).decode(bytes.subarray(0, bytes.length - 1))).toThrow(DecodeError);
  });
});
