import { avroSchemaFromJson, type AvroSchema } from "../../src/schema/avro-schema.ts";

/** An in-memory schema for tests (inline JSON, no file). */
export function schema(json: unknown): AvroSchema {
  return avroSchemaFromJson(json, "<test>", () => () => ({ line: 1, col: 1 }));
}

export const order = (...fields: object[]) => ({ type: "record", name: "Order", fields });
