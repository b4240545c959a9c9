// Parses a YAML scenario and validates it with a zod schema, reporting every problem at file:line:col with
// the field path, what was expected and what was found. zod only knows data paths; we keep the YAML
// document (with a LineCounter) so any path, from zod or from a later cross-reference check, maps back to
// the node the user wrote.

import { readFileSync, readdirSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node } from "yaml";
import type { z } from "zod";
import {
  BrokersimError, ScenarioError, didYouMean, formatPath, showValue,
  type BrokersimErrorCode, type ScenarioIssue,
} from "./errors.ts";
import { acceptedKeys, type IssueParams } from "./zod-units.ts";
import { checkYamlDocument, decodeScenarioBytes, explainSyntaxErrors, scanYamlText } from "./yaml-guard.ts";

export interface SourcePos { line: number; col: number }
export interface LoadOptions {
  /** Stop listing after this many issues; a long list usually has one cause near its top. Default 50. */
  maxIssues?: number;
  /**
   * Rewrites the parsed data before schema validation (swarm mode draws its `{oneOf}`/`{range}` values here);
   * it may report located issues through `source`. Schema errors then describe the rewritten data.
   */
  prepare?: (data: unknown, source: YamlSource) => unknown;
  /** How messages name a file read by path (the path as the user knows it); default: the path itself. */
  shownAs?: string;
}

/** A parsed file that can turn a data path into a position, for issues found after schema validation. */
export interface YamlSource {
  readonly file: string;
  /** Where `path` was written: the value's node, or with target "key" its key; missing → nearest parent. */
  locate(path: readonly PropertyKey[], target?: "value" | "key"): SourcePos;
  /** The raw value at `path` as written in the file (before the schema's transforms and defaults). */
  valueAt(path: readonly PropertyKey[]): unknown;
  /** A located issue; `found` defaults to the raw value at `path`, `code` to E_REFERENCE. */
  issue(path: readonly PropertyKey[], message: string, extra?: Omit<Partial<ScenarioIssue>, "file" | "line" | "col" | "path" | "message">): ScenarioIssue;
}

export interface Located<T> { value: T; source: YamlSource }

type Doc = Document.Parsed;
type Issue = z.core.$ZodIssue;

/** Parse and validate; throws ScenarioError (E_YAML_SYNTAX, E_SCHEMA, E_UNKNOWN_KEY) on bad input. */
export function loadYaml<S extends z.ZodType>(text: string, file: string, schema: S, opts?: LoadOptions): z.output<S> {
  return loadYamlLocated(text, file, schema, opts).value;
}

/** Like loadYaml, and also returns the source so later checks (cross-references) can report with line:col. */
export function loadYamlLocated<S extends z.ZodType>(
  text: string, file: string, schema: S, opts: LoadOptions = {},
): Located<z.output<S>> {
  const lineCounter = new LineCounter();
  const scan = scanYamlText(text, file); // bounds nesting before the recursive parser runs
  // merge: `<<: *defaults` lets scenarios share settings between producers or groups.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const explained = explainSyntaxErrors(text, file, scan, lineCounter.linePos(doc.errors[0]!.pos[0]));
    if (explained.length > 0) throw new ScenarioError(explained, "E_YAML_SYNTAX");
    throw new ScenarioError(doc.errors.map((err) => ({
      file, ...lineCounter.linePos(err.pos[0]), path: "", message: err.message,
      ...(SYNTAX_HINTS[err.code] ? { hint: SYNTAX_HINTS[err.code] } : {}), code: "E_YAML_SYNTAX" as const,
    })), "E_YAML_SYNTAX");
  }
  checkYamlDocument(doc, lineCounter, file);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    throw new ScenarioError([{ file, line: 1, col: 1, path: "", message: (err as Error).message, code: "E_YAML_SYNTAX" }]);
  }
  let source = makeSource(doc, lineCounter, file, data);
  if (opts.prepare) {
    data = opts.prepare(data, source);
    source = makeSource(doc, lineCounter, file, data);
  }
  if (data === null || data === undefined || typeof data !== "object" || Array.isArray(data)) {
    const found = data == null ? "an empty document" : Array.isArray(data) ? "a list" : showValue(data);
    throw new ScenarioError([{
      ...source.issue([], `expected a mapping of keys at the top level, found ${found}`, { code: "E_SCHEMA" }),
      expected: "a mapping", found, hint: "a scenario starts with keys such as `name:` and `duration:`",
    }]);
  }
  const result = schema.safeParse(data);
  if (result.success) return { value: result.data as z.output<S>, source };
  const converter = new IssueConverter(source, schema);
  for (const issue of result.error.issues) converter.convert(issue, []);
  throwIfIssues(limit(sortIssues(converter.issues), opts.maxIssues ?? 50));
  throw new Error("unreachable: zod failed without issues");
}

/** Reads and loads a file; a missing file or a directory is a BrokersimError E_FILE with a hint. */
export function loadYamlFile<S extends z.ZodType>(path: string, schema: S, opts?: LoadOptions): z.output<S> {
  return loadYamlFileLocated(path, schema, opts).value;
}

export function loadYamlFileLocated<S extends z.ZodType>(path: string, schema: S, opts?: LoadOptions): Located<z.output<S>> {
  return loadYamlLocated(readScenarioText(path, opts?.shownAs ?? path), opts?.shownAs ?? path, schema, opts);
}

/** Throws one ScenarioError for all of them, in file order; does nothing for an empty list. */
export function throwIfIssues(issues: readonly ScenarioIssue[], code?: BrokersimErrorCode): void {
  if (issues.length > 0) throw new ScenarioError(sortIssues(issues), code);
}

/** Position of the node at `path` in `doc`; for a path that does not exist, its nearest existing parent. */
export function locate(doc: Doc, lineCounter: LineCounter, path: readonly PropertyKey[], target: "value" | "key" = "value"): SourcePos {
  const hit = walkDocument(doc, path);
  const at = (node: Node | null | undefined) => node?.range ? lineCounter.linePos(node.range[0]) : undefined;
  if (!hit.complete) return at(hit.node) ?? at(hit.keyNode) ?? { line: 1, col: 1 };
  // An empty value (`rate:`) has a zero-width node after the colon; the key is the better place to point.
  const emptyValue = !hit.node || (isScalar(hit.node) && hit.node.range && hit.node.range[0] === hit.node.range[1]);
  const node = target === "key" || emptyValue ? hit.keyNode ?? hit.node : hit.node;
  return at(node) ?? { line: 1, col: 1 };
}

const SYNTAX_HINTS: Partial<Record<string, string>> = {
  TAB_AS_INDENT: "indent with spaces; YAML does not allow tabs for indentation",
  DUPLICATE_KEY: "each key may appear once per mapping; remove or rename one of them",
  MULTIPLE_DOCS: "a scenario file holds one document; remove the `---` line or split the file",
  BAD_INDENT: "check this line's indentation against the lines around it",
  MULTILINE_IMPLICIT_KEY: "a key must fit on one line; is a `:` or closing quote missing on the line before?",
};

interface WalkResult { node: Node | null | undefined; keyNode: Node | undefined; complete: boolean }

/** Follows a data path through maps, lists, aliases and `<<` merges, as far as the document goes. */
function walkDocument(doc: Doc, path: readonly PropertyKey[]): WalkResult {
  let node = doc.contents as Node | null;
  let keyNode: Node | undefined;
  for (const key of path) {
    const container = resolveAlias(doc, node);
    let next: { key?: Node; value: Node | null } | undefined;
    if (isMap(container)) next = findPair(doc, container, String(key), 0);
    else if (isSeq(container) && Number.isInteger(Number(key))) {
      const item = container.items[Number(key)] as Node | undefined;
      if (item !== undefined) next = { value: item };
    }
    if (!next) return { node, keyNode, complete: false };
    node = next.value;
    keyNode = next.key;
  }
  return { node, keyNode, complete: true };
}

function findPair(doc: Doc, map: Node, key: string, depth: number): { key: Node; value: Node | null } | undefined {
  if (!isMap(map) || depth > 16) return undefined;
  const pairs = map.items as { key: unknown; value: unknown }[];
  const direct = pairs.find((p) => isScalar(p.key) && String(p.key.value) === key);
  if (direct) return { key: direct.key as Node, value: direct.value as Node | null };
  // Keys written in this map win over merged ones, so only then look through `<<: *anchor` sources.
  for (const p of pairs) {
    if (!isScalar(p.key) || p.key.source !== "<<") continue;
    const sources = isSeq(p.value) ? (p.value.items as Node[]) : [p.value as Node];
    for (const s of sources) {
      const found = findPair(doc, resolveAlias(doc, s) as Node, key, depth + 1);
      if (found) return found;
    }
  }
  return undefined;
}

function resolveAlias(doc: Doc, node: Node | null | undefined): Node | null | undefined {
  return isAlias(node) ? (node.resolve(doc) as Node | undefined) : node;
}

function makeSource(doc: Doc, lineCounter: LineCounter, file: string, data: unknown): YamlSource {
  const source: YamlSource = {
    file,
    locate: (path, target) => locate(doc, lineCounter, path, target),
    valueAt: (path) => valueAt(data, path),
    issue(path, message, extra = {}) {
      const value = valueAt(data, path);
      return {
        file, ...source.locate(path), path: formatPath(path), message,
        ...(value === undefined ? {} : { found: showValue(value) }),
        code: "E_REFERENCE", ...extra,
      };
    },
  };
  return source;
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let cur = data;
  for (const key of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

/** Turns zod issues into located ScenarioIssues with expected/found text and hints. */
class IssueConverter {
  readonly issues: ScenarioIssue[] = [];
  constructor(private readonly source: YamlSource, private readonly schema: z.ZodType) {}

  convert(issue: Issue, prefix: readonly PropertyKey[]): void {
    const path = [...prefix, ...issue.path];
    switch (issue.code) {
      case "unrecognized_keys":
        for (const key of issue.keys) this.unknownKey(path, key);
        return;
      case "invalid_union":
        return this.union(issue, path);
      default: {
        const params = issue.code === "custom" ? (issue.params as IssueParams | undefined) : undefined;
        const hint = params?.hint ?? this.valueHint(issue, path);
        this.leaf(path, describeExpected(issue), issue.message, hint, params?.found);
      }
    }
  }

  private unknownKey(parentPath: readonly PropertyKey[], key: string): void {
    const accepted = acceptedKeys(this.schema, parentPath);
    const guess = didYouMean(key, accepted);
    const hint = guess ? `did you mean \`${guess}\`?`
      : accepted.length > 0 && accepted.length <= 20 ? `keys allowed here: ${accepted.join(", ")}` : undefined;
    const path = [...parentPath, key];
    this.issues.push({
      file: this.source.file, ...this.source.locate(path, "key"), path: formatPath(path),
      message: `unknown key \`${key}\``, found: key, ...(hint ? { hint } : {}), code: "E_UNKNOWN_KEY",
    });
  }

  private union(issue: Extract<Issue, { code: "invalid_union" }>, path: PropertyKey[]): void {
    if (issue.errors.length === 0) {
      // A discriminated union with no matching tag (zod points `path` at the tag), or several matches.
      const options = "options" in issue ? issue.options : undefined;
      const expected = options?.length ? oneOf(options) : undefined;
      const found = this.source.valueAt(path);
      const hint = typeof found === "string" && options ? suggest(found, options) : undefined;
      return this.leaf(path, expected, issue.message, hint);
    }
    // If some branch accepted the value's shape (its problems are all inside the value), report that
    // branch's problems: "lognormal.median: expected a duration" beats "expected a string or a mapping".
    const fitting = issue.errors.filter((branch) => !branch.some(isRootMismatch));
    if (fitting.length > 0) {
      const scores = fitting.map((branch) => this.branchCost(branch, path));
      const tied = fitting.filter((_, i) => scores[i] === Math.min(...scores));
      const unknown = tied.map((b) => b.flatMap((i) => (i.code === "unrecognized_keys" && i.path.length === 0 ? i.keys : [])));
      const common = unknown[0]!.filter((key) => unknown.every((keys) => keys.includes(key)));
      // Several shapes fit equally badly because of a key none of them knows: that key is the news (with a
      // did-you-mean over all the shapes' keys); each shape's own "missing key" would only be noise.
      if (tied.length > 1 && common.length > 0) for (const key of common) this.unknownKey(path, key);
      else for (const inner of tied[0]!) this.convert(inner, path);
      return;
    }
    const expected = unique(issue.errors.flatMap((branch) => branch.filter(isRootMismatch).flatMap(expectations)));
    const hints = unique(issue.errors.flat().filter(isRootMismatch)
      .map((i) => (i.code === "custom" ? (i.params as IssueParams | undefined)?.hint : undefined))
      .filter((h): h is string => h !== undefined));
    this.leaf(path, expected.length ? joinOr(expected) : undefined, issue.message, hints.join("; ") || undefined);
  }

  /** How far a union branch is from the value: unknown keys weigh most, then missing keys, then bad values. */
  private branchCost(branch: Issue[], at: PropertyKey[]): number {
    let cost = 0;
    for (const issue of branch) {
      if (issue.code === "unrecognized_keys") cost += 100 * issue.keys.length;
      else cost += this.source.valueAt([...at, ...issue.path]) === undefined ? 10 : 1;
    }
    return cost;
  }

  private leaf(path: PropertyKey[], expected: string | undefined, zodMessage: string, hint?: string, found?: string): void {
    const value = this.source.valueAt(path);
    const last = path[path.length - 1];
    const parent = this.source.valueAt(path.slice(0, -1));
    const missing = value === undefined && typeof last === "string" && parent !== null && typeof parent === "object"
      && !Object.prototype.hasOwnProperty.call(parent, last);
    let message: string;
    if (missing) {
      message = `missing required key \`${last}\`${expected ? ` (expected ${expected})` : ""}`;
      found = hint = undefined; // a hint about how to write a value ("add a unit") misleads when there is none
    } else {
      found ??= describeFound(value);
      message = expected ? `expected ${expected}, found ${found}` : zodMessage;
    }
    this.issues.push({
      file: this.source.file, ...this.source.locate(path), path: formatPath(path), message,
      ...(expected ? { expected } : {}), ...(found !== undefined ? { found } : {}), ...(hint ? { hint } : {}),
      code: "E_SCHEMA",
    });
  }

  private valueHint(issue: Issue, path: PropertyKey[]): string | undefined {
    const value = this.source.valueAt(path);
    if (issue.code === "invalid_value" && typeof value === "string") return suggest(value, issue.values);
    if (issue.code === "invalid_type" && typeof value === "string" && value.trim() !== ""
      && (issue.expected === "number" || issue.expected === "int") && !Number.isNaN(Number(value))) {
      return `remove the quotes: ${value} is a number, "${value}" is text`;
    }
    return undefined;
  }
}

/** A branch issue saying the value itself has the wrong kind (as opposed to a problem inside it). */
function isRootMismatch(issue: Issue): boolean {
  if (issue.path.length > 0) return false;
  if (issue.code === "invalid_type" || issue.code === "invalid_value") return true;
  if (issue.code === "custom") return (issue.params as IssueParams | undefined)?.expected !== undefined;
  if (issue.code === "invalid_union") return issue.errors.length > 0 && issue.errors.every((b) => b.some(isRootMismatch));
  return false;
}

function expectations(issue: Issue): string[] {
  if (issue.code === "invalid_union") {
    return issue.errors.flatMap((branch) => branch.filter(isRootMismatch).flatMap(expectations));
  }
  const e = describeExpected(issue);
  return e ? [e] : [];
}

const TYPE_NAMES: Record<string, string> = {
  number: "a number", int: "an integer", string: "a string", boolean: "true or false", object: "a mapping",
  record: "a mapping", map: "a mapping", array: "a list", tuple: "a list", null: "an empty value",
  nonoptional: "a value", bigint: "an integer", date: "a date",
};

function describeExpected(issue: Issue): string | undefined {
  switch (issue.code) {
    case "invalid_type":
      return TYPE_NAMES[issue.expected] ?? `a ${issue.expected}`;
    case "invalid_value":
      return oneOf(issue.values);
    case "too_small":
    case "too_big": {
      const small = issue.code === "too_small";
      const bound = small ? issue.minimum : issue.maximum;
      if (issue.origin === "array" || issue.origin === "set") {
        return `${issue.exact ? "exactly" : small ? "at least" : "at most"} ${plural(Number(bound), "item")}`;
      }
      if (issue.origin === "string") {
        return `${issue.exact ? "exactly" : small ? "at least" : "at most"} ${plural(Number(bound), "character")}`;
      }
      const op = issue.exact ? "=" : small ? (issue.inclusive ? ">=" : ">") : issue.inclusive ? "<=" : "<";
      return `${issue.origin === "int" ? "an integer" : "a number"} ${op} ${bound}`;
    }
    case "invalid_format":
      return issue.format === "regex" && "pattern" in issue ? `a string matching ${issue.pattern}` : `a valid ${issue.format}`;
    case "not_multiple_of":
      return `a multiple of ${issue.divisor}`;
    case "custom":
      return (issue.params as IssueParams | undefined)?.expected;
    default:
      return undefined;
  }
}

function describeFound(value: unknown): string {
  if (Array.isArray(value)) return `a list of ${plural(value.length, "item")}`;
  return showValue(value);
}

function readScenarioText(path: string, shownAs: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      throw new BrokersimError("E_FILE", `cannot read ${path}: no such file`, { hint: nearbyFileHint(path) });
    }
    if (code === "EISDIR") {
      throw new BrokersimError("E_FILE", `${path} is a directory, not a scenario file`, {
        hint: `pass a .yaml file, or all of them with a glob such as ${join(path, "*.yaml")}`,
      });
    }
    if (code === "EACCES") throw new BrokersimError("E_FILE", `cannot read ${path}: permission denied`);
    throw new BrokersimError("E_FILE", `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  return decodeScenarioBytes(bytes, shownAs);
}

function nearbyFileHint(path: string): string {
  let siblings: string[];
  try {
    siblings = readdirSync(dirname(path)).filter((f) => /\.ya?ml$/.test(f));
  } catch {
    return `the directory ${dirname(path)} does not exist either; check the path`;
  }
  const guess = didYouMean(basename(path), siblings);
  if (guess) return `did you mean ${join(dirname(path), guess)}?`;
  return siblings.length > 0 ? `YAML files in ${dirname(path)}: ${siblings.slice(0, 8).join(", ")}` : "check the path";
}

function suggest(found: string, options: readonly unknown[]): string | undefined {
  const guess = didYouMean(found, options.filter((o): o is string => typeof o === "string"));
  return guess ? `did you mean "${guess}"?` : undefined;
}

function oneOf(values: readonly unknown[]): string {
  const shown = values.map((v) => showValue(v));
  return shown.length === 1 ? shown[0]! : `one of ${shown.join(", ")}`;
}

function joinOr(items: string[]): string {
  if (items.length <= 1) return items.join("");
  // `a duration like "1s" or "2m", or a mapping`: the comma keeps nested "or"s apart.
  const sep = items.some((i) => i.includes(" or ")) ? ", or " : " or ";
  return `${items.slice(0, -1).join(", ")}${sep}${items[items.length - 1]}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}

function sortIssues(issues: readonly ScenarioIssue[]): ScenarioIssue[] {
  const seen = new Set<string>();
  return [...issues]
    .filter((i) => !seen.has(`${i.line}:${i.col}:${i.path}:${i.message}`) && seen.add(`${i.line}:${i.col}:${i.path}:${i.message}`))
    .sort((a, b) => a.line - b.line || a.col - b.col);
}

function limit(issues: ScenarioIssue[], max: number): ScenarioIssue[] {
  if (issues.length <= max) return issues;
  const { file, code } = issues[max - 1]!;
  const more = `… and ${issues.length - max + 1} more problems`;
  return [...issues.slice(0, max - 1), { file, line: 0, col: 0, path: "", message: more, ...(code ? { code } : {}) }];
}
