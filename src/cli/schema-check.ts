// `brokersim schema check`: would a schema registry in this mode accept the new schema after the earlier ones?
// Files are given as the registry's history read backwards, then the candidate: <latest> [<older>...] <new>.
import { readFileSync } from "node:fs";
import { BrokersimError, ScenarioError, type ScenarioIssue } from "../scenario/errors.ts";
import { parseAvroSchema, type AvroSchema } from "../schema/avro-schema.ts";
import { COMPATIBILITY_MODES, checkCompatibility, type CompatibilityMode } from "../schema/compatibility.ts";

export interface SchemaCheckArgs {
  mode: string;
  files: string[];
  json: boolean;
}

/** 0 compatible, 1 not; unreadable schemas throw (exit 2). */
export function cmdSchemaCheck(args: SchemaCheckArgs): number {
  const mode = args.mode.toUpperCase() as CompatibilityMode;
  if (!COMPATIBILITY_MODES.includes(mode)) {
    throw new BrokersimError("E_USAGE", `--mode: expected one of ${COMPATIBILITY_MODES.join(", ")}, found "${args.mode}"`, {
      hint: "the registry's default is BACKWARD",
    });
  }
  if (args.files.length < 2) {
    throw new BrokersimError("E_USAGE", "schema check needs at least two schema files: <old.avsc> [<older.avsc>...] <new.avsc>", {
      hint: "the last file is the new schema; the first is the latest registered one",
    });
  }
  const schemas = readAll(args.files);
  const candidate = schemas[schemas.length - 1]!;
  // Given newest first; the checker wants oldest first.
  const earlier = schemas.slice(0, -1).reverse();
  const problems = checkCompatibility(mode, candidate, earlier);
  const fileOf = (against: number) => earlier[against]!.file;
  if (args.json) {
    process.stdout.write(`${JSON.stringify({
      mode, new: candidate.file, compatible: problems.length === 0,
      reasons: problems.map((p) => ({ direction: p.direction, against: fileOf(p.against), field: p.field, rule: p.rule, message: p.message })),
    }, null, 2)}\n`);
  } else if (problems.length === 0) {
    const against = mode === "NONE" ? "no check" : mode.endsWith("_TRANSITIVE") ? `against ${earlier.length} earlier schema(s)` : `against ${earlier[earlier.length - 1]!.file}`;
    process.stdout.write(`compatible: ${candidate.file} under ${mode} (${against})\n`);
  } else {
    process.stdout.write(`NOT compatible: ${candidate.file} under ${mode}, ${problems.length} reason(s):\n`);
    for (const p of problems) {
      const how = p.direction === "backward" ? `new reads data written with ${fileOf(p.against)}` : `${fileOf(p.against)} reads new data`;
      process.stdout.write(`  ${p.direction} (${how}): ${p.field}  ${p.rule}  ${p.message}\n`);
    }
  }
  return problems.length === 0 ? 0 : 1;
}

/** Reads every file, collecting every unreadable one before failing, so one run lists all of them. */
function readAll(files: readonly string[]): AvroSchema[] {
  const issues: ScenarioIssue[] = [];
  const out: AvroSchema[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      issues.push({ file, line: 0, col: 0, path: "", message: code === "ENOENT" ? "no such file" : `cannot read: ${(err as Error).message}`, code: "E_FILE" });
      continue;
    }
    try {
      out.push(parseAvroSchema(text, file));
    } catch (err) {
      if (err instanceof ScenarioError) issues.push(...err.issues);
      else throw err;
    }
  }
  if (issues.length > 0) throw new ScenarioError(issues);
  return out;
}
