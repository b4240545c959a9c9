// Reading an Avro schema (.avsc text) into an avsc Type, with errors that name the file and line. avsc does the
// parsing and every later decision; the walk here only finds *where* a schema is wrong, because avsc's own
// messages carry no position ("undefined type name: foo").
import type avro from "avsc";
import { createRequire } from "node:module";
import { LineCounter, parseDocument } from "yaml";
import { ScenarioError, formatPath, type ScenarioIssue } from "../scenario/errors.ts";
import { locate } from "../scenario/load-yaml.ts";
import { firstJsonError } from "./json-position.ts";

export type AvroType = avro.Type;

let avsc: typeof avro | undefined;
/** avsc, loaded on the first schema: most scenarios have none, and loading it costs a short run ~15 ms of CPU. */
function avroLibrary(): typeof avro {
  return (avsc ??= createRequire(import.meta.url)("avsc") as typeof avro);
}

/** A parsed schema: the avsc type, its canonical JSON (what the registry compares), and where it came from. */
export interface AvroSchema {
  readonly type: AvroType;
  /**
   * avsc's normalised JSON *with* defaults, aliases and docs: equal text ⇔ the same schema for the registry. (The
   * Parsing Canonical Form drops defaults and aliases, so a changed default would wrongly count as the same schema.)
   */
  readonly canonical: string;
  /** The file (or "<inline>") it was read from, for messages. */
  readonly file: string;
}

const PRIMITIVES = new Set(["null", "boolean", "int", "long", "float", "double", "bytes", "string"]);

/**
 * Options every schema is parsed with: anonymous records are an error, as in the Avro spec. A fresh object per
 * parse, because avsc keeps the named types it defined in `opts.registry` (a shared one makes a second
 * schema with a record of the same name a "duplicate type name").
 */
const parseOptions = () => ({ noAnonymousTypes: true, wrapUnions: "auto" as const, registry: {} });

/** Parse `text` (JSON) as an Avro schema; throws ScenarioError (code E_AVRO_SCHEMA) with file:line:col. */
export function parseAvroSchema(text: string, file: string): AvroSchema {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ScenarioError([jsonSyntaxIssue(text, file, (err as Error).message)]);
  }
  return avroSchemaFromJson(json, file, () => textLocator(text));
}

/** Like parseAvroSchema for a schema already in memory (inline in a scenario); `where` locates a data path. */
export function avroSchemaFromJson(
  json: unknown, file: string, locator: () => (path: readonly PropertyKey[]) => { line: number; col: number },
): AvroSchema {
  const problem = findProblem(json, [], new Set(), "");
  if (problem) throw new ScenarioError([issueAt(file, locator(), problem.path, problem.message, problem.hint)]);
  let type: AvroType;
  try {
    type = avroLibrary().Type.forSchema(json as avro.Schema, parseOptions());
  } catch (err) {
    // A problem our walk does not look for (a bad default value, a duplicate name): avsc's words, no finer place.
    throw new ScenarioError([issueAt(file, locator(), [], `not a valid Avro schema: ${(err as Error).message}`,
      "check defaults match their field's type (a union's default matches its first branch) and names are unique")]);
  }
  return { type, canonical: JSON.stringify(type.schema({ exportAttrs: true })), file };
}

function issueAt(
  file: string, where: (path: readonly PropertyKey[]) => { line: number; col: number },
  path: readonly PropertyKey[], message: string, hint?: string,
): ScenarioIssue {
  return { file, ...where(path), path: formatPath(path), message, code: "E_AVRO_SCHEMA", ...(hint ? { hint } : {}) };
}

function textLocator(text: string): (path: readonly PropertyKey[]) => { line: number; col: number } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  return (path) => locate(doc, lineCounter, path);
}

/** The line and column of the first syntax error (our scanner; JSON.parse's own words only as a fallback). */
function jsonSyntaxIssue(text: string, file: string, parseMessage: string): ScenarioIssue {
  const found = firstJsonError(text);
  const pos = found?.pos ?? 0;
  const before = text.slice(0, pos);
  const line = before.split("\n").length;
  const col = pos - before.lastIndexOf("\n");
  return {
    file, line, col, path: "", message: `invalid JSON: ${found?.message ?? parseMessage}`, code: "E_AVRO_SCHEMA",
    hint: "an .avsc file is one JSON value: double-quoted names, commas between members, no trailing comma",
  };
}

interface Problem { path: PropertyKey[]; message: string; hint?: string }

/**
 * The first structural error in a schema, depth first in file order: an unknown type name, a named type without
 * a name, a record without fields, a field without name or type. `defined` collects the full names seen so far
 * (Avro allows a name to be used only after its definition).
 */
function findProblem(schema: unknown, path: PropertyKey[], defined: Set<string>, namespace: string): Problem | undefined {
  if (typeof schema === "string") {
    if (PRIMITIVES.has(schema) || defined.has(schema) || defined.has(qualify(schema, namespace))) return undefined;
    return {
      path, message: `unknown type "${schema}"`,
      hint: `use a primitive (${[...PRIMITIVES].join(", ")}), record, enum, array, map, fixed, or a named type defined earlier in the file`,
    };
  }
  if (Array.isArray(schema)) {
    for (const [i, branch] of schema.entries()) {
      const p = findProblem(branch, [...path, i], defined, namespace);
      if (p) return p;
    }
    return undefined;
  }
  if (schema === null || typeof schema !== "object") {
    return { path, message: `expected a type (a string, an object or a union list), found ${JSON.stringify(schema)}` };
  }
  const obj = schema as Record<string, unknown>;
  const kind = obj.type;
  if (kind === "record" || kind === "error" || kind === "enum" || kind === "fixed") {
    if (typeof obj.name !== "string" || obj.name.length === 0) {
      return { path, message: `a ${kind} needs a "name"`, hint: `add "name": "MyType" to this ${kind}` };
    }
    const ns = typeof obj.namespace === "string" ? obj.namespace : namespace;
    const full = qualify(obj.name, ns);
    defined.add(full);
    const innerNs = full.includes(".") ? full.slice(0, full.lastIndexOf(".")) : "";
    if (kind === "record" || kind === "error") {
      if (!Array.isArray(obj.fields)) return { path: [...path, "fields"], message: `record "${obj.name}" needs a "fields" list` };
      for (const [i, field] of obj.fields.entries()) {
        const fp = [...path, "fields", i];
        if (field === null || typeof field !== "object") return { path: fp, message: "a field must be an object with a name and a type" };
        const f = field as Record<string, unknown>;
        if (typeof f.name !== "string") return { path: fp, message: `field ${i} of record "${obj.name}" needs a "name"` };
        if (f.type === undefined) return { path: fp, message: `field "${f.name}" of record "${obj.name}" needs a "type"` };
        const p = findProblem(f.type, [...fp, "type"], defined, innerNs);
        if (p) return p;
      }
    }
    if (kind === "enum" && !Array.isArray(obj.symbols)) return { path, message: `enum "${obj.name}" needs a "symbols" list` };
    if (kind === "fixed" && typeof obj.size !== "number") return { path, message: `fixed "${obj.name}" needs a "size"` };
    return undefined;
  }
  if (kind === "array") return findProblem(obj.items, [...path, "items"], defined, namespace);
  if (kind === "map") return findProblem(obj.values, [...path, "values"], defined, namespace);
  if (typeof kind === "string") {
    if (PRIMITIVES.has(kind)) return undefined;
    return findProblem(kind, [...path, "type"], defined, namespace);
  }
  if (kind !== undefined && typeof kind === "object") return findProblem(kind, [...path, "type"], defined, namespace);
  return { path, message: `expected a "type" in this schema object`, hint: `e.g. {"type": "record", "name": "Order", "fields": [...]}` };
}

function qualify(name: string, namespace: string): string {
  return name.includes(".") || namespace === "" ? name : `${namespace}.${name}`;
}
