// The Confluent wire format of a record value: byte 0 the magic 0x00, bytes 1-4 the writer's schema id (big-endian
// 32-bit), then the Avro binary encoding without the schema. Decoding reads the id, resolves the writer's schema
// against the reader's (avsc's resolver, cached per writer id) and fails the way a real deserializer fails.
import type { AvroType } from "./avro-schema.ts";

export const MAGIC_BYTE = 0x00;
export const HEADER_BYTES = 5;

/** A value written by a producer without a serializer: plain bytes, no magic byte. */
export const PLAIN_VALUE = Buffer.from("plain value, not in the wire format");

/** The bytes a serializer puts in the record value. */
export function encodeValue(schemaId: number, type: AvroType, value: unknown): Buffer {
  const body = type.toBuffer(value);
  const out = Buffer.allocUnsafe(HEADER_BYTES + body.length);
  out[0] = MAGIC_BYTE;
  out.writeUInt32BE(schemaId, 1);
  body.copy(out, HEADER_BYTES);
  return out;
}

/** The writer's schema id in a wire-format value; throws on a missing magic byte or a short buffer. */
export function schemaIdOf(bytes: Uint8Array): number {
  if (bytes.length < HEADER_BYTES) throw new DecodeError("UNKNOWN_MAGIC_BYTE", `value of ${bytes.length} byte(s) is shorter than the 5-byte header`);
  if (bytes[0] !== MAGIC_BYTE) throw new DecodeError("UNKNOWN_MAGIC_BYTE", `unknown magic byte 0x${bytes[0]!.toString(16).padStart(2, "0")}`);
  return ((bytes[1]! << 24) >>> 0) + (bytes[2]! << 16) + (bytes[3]! << 8) + bytes[4]!;
}

export type DecodeErrorCode = "UNKNOWN_MAGIC_BYTE" | "UNKNOWN_SCHEMA_ID" | "RESOLUTION" | "BAD_AVRO";

export class DecodeError extends Error {
  override name = "DecodeError";
  constructor(
    readonly code: DecodeErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A deserializer with a reader schema: caches the writer schemas it looked up and the resolvers it built, as the
 * Confluent client caches ids. `lookup` is the registry (already answered: network waits are the caller's part).
 */
export class AvroDeserializer {
  private readonly resolvers = new Map<number, ReturnType<AvroType["createResolver"]> | DecodeError>();

  constructor(
    readonly reader: AvroType,
    private readonly lookup: (id: number) => AvroType | undefined,
  ) {}

  decode(bytes: Uint8Array): unknown {
    const id = schemaIdOf(bytes);
    let resolver = this.resolvers.get(id);
    if (resolver === undefined) {
      const writer = this.lookup(id);
      if (writer === undefined) resolver = new DecodeError("UNKNOWN_SCHEMA_ID", `schema id ${id} is not in the registry`);
      else {
        try {
          resolver = this.reader.createResolver(writer);
        } catch (err) {
          resolver = new DecodeError("RESOLUTION", (err as Error).message);
        }
      }
      this.resolvers.set(id, resolver);
    }
    if (resolver instanceof DecodeError) throw resolver;
    const body = Buffer.from(bytes.buffer, bytes.byteOffset + HEADER_BYTES, bytes.length - HEADER_BYTES);
    try {
      return this.reader.fromBuffer(body, resolver);
    } catch (err) {
      throw new DecodeError("BAD_AVRO", (err as Error).message);
    }
  }
}
