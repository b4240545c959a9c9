// Which of a reader's fields a resolution fills from the reader's default although the data had a value for it:
// a field renamed without an alias on the reader's side, or removed by the writer while the reader still has it.
// Adding a field with a default is not a loss (no writer ever had it), so a filled field counts as lost only when
// its name (or one of the reader's aliases for it) was a field of the writer's schema or of an earlier version of
// the subject: the value existed once and this record's reader cannot see it.
import type { AvroType } from "./avro-schema.ts";
import { fieldsOf, matchWriterField } from "./compatibility.ts";

/** Paths of reader fields (nested records included) that resolution fills from the reader's default. */
export function defaultedFields(reader: AvroType, writer: AvroType, path = ""): string[] {
  if (!isRecord(reader) || !isRecord(writer)) return [];
  const out: string[] = [];
  const writerFields = fieldsOf(writer);
  for (const f of fieldsOf(reader)) {
    const p = path ? `${path}.${f.name}` : f.name;
    const match = matchWriterField(f, writerFields);
    if (match === undefined) out.push(p);
    else out.push(...defaultedFields(f.type, match.type, p));
  }
  return out;
}

/** Field paths of a record schema, nested records included. */
export function fieldPaths(type: AvroType, path = ""): string[] {
  if (!isRecord(type)) return [];
  const out: string[] = [];
  for (const f of fieldsOf(type)) {
    const p = path ? `${path}.${f.name}` : f.name;
    out.push(p, ...fieldPaths(f.type, p));
  }
  return out;
}

/**
 * The defaulted fields of reading `writer` with `reader` whose value was lost: `history` holds the subject's
 * schemas up to and including the writer's version (a field any of them had is a field data once carried).
 */
export function silentlyDefaultedFields(reader: AvroType, writer: AvroType, history: readonly AvroType[]): string[] {
  const defaulted = defaultedFields(reader, writer);
  if (defaulted.length === 0) return [];
  const everHad = new Set<string>();
  for (const t of [...history, writer]) for (const p of fieldPaths(t)) everHad.add(p);
  const aliasesOf = readerAliases(reader);
  return defaulted.filter((p) => everHad.has(p) || (aliasesOf.get(p) ?? []).some((a) => everHad.has(a)));
}

function readerAliases(type: AvroType, path = "", out = new Map<string, string[]>()): Map<string, string[]> {
  if (!isRecord(type)) return out;
  for (const f of fieldsOf(type)) {
    const p = path ? `${path}.${f.name}` : f.name;
    out.set(p, f.aliases.map((a) => (path ? `${path}.${a}` : a)));
    readerAliases(f.type, p, out);
  }
  return out;
}

function isRecord(t: AvroType): boolean {
  return t.typeName === "record" || t.typeName === "error";
}
