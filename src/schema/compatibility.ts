// Schema compatibility as a Confluent registry decides it: which earlier schemas a new one is compared with (the
// mode), and in which direction (can the new schema read old data, can old readers read new data). Whether a
// reader can read a writer is avsc's decision (its resolver implements Avro schema resolution); the walk below
// only explains a "no" field by field, in the vocabulary of Avro's SchemaCompatibility (rule names), so a user
// sees every reason rather than avsc's first one.
import type { AvroSchema, AvroType } from "./avro-schema.ts";

export const COMPATIBILITY_MODES = [
  "BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE", "NONE",
] as const;
export type CompatibilityMode = (typeof COMPATIBILITY_MODES)[number];

/** Why a reader cannot read a writer, as Avro's SchemaCompatibility names it. */
export type IncompatibilityRule =
  | "READER_FIELD_MISSING_DEFAULT_VALUE"
  | "TYPE_MISMATCH"
  | "NAME_MISMATCH"
  | "MISSING_ENUM_SYMBOLS"
  | "MISSING_UNION_BRANCH"
  | "FIXED_SIZE_MISMATCH";

/** backward: the new schema reads data written with an earlier one; forward: an earlier schema reads new data. */
export type Direction = "backward" | "forward";

export interface ResolutionProblem {
  /** Where, as a path of record and field names: `Order.customer.id`; the record name alone for the whole type. */
  field: string;
  rule: IncompatibilityRule;
  message: string;
}

export interface Incompatibility extends ResolutionProblem {
  direction: Direction;
  /** Index of the earlier schema in the list given (0 = the oldest). */
  against: number;
}

/** true when avsc can build a resolver: `reader` reads data written with `writer`. */
export function canRead(reader: AvroType, writer: AvroType): boolean {
  try {
    reader.createResolver(writer);
    return true;
  } catch {
    return false;
  }
}

/** Every reason `reader` cannot read `writer`; empty when it can. */
export function resolutionProblems(reader: AvroType, writer: AvroType): ResolutionProblem[] {
  if (canRead(reader, writer)) return [];
  const out: ResolutionProblem[] = [];
  explain(reader, writer, displayName(reader), out);
  // avsc said no but the walk found no cause: say what avsc said rather than nothing.
  if (out.length === 0) out.push({ field: displayName(reader), rule: "TYPE_MISMATCH", message: avscMessage(reader, writer) });
  return out;
}

/**
 * Is `candidate` allowed after `earlier` (oldest first, the last one is the latest) under `mode`? Returns every
 * incompatibility; the non-transitive modes compare with the latest only, the _TRANSITIVE ones with all.
 */
export function checkCompatibility(mode: CompatibilityMode, candidate: AvroSchema, earlier: readonly AvroSchema[]): Incompatibility[] {
  if (mode === "NONE" || earlier.length === 0) return [];
  const transitive = mode.endsWith("_TRANSITIVE");
  const base = transitive ? mode.slice(0, -"_TRANSITIVE".length) : mode;
  const backward = base === "BACKWARD" || base === "FULL";
  const forward = base === "FORWARD" || base === "FULL";
  const out: Incompatibility[] = [];
  // Newest first, as the registry reports: the latest version's problems lead.
  for (let i = earlier.length - 1; i >= (transitive ? 0 : earlier.length - 1); i--) {
    const old = earlier[i]!;
    if (backward) for (const p of resolutionProblems(candidate.type, old.type)) out.push({ ...p, direction: "backward", against: i });
    if (forward) for (const p of resolutionProblems(old.type, candidate.type)) out.push({ ...p, direction: "forward", against: i });
  }
  return out;
}

function explain(reader: AvroType, writer: AvroType, path: string, out: ResolutionProblem[]): void {
  if (canRead(reader, writer)) return;
  const r = kind(reader);
  const w = kind(writer);
  if (w === "union" && r !== "union") {
    for (const branch of branches(writer)) {
      if (!canRead(reader, branch)) {
        out.push({ field: path, rule: "TYPE_MISMATCH", message: `the writer's union branch ${typeLabel(branch)} cannot be read as ${typeLabel(reader)}` });
      }
    }
    return;
  }
  if (r === "union") {
    const writerBranches = w === "union" ? branches(writer) : [writer];
    for (const wb of writerBranches) {
      if (!branches(reader).some((rb) => canRead(rb, wb))) {
        out.push({ field: path, rule: "MISSING_UNION_BRANCH", message: `the reader's union has no branch that reads the writer's ${typeLabel(wb)}` });
      }
    }
    return;
  }
  if (r !== w && !(r === "record" && w === "record")) {
    out.push({ field: path, rule: "TYPE_MISMATCH", message: `the writer's ${typeLabel(writer)} cannot be read as ${typeLabel(reader)}` });
    return;
  }
  if ((r === "record" || r === "enum" || r === "fixed") && !namesMatch(reader, writer)) {
    out.push({
      field: path, rule: "NAME_MISMATCH",
      message: `the reader's ${r} "${reader.name}" does not match the writer's "${writer.name}" (and lists no alias for it)`,
    });
    return;
  }
  switch (r) {
    case "record":
      return explainRecord(reader, writer, path, out);
    case "enum": {
      const readerSymbols = new Set((reader as unknown as { symbols: string[] }).symbols);
      const missing = (writer as unknown as { symbols: string[] }).symbols.filter((s) => !readerSymbols.has(s));
      if (missing.length > 0) {
        out.push({
          field: path, rule: "MISSING_ENUM_SYMBOLS",
          message: `the reader's enum lacks the writer's symbol(s) ${missing.join(", ")} and has no default`,
        });
      }
      return;
    }
    case "fixed":
      out.push({ field: path, rule: "FIXED_SIZE_MISMATCH", message: `fixed size ${sizeOf(writer)} cannot be read as size ${sizeOf(reader)}` });
      return;
    case "array":
      return explain(child(reader, "itemsType"), child(writer, "itemsType"), `${path}[]`, out);
    case "map":
      return explain(child(reader, "valuesType"), child(writer, "valuesType"), `${path}{}`, out);
    default:
      out.push({ field: path, rule: "TYPE_MISMATCH", message: `the writer's ${typeLabel(writer)} cannot be read as ${typeLabel(reader)}` });
  }
}

interface FieldLike { name: string; type: AvroType; aliases: string[]; defaultValue(): unknown }

function explainRecord(reader: AvroType, writer: AvroType, path: string, out: ResolutionProblem[]): void {
  const writerFields = fieldsOf(writer);
  for (const field of fieldsOf(reader)) {
    const match = matchWriterField(field, writerFields);
    const fieldPath = `${path}.${field.name}`;
    if (match === undefined) {
      if (field.defaultValue() === undefined) {
        out.push({
          field: fieldPath, rule: "READER_FIELD_MISSING_DEFAULT_VALUE",
          message: `the reader's field "${field.name}" has no default and the writer has no field "${field.name}"` +
            (field.aliases.length ? ` (nor ${field.aliases.map((a) => `"${a}"`).join(", ")})` : ""),
        });
      }
      continue;
    }
    explain(field.type, match.type, fieldPath, out);
  }
}

/** The writer's field a reader field reads: same name, else one of the READER field's aliases (Avro spec). */
export function matchWriterField<F extends { name: string }>(field: { name: string; aliases: string[] }, writerFields: readonly F[]): F | undefined {
  return writerFields.find((f) => f.name === field.name) ?? writerFields.find((f) => field.aliases.includes(f.name));
}

export function fieldsOf(type: AvroType): FieldLike[] {
  return (type as unknown as { fields: FieldLike[] }).fields;
}

function namesMatch(reader: AvroType, writer: AvroType): boolean {
  const readerAliases = (reader as unknown as { aliases?: string[] }).aliases ?? [];
  return reader.name === writer.name || (writer.name !== undefined && readerAliases.includes(writer.name));
}

function kind(type: AvroType): string {
  const name = type.typeName;
  if (name.startsWith("union")) return "union";
  if (name.startsWith("logical:")) return kind((type as unknown as { underlyingType: AvroType }).underlyingType);
  return name === "error" ? "record" : name;
}

function branches(union: AvroType): AvroType[] {
  return (union as unknown as { types: AvroType[] }).types;
}

function child(type: AvroType, key: "itemsType" | "valuesType"): AvroType {
  return (type as unknown as Record<string, AvroType>)[key]!;
}

function sizeOf(type: AvroType): number {
  return (type as unknown as { size: number }).size;
}

function typeLabel(type: AvroType): string {
  const k = kind(type);
  return type.name ? `${k} "${type.name}"` : `"${k}"`;
}

function displayName(type: AvroType): string {
  return type.name ?? kind(type);
}

function avscMessage(reader: AvroType, writer: AvroType): string {
  try {
    reader.createResolver(writer);
    return "";
  } catch (err) {
    return (err as Error).message;
  }
}
