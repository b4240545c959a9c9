// Loads the Avro schemas a scenario names (files relative to the scenario, or inline) and checks the references
// of its schemaRegistry block. Each schema is parsed here, once, so a bad one stops the run before it starts
// with the .avsc file's own line (or the scenario's line for an inline schema); the scenario then carries the
// schemas as JSON, so runs in worker threads and result.json need no file system.
import { readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import type { Scenario } from "./schema.ts";
import type { YamlSource } from "./load-yaml.ts";
import { ScenarioError, didYouMean, type ScenarioIssue } from "./errors.ts";
import { avroSchemaFromJson, parseAvroSchema } from "../schema/avro-schema.ts";

const isFileRef = (s: string) => /\.(avsc|json)$/i.test(s.trim());

/** Replaces every schema reference in `s.schemaRegistry.schemas` by its JSON; returns the problems found. */
export function resolveSchemaRegistry(s: Scenario, source: YamlSource, baseDir: string): ScenarioIssue[] {
  const reg = s.schemaRegistry;
  if (reg === undefined) return [];
  const issues: ScenarioIssue[] = [];
  const schemas = reg.schemas as Record<string, unknown>;
  for (const name of Object.keys(schemas)) {
    const path = ["schemaRegistry", "schemas", name];
    const raw = schemas[name];
    try {
      if (typeof raw === "string" && isFileRef(raw)) {
        const file = isAbsolute(raw) ? raw : join(baseDir, raw);
        let text: string;
        try {
          text = readFileSync(file, "utf8");
        } catch {
          issues.push(source.issue(path, `cannot read the schema file ${raw}`, { hint: "paths are relative to the scenario file", code: "E_FILE" }));
          continue;
        }
        parseAvroSchema(text, raw);
        schemas[name] = JSON.parse(text) as unknown;
      } else if (typeof raw === "string") {
        // A JSON string: a primitive type name ("string") or a whole schema written as JSON text.
        const text = /^\s*[[{"]/.test(raw) ? raw : JSON.stringify(raw);
        parseAvroSchema(text, `${source.file} (schemaRegistry.schemas.${name})`);
        schemas[name] = JSON.parse(text) as unknown;
      } else {
        avroSchemaFromJson(raw, source.file, () => (p) => source.locate([...path, ...p]));
      }
    } catch (err) {
      if (err instanceof ScenarioError) issues.push(...err.issues.map((i) => (i.file === source.file ? { ...i, path: `schemaRegistry.schemas.${name}${i.path ? `.${i.path}` : ""}` } : i)));
      else throw err;
    }
  }
  const names = new Set(Object.keys(schemas));
  const ref = (p: PropertyKey[], kind: string, value: string | undefined, known: Set<string>): void => {
    if (value === undefined || known.has(value)) return;
    const guess = didYouMean(value, known);
    issues.push(source.issue(p, `no ${kind} named "${value}"`, {
      expected: `one of: ${[...known].join(", ") || "(none declared)"}`,
      ...(guess ? { hint: `did you mean \`${guess}\`?` } : {}),
    }));
  };
  const producers = new Set(s.producers.map((p) => p.name));
  const groups = new Set(s.consumerGroups.map((g) => g.name));
  const once = (list: string[], kind: string, key: string) => {
    const seen = new Set<string>();
    list.forEach((n, i) => {
      if (seen.has(n)) issues.push(source.issue(["schemaRegistry", kind, i, key], `"${n}" is listed twice`, { hint: "one entry per client; later changes go under upgrades" }));
      seen.add(n);
    });
  };
  reg.producers.forEach((p, i) => {
    ref(["schemaRegistry", "producers", i, "producer"], "producer", p.producer, producers);
    ref(["schemaRegistry", "producers", i, "schema"], "schema", p.schema, names);
  });
  reg.consumers.forEach((c, i) => {
    ref(["schemaRegistry", "consumers", i, "group"], "consumer group", c.group, groups);
    ref(["schemaRegistry", "consumers", i, "schema"], "schema", c.schema, names);
  });
  once(reg.producers.map((p) => p.producer), "producers", "producer");
  once(reg.consumers.map((c) => c.group), "consumers", "group");
  const serializing = new Set(reg.producers.map((p) => p.producer));
  const deserializing = new Set(reg.consumers.map((c) => c.group));
  reg.upgrades.forEach((u, i) => {
    const p = ["schemaRegistry", "upgrades", i];
    if ((u.producer === undefined) === (u.group === undefined)) {
      issues.push(source.issue(p, "an upgrade names exactly one producer or one group", { hint: "e.g. { at: 10s, producer: checkout, schema: v2 }", code: "E_SCHEMA" }));
    }
    ref([...p, "producer"], "producer listed under schemaRegistry.producers", u.producer, serializing);
    ref([...p, "group"], "group listed under schemaRegistry.consumers", u.group, deserializing);
    ref([...p, "schema"], "schema", u.schema, names);
  });
  return issues;
}
