// The value a simulated producer writes with a schema: one fixed, deterministic record per schema (no draws), so
// a producer encodes it once per schema version and every message carries those bytes. Fields get values that
// differ from their defaults, so a reader that falls back to a default visibly loses the writer's value.
import type { AvroType } from "./avro-schema.ts";

export function sampleValue(type: AvroType, path = ""): unknown {
  const t = type as unknown as Record<string, unknown> & { typeName: string };
  switch (t.typeName) {
    case "null":
      return null;
    case "boolean":
      return true;
    case "int":
      return 7;
    case "long":
      return 7_000_000_001;
    case "float":
      return 1.5;
    case "double":
      return 2.25;
    case "bytes":
      return Buffer.from(`bytes:${path}`);
    case "string":
      return `value:${path}`;
    case "enum": {
      // The last symbol: evolution appends symbols, so a new writer writes the one old readers may not know.
      const symbols = t.symbols as string[];
      return symbols[symbols.length - 1];
    }
    case "fixed":
      return Buffer.alloc(t.size as number, 1);
    case "array":
      return [sampleValue(t.itemsType as AvroType, `${path}[]`)];
    case "map":
      return { k: sampleValue(t.valuesType as AvroType, `${path}{}`) };
    case "record":
    case "error": {
      const out: Record<string, unknown> = {};
      for (const f of t.fields as { name: string; type: AvroType }[]) out[f.name] = sampleValue(f.type, path ? `${path}.${f.name}` : f.name);
      return out;
    }
    default: {
      if (t.typeName.startsWith("union")) {
        // The first non-null branch: an optional field is set, as a writer that has the value sets it.
        const types = t.types as AvroType[];
        const branch = types.find((b) => b.typeName !== "null") ?? types[0]!;
        const v = sampleValue(branch, path);
        return t.typeName === "union:wrapped" && branch.typeName !== "null" ? { [branch.branchName!]: v } : v;
      }
      if (t.typeName.startsWith("logical:")) return sampleValue(t.underlyingType as AvroType, path);
      throw new Error(`no sample value for Avro type ${t.typeName}`);
    }
  }
}
