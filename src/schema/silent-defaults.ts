// Which of a reader's fields a resolution fills from the reader's default although the data had a value for it:
// a field renamed without an alias on the reader's side, or removed by the writer while the reader still has it.
// Adding a field with a default is not a loss (no writer ever had it), so a filled field counts as lost only when
// its name (or one of the reader's aliases for it) was a field of the writer's schema or of an earlier version of
// the subject (the value existed once and this record's reader cannot see it), or when the writer has a field
// of a readable type that the reader ignores (a rename without a reader-side alias).
import type { AvroType } from "./avro-schema.ts";
import { canRead, fieldsOf, matchWriterField } from "./compatibility.ts";

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
 * schemas up to and including the writer's version (a field any of them had is a field data once carried). A
 * defaulted field also counts as lost when, in the same record, the writer has a field the reader ignores whose
 * type the defaulted field could read: the shape of a rename without an alias on the reader's side.
 */
export function silentlyDefaultedFields(reader: AvroType, writer: AvroType, history: readonly AvroType[]): string[] {
  const everHad = new Set<string>();
  for (const t of [...history, writer]) for (const p of fieldPaths(t)) everHad.add(p);
  const out: string[] = [];
  collectLost(reader, writer, everHad, "", out);
  return out;
}

function collectLost(reader: AvroType, writer: AvroType, everHad: ReadonlySet<string>, path: string, out: string[]): void {
  if (!isRecord(reader) || !isRecord(writer)) return;
  const writerFields = fieldsOf(writer);
  const read = new Set<string>();
  const defaulted: ReturnType<typeof fieldsOf> = [];
  for (const f of fieldsOf(reader)) {
    const match = matchWriterField(f, writerFields);
    if (match === undefined) defaulted.push(f);
    else {
      read.add(match.name);
      collectLost(f.type, match.type, everHad, path ? `${path}.${f.name}` : f.name, out);
    }
  }
  const ignored = writerFields.filter((w) => !read.has(w.name));
  for (const f of defaulted) {
    const p = path ? `${path}.${f.name}` : f.name;
    const prefix = path ? `${path}.` : "";
    const hadIt = everHad.has(p) || f.aliases.some((a) => everHad.has(prefix + a));
    if (hadIt || ignored.some((w) => canRead(f.type, w.type))) out.push(p);
  }
}

function isRecord(t: AvroType): boolean {
  return t.typeName === "record" || t.typeName === "error";
}
