// Limits and plain-language diagnoses for hostile YAML. The yaml library parses and converts recursively and
// expands aliases without bound, so a file nested 100,000 levels deep overflows the stack and a "billion
// laughs" alias bomb exhausts memory. Before the parser sees the text, a flat scan (no recursion) bounds
// nesting depth and finds where unclosed quotes and brackets opened; after parsing, a walk of the document
// (bounded by that depth) counts aliases and the size they expand to, and catches constructs that would
// otherwise surface as a bare library message or a warning on stderr.
import { isAlias, isCollection, isMap, isPair, isScalar, isSeq, type Document, type Node } from "yaml";
import { ScenarioError, type ScenarioIssue } from "./errors.ts";

export const YAML_LIMITS = {
  /** A scenario is a few kilobytes; generated ones with a thousand producers are under 200 kB. */
  maxBytes: 2 * 1024 * 1024,
  /** Scenarios nest about 8 levels; swarm choices inside choices a few more. */
  maxDepth: 64,
  /** Anchors and aliases share settings (`<<: *defaults`); a hundred is far beyond any real use. */
  maxAliases: 100,
  /** Values the document expands to once aliases are resolved (nodes, and characters of text). */
  maxExpandedNodes: 200_000,
  maxExpandedChars: 4 * 1024 * 1024,
} as const;

function limitError(file: string, pos: { line: number; col: number }, message: string, hint: string): ScenarioError {
  return new ScenarioError([{ file, ...pos, path: "", message, hint, code: "E_YAML_LIMIT" }], "E_YAML_LIMIT");
}

/** Bytes of a scenario file → text; refuses oversized files and anything that is not UTF-8, naming the byte. */
export function decodeScenarioBytes(bytes: Uint8Array, file: string): string {
  if (bytes.length > YAML_LIMITS.maxBytes) {
    throw limitError(file, { line: 0, col: 0 }, `the file is ${bytes.length} bytes; scenario files are limited to ${YAML_LIMITS.maxBytes} bytes (2 MiB)`,
      "a scenario describes a system in a few kilobytes; is this the right file?");
  }
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new ScenarioError([{
      file, line: 1, col: 1, path: "", code: "E_ENCODING",
      message: `the file is UTF-16 (it starts with the byte order mark 0x${bytes[0]!.toString(16).toUpperCase()} 0x${bytes[1]!.toString(16).toUpperCase()}), not UTF-8`,
      hint: "save it as UTF-8",
    }], "E_ENCODING");
  }
  const bad = firstInvalidUtf8(bytes);
  if (bad >= 0) {
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < bad; i++) if (bytes[i] === 0x0a) [line, lineStart] = [line + 1, i + 1];
    const col = new TextDecoder().decode(bytes.subarray(lineStart, bad)).length + 1;
    const hex = `0x${bytes[bad]!.toString(16).toUpperCase().padStart(2, "0")}`;
    throw new ScenarioError([{
      file, line, col, path: "", code: "E_ENCODING",
      message: `the file is not valid UTF-8: byte ${hex} at byte offset ${bad} (line ${line}, column ${col}) does not start or continue a UTF-8 character`,
      hint: "the file looks like Latin-1 or Windows-1252 text; save it as UTF-8 (e.g. iconv -f latin1 -t utf-8)",
    }], "E_ENCODING");
  }
  const text = new TextDecoder("utf-8").decode(bytes);
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Offset of the first byte that breaks UTF-8 (overlong forms and surrogates included), or -1. */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) { i++; continue; }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) { need = 2; if (c === 0xe0) lo = 0xa0; if (c === 0xed) hi = 0x9f; }
    else if (c >= 0xf0 && c <= 0xf4) { need = 3; if (c === 0xf0) lo = 0x90; if (c === 0xf4) hi = 0x8f; }
    else return i;
    for (let k = 1; k <= need; k++) {
      const d = b[i + k];
      if (d === undefined || d < (k === 1 ? lo : 0x80) || d > (k === 1 ? hi : 0xbf)) return i;
    }
    i += need + 1;
  }
  return -1;
}

interface Opener { ch: string; at: number }
/** What the flat scan saw that the parser's own messages do not say well. */
export interface TextScan {
  unclosedQuote?: Opener;
  unclosedFlow?: Opener;
  mismatchedFlow?: { open: Opener; close: Opener };
}

/**
 * One pass over the text, no recursion: refuses nesting deeper than maxDepth (block indentation levels plus
 * open flow brackets) before the recursive parser can overflow, and notes where an unclosed quote or bracket
 * opened. A quote or bracket counts only where YAML would start a value with it (line start, after `: `,
 * `- `, `? ` or inside a flow collection), so `don't` in plain text is not a quote.
 */
export function scanYamlText(text: string, file: string): TextScan {
  if (text.length > YAML_LIMITS.maxBytes) {
    throw limitError(file, { line: 0, col: 0 }, `the document is ${text.length} characters; scenario files are limited to ${YAML_LIMITS.maxBytes}`,
      "a scenario describes a system in a few kilobytes; is this the right input?");
  }
  const scan: TextScan = {};
  const flow: Opener[] = [];
  const indents: number[] = [];
  let blockScalarIndent = -1; // > -1 while inside a `|` or `>` block scalar, whose lines are text
  let pos = 0;
  while (pos < text.length) {
    let end = text.indexOf("\n", pos);
    if (end < 0) end = text.length;
    let i = pos;
    while (i < end && text[i] === " ") i++;
    const indent = i - pos;
    const blank = i >= end || text[i] === "#" || text[i] === "\r";
    if (blockScalarIndent >= 0 && (blank || indent > blockScalarIndent)) { pos = end + 1; continue; }
    blockScalarIndent = -1;
    if (!blank && flow.length === 0) {
      while (indents.length > 0 && indents[indents.length - 1]! > indent) indents.pop();
      if (indents.length === 0 || indents[indents.length - 1]! < indent) indents.push(indent);
    }
    let seqDashes = 0;
    let prev = ""; // last significant character on this line, "" at its start
    for (; i < end; i++) {
      const ch = text[i]!;
      if (ch === " " || ch === "\t" || ch === "\r") continue;
      if (ch === "#" && (i === pos || /\s/.test(text[i - 1]!))) break;
      const valueStart = prev === "" || prev === ":" || prev === "-" || prev === "?" || prev === "," || prev === "[" || prev === "{";
      if ((ch === '"' || ch === "'") && (valueStart || flow.length > 0 && prev === ":")) {
        const close = skipQuoted(text, i);
        if (close < 0) {
          scan.unclosedQuote ??= { ch, at: i };
          return scan;
        }
        // A quoted scalar may span lines; carry on after its closing quote.
        if (close >= end) { end = text.indexOf("\n", close); if (end < 0) end = text.length; }
        i = close;
        prev = ch;
        continue;
      }
      if ((ch === "[" || ch === "{") && (valueStart || flow.length > 0)) {
        flow.push({ ch, at: i });
        if (flow.length + indents.length + seqDashes > YAML_LIMITS.maxDepth) throw depthError(file, text, i);
      } else if ((ch === "]" || ch === "}") && flow.length > 0) {
        const open = flow.pop()!;
        if ((open.ch === "[") !== (ch === "]")) scan.mismatchedFlow ??= { open, close: { ch, at: i } };
      } else if (ch === "-" && prev === "" && (text[i + 1] === " " || i + 1 >= end) && flow.length === 0) {
        if (++seqDashes + indents.length > YAML_LIMITS.maxDepth) throw depthError(file, text, i);
      } else if ((ch === "|" || ch === ">") && prev === ":" && flow.length === 0) {
        blockScalarIndent = indent;
      }
      prev = ch;
    }
    if (indents.length + seqDashes > YAML_LIMITS.maxDepth) throw depthError(file, text, pos + indent);
    pos = end + 1;
  }
  if (flow.length > 0) scan.unclosedFlow = flow[flow.length - 1];
  return scan;
}

/** Index of the closing quote of the quoted scalar opening at `start`, or -1 when the text ends first. */
function skipQuoted(text: string, start: number): number {
  const q = text[start];
  for (let i = start + 1; i < text.length; i++) {
    const ch = text[i];
    if (q === '"' && ch === "\\") i++;
    else if (ch === q) {
      if (q === "'" && text[i + 1] === "'") i++;
      else return i;
    }
  }
  return -1;
}

function depthError(file: string, text: string, at: number): ScenarioError {
  return limitError(file, linePos(text, at),
    `the document nests deeper than ${YAML_LIMITS.maxDepth} levels here (nesting-depth limit)`,
    "a scenario nests a handful of levels; a structure this deep is generated or corrupted");
}

function linePos(text: string, at: number): { line: number; col: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf("\n"); i >= 0 && i < at; i = text.indexOf("\n", i + 1)) [line, start] = [line + 1, i + 1];
  return { line, col: at - start + 1 };
}

/**
 * Replaces the parser's messages with where the trouble started, when the scan knows: the quote or bracket
 * that never closed, or the line whose indentation is one space off (and what YAML took it as).
 */
export function explainSyntaxErrors(text: string, file: string, scan: TextScan, first: { line: number; col: number }): ScenarioIssue[] {
  const at = (o: Opener) => linePos(text, o.at);
  if (scan.unclosedQuote) {
    const q = scan.unclosedQuote;
    const kind = q.ch === '"' ? "double" : "single";
    return [{ file, ...at(q), path: "", code: "E_YAML_SYNTAX",
      message: `this ${q.ch} opens a ${kind}-quoted string that is never closed: everything after it, to the end of the file, was read as text`,
      hint: `add the closing ${q.ch}${kind === "double" ? ", or escape a quote inside the text as \\\"" : ", or write a quote inside the text as ''"}` }];
  }
  if (scan.mismatchedFlow) {
    const { open, close } = scan.mismatchedFlow;
    const c = at(close);
    return [{ file, ...at(open), path: "", code: "E_YAML_SYNTAX",
      message: `this ${open.ch} is closed by ${close.ch} at line ${c.line}, column ${c.col}`,
      hint: `close it with ${open.ch === "[" ? "]" : "}"}; check that every [ has its ] and every { its }` }];
  }
  if (scan.unclosedFlow) {
    const o = scan.unclosedFlow;
    return [{ file, ...at(o), path: "", code: "E_YAML_SYNTAX",
      message: `this ${o.ch} is never closed (expected ${o.ch === "[" ? "]" : "}"} before the end of the file)`,
      hint: `add the closing ${o.ch === "[" ? "]" : "}"} where the ${o.ch === "[" ? "list" : "mapping"} ends` }];
  }
  const dedent = offByOneIndent(text, first.line);
  if (dedent) return [{ file, line: dedent.line, col: 1, path: "", code: "E_YAML_SYNTAX", message: dedent.message, hint: dedent.hint }];
  return [];
}

/** A line at or just before `errorLine` indented one space off a level in use above it, described. */
function offByOneIndent(text: string, errorLine: number): { line: number; message: string; hint: string } | undefined {
  const lines = text.split("\n");
  const open: { indent: number; line: number; head: string }[] = [];
  for (let n = 0; n < Math.min(lines.length, errorLine); n++) {
    const raw = lines[n]!.replace(/\r$/, "");
    const indent = raw.length - raw.trimStart().length;
    const body = raw.trimStart();
    if (body === "" || body.startsWith("#")) continue;
    while (open.length > 0 && open[open.length - 1]!.indent > indent) {
      const closed = open.pop()!;
      const parent = open[open.length - 1];
      if (Math.abs(closed.indent - indent) === 1 && (!parent || parent.indent < indent) && n + 1 >= errorLine - 2) {
        const owner = parent ? ` (line ${parent.line}, \`${parent.head}\`, indented ${parent.indent})` : "";
        return {
          line: n + 1,
          message: `line ${n + 1} is indented ${indent} spaces, one ${indent < closed.indent ? "less" : "more"} than \`${closed.head}\` on line ${closed.line} (${closed.indent}): ` +
            `YAML did not take \`${body.split(/\s/)[0]}\` as part of the same block but as a continuation of the block above it${owner}`,
          hint: `indent line ${n + 1} by ${closed.indent} spaces to line it up with line ${closed.line}`,
        };
      }
    }
    if (open.length === 0 || open[open.length - 1]!.indent < indent) {
      open.push({ indent, line: n + 1, head: body.replace(/^- /, "").split(/[\s:]/)[0] ?? body });
    } else open[open.length - 1] = { indent, line: n + 1, head: body.replace(/^- /, "").split(/[\s:]/)[0] ?? body };
  }
  return undefined;
}

type Doc = Document.Parsed;

/**
 * Walks the parsed document (its depth is bounded by scanYamlText) and refuses what would otherwise end as a
 * library message, a warning, a cycle or an alias bomb: aliases without an anchor or inside their own anchor,
 * collections used as keys, `<<` merging a scalar, too many aliases, or an expansion too large.
 */
export function checkYamlDocument(doc: Doc, lineCounter: { linePos(offset: number): { line: number; col: number } }, file: string): void {
  const issues: ScenarioIssue[] = [];
  const at = (node: { range?: [number, number, number] | null } | null | undefined) =>
    node?.range ? lineCounter.linePos(node.range[0]) : { line: 1, col: 1 };
  const sizes = new Map<Node, { nodes: number; chars: number; depth: number }>();
  const ancestors = new Set<Node>();
  let aliases = 0;
  let firstAliasOverLimit: Node | undefined;

  const walk = (node: unknown): { nodes: number; chars: number; depth: number } => {
    if (isAlias(node)) {
      aliases++;
      if (aliases > YAML_LIMITS.maxAliases) firstAliasOverLimit ??= node;
      const target = node.resolve(doc) as Node | undefined;
      if (!target) {
        issues.push({ file, ...at(node), path: "", code: "E_YAML_SYNTAX", message: `the alias *${node.source} refers to no anchor`,
          hint: `define &${node.source} on a value above this line (an anchor must come before its aliases)` });
        return { nodes: 1, chars: 0, depth: 1 };
      }
      if (ancestors.has(target)) {
        issues.push({ file, ...at(node), path: "", code: "E_YAML_SYNTAX",
          message: `the alias *${node.source} is inside the value its anchor &${node.source} names, so it would contain itself`,
          hint: "an alias must refer to a value defined before it, outside that value" });
        return { nodes: 1, chars: 0, depth: 1 };
      }
      return sizes.get(target) ?? { nodes: 1, chars: 0, depth: 1 };
    }
    if (isScalar(node)) {
      const v = node.value;
      const r = { nodes: 1, chars: typeof v === "string" ? v.length : 8, depth: 1 };
      if (node.anchor) sizes.set(node, r);
      return r;
    }
    if (!isCollection(node)) return { nodes: 1, chars: 0, depth: 1 };
    ancestors.add(node as Node);
    let nodes = 1;
    let chars = 0;
    let depth = 0;
    const add = (r: { nodes: number; chars: number; depth: number }) => {
      nodes += r.nodes;
      chars += r.chars;
      depth = Math.max(depth, r.depth);
    };
    for (const item of node.items as unknown[]) {
      if (isPair(item)) {
        const key = item.key as Node | null;
        if (isCollection(key)) {
          issues.push({ file, ...at(key), path: "", code: "E_YAML_SYNTAX",
            message: `a ${isSeq(key) ? "list" : "mapping"} is used as a mapping key; keys must be plain names`,
            hint: "write the key as a name, e.g. `producers:`; a `?` at the start of a line begins a complex key" });
        } else if (key) add(walk(key));
        if (isScalar(key) && (key.source === "<<" || (typeof key.value === "symbol" && key.value.description === "<<"))) {
          const value = item.value as Node | null;
          const sources = isSeq(value) ? (value.items as Node[]) : [value];
          for (const s of sources) {
            const resolved = isAlias(s) ? (s.resolve(doc) as Node | undefined) : s;
            if (resolved !== undefined && !isMap(resolved)) {
              issues.push({ file, ...at(s ?? key), path: "", code: "E_YAML_SYNTAX",
                message: `the merge key \`<<\` needs a mapping (or an alias of one) to merge, found ${isSeq(resolved) ? "a list" : resolved === null ? "nothing" : "a single value"}`,
                hint: "write `<<: *defaults` where `&defaults` names a mapping, or `<<: [*a, *b]`" });
            }
          }
        }
        add(walk(item.value));
      } else add(walk(item));
    }
    ancestors.delete(node as Node);
    const r = { nodes, chars, depth: depth + 1 };
    if ((node as Node & { anchor?: string }).anchor) sizes.set(node as Node, r);
    return r;
  };
  const total = walk(doc.contents);
  if (firstAliasOverLimit) {
    issues.push({ file, ...at(firstAliasOverLimit), path: "", code: "E_YAML_LIMIT",
      message: `the document uses more than ${YAML_LIMITS.maxAliases} aliases (alias-count limit, a guard against alias bombs such as "billion laughs")`,
      hint: "a scenario shares settings with a few anchors; write the values out, or split the file" });
  } else if (total.nodes > YAML_LIMITS.maxExpandedNodes || total.chars > YAML_LIMITS.maxExpandedChars || total.depth > YAML_LIMITS.maxDepth) {
    const what = total.depth > YAML_LIMITS.maxDepth ? `nests ${total.depth} levels deep`
      : total.nodes > YAML_LIMITS.maxExpandedNodes ? `holds ${total.nodes} values` : `holds ${total.chars} characters of text`;
    issues.push({ file, line: 1, col: 1, path: "", code: "E_YAML_LIMIT",
      message: `once its aliases are expanded the document ${what} (alias-expansion limit: ${YAML_LIMITS.maxExpandedNodes} values, ` +
        `${YAML_LIMITS.maxExpandedChars} characters, ${YAML_LIMITS.maxDepth} levels; a guard against alias bombs such as "billion laughs")`,
      hint: "aliases of aliases multiply; share settings with a few flat anchors" });
  }
  if (issues.length > 0) throw new ScenarioError(issues, issues.every((i) => i.code === "E_YAML_LIMIT") ? "E_YAML_LIMIT" : "E_YAML_SYNTAX");
}
