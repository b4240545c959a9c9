// Generates the scenario-file reference (docs/scenario-reference.md) from the schema itself, so the
// documentation can never disagree with what the loader accepts. A test compares the file to this output.
import type { z } from "zod";
import { zScenario, zDurationDistribution } from "./schema.ts";
import { zBytes, zDuration, zProbability, zRate } from "./zod-units.ts";
import { zBytesOrUnlimited, zDurationOrUnlimited } from "./schema-retention.ts";

type Any = z.ZodType & { _zod: { def: any }; description?: string };

const UNITS = new Map<unknown, string>([
  [(zDuration as Any)._zod.def.in, 'duration ("250ms", "30s")'],
  [(zRate as Any)._zod.def.in, 'rate ("2000/s")'],
  [(zBytes as Any)._zod.def.in, 'size ("16KiB")'],
  [(zProbability as Any)._zod.def.in, 'probability (0.05 or "5%")'],
  [(zDurationOrUnlimited as Any)._zod.def.in, 'duration ("15s", "168h") or -1 (forever)'],
  [(zBytesOrUnlimited as Any)._zod.def.in, 'size ("1GiB") or -1 (no limit)'],
]);

interface Row {
  field: string;
  type: string;
  def: string;
  description: string;
}

function unwrap(s: Any): { inner: Any; defaultValue?: unknown; optional: boolean } {
  let cur = s;
  let defaultValue: unknown;
  let optional = false;
  for (;;) {
    const d = cur._zod.def;
    if (d.type === "prefault" || d.type === "default") {
      defaultValue = typeof d.defaultValue === "function" ? d.defaultValue() : d.defaultValue;
    } else if (d.type === "optional") optional = true;
    else if (d.type === "pipe" && !UNITS.has(d.in) && ["prefault", "default", "optional"].includes(d.in._zod.def.type)) {
      // A transform applied after a default (e.g. acks: "all" → -1): the default and type are on the input side.
      cur = d.in;
      continue;
    } else break;
    cur = d.innerType;
  }
  return { inner: cur, defaultValue, optional };
}

function typeName(s: Any): string {
  if (s === (zDurationDistribution as Any)) return "duration distribution";
  const d = s._zod.def;
  if (d.type === "pipe") return UNITS.get(d.in) ?? typeName(d.in);
  switch (d.type) {
    case "string":
      return "string";
    case "number":
      return d.checks?.some((c: any) => c._zod.def.format === "safeint") ? "integer" : "number";
    case "boolean":
      return "boolean";
    case "literal":
      return d.values.map((v: unknown) => `\`${String(v)}\``).join(" \\| ");
    case "enum":
      return Object.values(d.entries).map((v) => `\`${v}\``).join(" \\| ");
    case "array":
      return `list of ${typeName(unwrap(d.element).inner)}`;
    case "object":
      return "mapping";
    case "union":
      return d.options.map((o: Any) => typeName(unwrap(o).inner)).join(" or ");
    default:
      return d.type;
  }
}

function showDefault(v: unknown): string {
  if (v === undefined) return "";
  if (typeof v === "object" && v !== null && Object.keys(v).length === 0) return Array.isArray(v) ? "`[]`" : "";
  return `\`${typeof v === "string" ? v : JSON.stringify(v)}\``;
}

function walk(schema: Any, prefix: string, sections: Map<string, Row[]>): void {
  const shape = schema._zod.def.shape as Record<string, Any>;
  const rows: Row[] = [];
  sections.set(prefix || "(top level)", rows);
  for (const [key, field] of Object.entries(shape)) {
    const { inner, defaultValue, optional } = unwrap(field);
    const path = prefix ? `${prefix}.${key}` : key;
    const d = inner._zod.def;
    const required = defaultValue === undefined && !optional;
    const description = field.description ?? inner.description ?? "";
    rows.push({
      field: `\`${key}\``,
      type: typeName(inner) + (d.type === "object" && inner !== (zDurationDistribution as Any) ? ` (see \`${path}\`)` : ""),
      def: required ? "required" : showDefault(defaultValue),
      description,
    });
    if (d.type === "object") walk(inner, path, sections);
    if (d.type === "array") {
      const el = unwrap(d.element).inner;
      if (el._zod.def.type === "object") {
        rows[rows.length - 1].type = `list (see \`${path}[]\`)`;
        walk(el, `${path}[]`, sections);
      } else if (el._zod.def.type === "union" && el._zod.def.options.every((o: Any) => unwrap(o).inner._zod.def.type === "object")) {
        // A list of alternative forms (faults: crash / restart / partition ...): one section per form, named
        // by the key only that form has.
        const forms = el._zod.def.options.map((o: Any) => unwrap(o).inner);
        const keysOf = (o: Any) => Object.keys(o._zod.def.shape);
        const names = forms.map((f: Any) => keysOf(f).find((k) => forms.filter((g: Any) => keysOf(g).includes(k)).length === 1) ?? keysOf(f)[0]);
        rows[rows.length - 1].type = `list of forms (see ${names.map((n: string) => `\`${path}[] ${n}\``).join(", ")})`;
        forms.forEach((f: Any, i: number) => walk(f, `${path}[] ${names[i]}`, sections));
      }
    }
  }
}

export function scenarioReferenceMarkdown(): string {
  const sections = new Map<string, Row[]>();
  walk(zScenario as unknown as Any, "", sections);
  const out = [
    "# Scenario file reference",
    "",
    "Generated from the schema (`src/scenario/schema.ts`) by `npm run docs`; a test fails when this file is stale.",
    "Durations are written with a unit (`100us`, `250ms`, `30s`, `2m`, `1h`); rates as a count per unit of time",
    "(`2000/s`, `5/ms`, `120/min`). A duration distribution is a bare duration (a constant) or one of",
    "`{constant}`, `{uniform: {min, max}}`, `{exponential: {mean}}`, `{normal: {mean, sd}}`,",
    "`{lognormal: {median, sigma}}`, `{pareto: {scale, shape}}`, `{empirical: {values, weights}}`.",
    "",
  ];
  for (const [section, rows] of sections) {
    out.push(`## ${section === "(top level)" ? "Top level" : `\`${section}\``}`, "");
    out.push("| field | type | default | description |", "|---|---|---|---|");
    for (const r of rows) out.push(`| ${r.field} | ${r.type} | ${r.def} | ${r.description.replace(/\|/g, "\\|")} |`);
    out.push("");
  }
  return out.join("\n");
}
