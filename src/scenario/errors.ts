// Errors a user can fix. Each carries a stable `code` (tests, scripts and the CLI's exit-code mapping key
// off it, never off the wording) and, where we can tell, a hint that says how to fix the input.
// Formatting lives here so that every entry point prints the same thing and never a stack trace.

/** Stable error codes; the CLI maps every one of them to exit code 2 (bad input). */
export type BrokersimErrorCode =
  | "E_YAML_SYNTAX"
  | "E_SCHEMA"
  | "E_UNKNOWN_KEY"
  | "E_REFERENCE"
  | "E_FILE"
  | "E_UNIT"
  | (string & {});

export class BrokersimError extends Error {
  override name = "BrokersimError";
  readonly code: BrokersimErrorCode;
  readonly hint?: string;

  constructor(code: BrokersimErrorCode, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    if (opts.hint !== undefined) this.hint = opts.hint;
  }

  /** What the CLI prints: the message and the hint, no stack. */
  format(): string {
    return this.hint ? `${this.message}\n  hint: ${this.hint}` : this.message;
  }
}

/** One problem in a scenario file, located so an editor can jump to it. `line`/`col` are 1-based. */
export interface ScenarioIssue {
  file: string;
  line: number;
  col: number;
  /** Field path in the scenario, like `producers[0].rate`; "" for the document itself. */
  path: string;
  /** The full sentence, e.g. `expected a rate like "2000/s", found "fast"`. */
  message: string;
  expected?: string;
  found?: string;
  hint?: string;
  /** Which kind of problem (E_SCHEMA, E_UNKNOWN_KEY, E_REFERENCE, ...); decides ScenarioError.code. */
  code?: BrokersimErrorCode;
}

export class ScenarioError extends BrokersimError {
  override name = "ScenarioError";
  readonly issues: ScenarioIssue[];

  /** Without an explicit code: the issues' common code, or E_SCHEMA when they differ. */
  constructor(issues: ScenarioIssue[], code?: BrokersimErrorCode) {
    const codes = new Set(issues.map((i) => i.code ?? "E_SCHEMA"));
    const derived = codes.size === 1 ? [...codes][0]! : "E_SCHEMA";
    super(code ?? derived, formatIssues(issues));
    this.issues = issues;
  }

  override format(): string {
    return formatIssues(this.issues);
  }
}

/**
 * `file:line:col  path: message`, then `    hint: ...` when there is one; one issue per line, in file order
 * as given. The two-space gap keeps the location clickable in terminals and editors.
 */
export function formatIssues(issues: readonly ScenarioIssue[]): string {
  return issues
    .map((issue) => {
      const where = issue.line > 0 ? `${issue.file}:${issue.line}:${issue.col}` : issue.file;
      const head = `${where}  ${issue.path ? `${issue.path}: ` : ""}${issue.message}`;
      return issue.hint ? `${head}\n    hint: ${issue.hint}` : head;
    })
    .join("\n");
}

/** Renders a path like ["producers", 0, "rate"] as `producers[0].rate`; odd keys are quoted. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else if (typeof key === "string" && /^[A-Za-z_$][\w$-]*$/.test(key)) out += out ? `.${key}` : key;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

/**
 * A short, JSON-ish rendering of a value the user wrote, for "found ..." text. Strings keep their quotes so
 * that `"12"` (a string) and `12` (a number) look different, which is often the whole problem.
 */
export function showValue(value: unknown, maxChars = 40): string {
  if (value === undefined) return "nothing";
  if (value === null) return "an empty value";
  const text = render(value, maxChars + 1);
  return text.length > maxChars ? `${text.slice(0, maxChars - 1)}…` : text;
}

function render(value: unknown, budget: number): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === null) return "null";
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    let out = "[";
    for (const [i, item] of value.entries()) {
      if (out.length > budget) return `${out}…`;
      out += (i ? ", " : "") + render(item, budget - out.length);
    }
    return `${out}]`;
  }
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return "{}";
    let out = "{ ";
    for (const [i, [k, v]] of entries.entries()) {
      if (out.length > budget) return `${out}…`;
      out += (i ? ", " : "") + `${k}: ${render(v, budget - out.length)}`;
    }
    return `${out} }`;
  }
  return String(value);
}

/**
 * The candidate closest to `word` if it is close enough to be a typo, else undefined. Case, `_` and `-` are
 * ignored first, so `replication_factor` finds `replicationFactor`.
 */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  const squash = (s: string) => s.toLowerCase().replace(/[-_\s]/g, "");
  const target = squash(word);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(target, squash(candidate));
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  // A third of the word may be wrong: catches "partitons" and "membrs", not "foo" for "topics".
  const allowed = Math.max(1, Math.floor(target.length / 3));
  return best !== undefined && bestDistance <= allowed && best !== word ? best : undefined;
}

/** Optimal string alignment distance: Levenshtein plus adjacent swaps, the commonest typo. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array(rows * cols).fill(0);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[(i - 1) * cols + j]! + 1, d[i * cols + j - 1]! + 1, d[(i - 1) * cols + j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        v = Math.min(v, d[(i - 2) * cols + j - 2]! + 1);
      }
      d[i * cols + j] = v;
    }
  }
  return d[rows * cols - 1]!;
}
