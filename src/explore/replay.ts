// Replay: re-run one seed and explain it. The event trace (every dispatched event: time, kind name, id) goes
// to a callback as the run goes, so a long trace never sits in memory; lineage timelines are read from the
// History afterwards. Ops added by other model families render without changes here: their names come from
// OP_NAMES, and fields this file does not know are shown raw.
import { History, OP_NAMES } from "../history/history.ts";
import type { RunResult } from "../report/result-types.ts";
import { runSeed, type SeedRun, type SeedSpec } from "./run-seed.ts";

export interface TraceEventOut {
  timeUs: number;
  kind: string;
  id: number;
}

export function replaySeed(spec: SeedSpec, opts: { untilUs?: number; onEvent?: (e: TraceEventOut) => void } = {}): SeedRun {
  const onEvent = opts.onEvent;
  return runSeed(spec, {
    ...(opts.untilUs !== undefined ? { untilUs: opts.untilUs } : {}),
    ...(onEvent
      ? { observe: (sim) => { sim.onDispatch = (timeUs, kind, id) => onEvent({ timeUs, kind: sim.kindName(kind), id }); } }
      : {}),
  });
}

/** One JSON line of the trace file: {"t":µs,"kind":"...","id":n}. */
export function traceLine(e: TraceEventOut): string {
  return `{"t":${e.timeUs},"kind":${JSON.stringify(e.kind)},"id":${e.id}}\n`;
}

// Ops whose aux column holds a consumer group's actor id (see the Op docs in history.ts).
const AUX_IS_GROUP = new Set(["deliver", "process-start", "process-end", "commit"]);

/**
 * Ops that are events of the system, not steps of a message, although their msg column holds a number
 * (a leader epoch, a count of records). Rows with msg < 0 are such events anyway; families whose event ops
 * reuse the msg column add their op names here so timelines show them as context.
 */
export const EVENT_OPS_WITH_MSG_COLUMN = new Set(["leader-election", "unclean-leader-election", "truncate", "producer-epoch-bump"]);

/** Rows shown after a message's last step (elections, truncations...) that can explain what became of it. */
const AFTER_ROWS = 12;

function isEvent(h: History, i: number): boolean {
  return h.opMsg[i]! < 0 || EVENT_OPS_WITH_MSG_COLUMN.has(opName(h.opKind[i]!));
}

function seconds(us: number): string {
  return `${(us / 1e6).toFixed(6)}s`;
}

function opName(kind: number): string {
  return OP_NAMES[kind] ?? `op-${kind}`;
}

/** The row as a person reads it: time, op, who, where. */
export function describeRow(h: History, i: number, withMessage = false): string {
  const name = opName(h.opKind[i]);
  const parts: string[] = [seconds(h.opTimeUs[i]!), name.padEnd(18)];
  if (withMessage) parts.push(h.opMsg[i]! >= 0 ? h.messageName(h.opMsg[i]!).padEnd(8) : "".padEnd(8));
  const actor = h.opActor[i]!;
  parts.push(actor >= 0 && actor < h.actorNames.length ? h.actorNames[actor]! : `actor ${actor}`);
  const aux = h.opAux[i]!;
  if (aux >= 0) {
    parts.push(AUX_IS_GROUP.has(name) && aux < h.actorNames.length ? `(${h.actorNames[aux]})` : `aux ${aux}`);
  }
  if (h.opPartition[i]! >= 0) parts.push(`p${h.opPartition[i]}`);
  if (h.opOffset[i]! >= 0) parts.push(name === "commit" ? `-> ${h.opOffset[i]}` : `@${h.opOffset[i]}`);
  return parts.join("  ");
}

/**
 * Rows not tied to a message (msg < 0: commits, crashes, elections, rebalances...) in [fromUs, toUs]. Commits
 * only on `partitions` and only when asked. Other rows: every one when `everyFault` (a message lives
 * briefly, and families use the partition column for other things, such as a rebalance's cause), else those
 * on `partitions` or on none.
 */
function contextRows(h: History, partitions: Set<number>, fromUs: number, toUs: number, includeCommits: boolean, everyFault: boolean): number[] {
  const out: number[] = [];
  let after = 0;
  for (let i = 0; i < h.opCount; i++) {
    if (!isEvent(h, i)) continue;
    const t = h.opTimeUs[i]!;
    const p = h.opPartition[i]!;
    const onPartition = p === -1 || partitions.has(p);
    const commit = opName(h.opKind[i]!) === "commit";
    if (t < fromUs) continue;
    if (t > toUs) {
      // What happened to its partitions afterwards (an election, a truncation) can explain a loss.
      if (everyFault && !commit && onPartition && after < AFTER_ROWS) {
        out.push(i);
        after++;
      }
      continue;
    }
    if (commit ? includeCommits && partitions.has(p) : everyFault || onPartition) out.push(i);
  }
  return out;
}

/** Merges message rows and context rows in time order; runs of one op by one actor collapse to one line. */
function render(h: History, own: number[], context: number[], withMessage: boolean): string[] {
  const all = [...own.map((i) => ({ i, ctx: false })), ...context.map((i) => ({ i, ctx: true }))].sort((a, b) => a.i - b.i);
  const lines: string[] = [];
  for (let k = 0; k < all.length; k++) {
    const { i, ctx } = all[k]!;
    if (!ctx) {
      lines.push(`  ${describeRow(h, i, withMessage)}`);
      continue;
    }
    let j = k;
    while (j + 1 < all.length && all[j + 1]!.ctx && h.opKind[all[j + 1]!.i] === h.opKind[i] && h.opActor[all[j + 1]!.i] === h.opActor[i]) j++;
    const last = all[j]!.i;
    lines.push(`  · ${describeRow(h, last, withMessage)}${j > k ? `   (×${j - k + 1} since ${seconds(h.opTimeUs[i]!)})` : ""}`);
    k = j;
  }
  return lines;
}

function anomalyLines(result: RunResult | undefined, match: (a: { messageIds: number[]; keys?: string[]; cause?: string }) => boolean): string[] {
  if (!result) return [];
  const out: string[] = [];
  for (const v of result.verdicts) for (const a of v.anomalies) if (match(a)) out.push(`  ${v.invariant}: ${a.kind}: ${a.explanation}${a.cause ? `  [root cause: ${a.cause}]` : ""}`);
  return out.length ? ["anomalies:", ...out] : ["anomalies: none involve it"];
}

/** A message's life, plus the commits and faults on its partitions while it lived, plus its anomalies. */
export function messageTimeline(h: History, msg: number, result?: RunResult): string[] {
  if (!(Number.isInteger(msg) && msg >= 0 && msg < h.messageCount)) {
    return [`no message m-${msg}: this run created ${h.messageCount} messages (m-0 .. m-${h.messageCount - 1})`];
  }
  const own = h.lineage(msg).filter((i) => !isEvent(h, i));
  const createdUs = h.msgCreatedUs[msg]!;
  const lastUs = own.length ? h.opTimeUs[own[own.length - 1]!]! : createdUs;
  const partitions = new Set(own.map((i) => h.opPartition[i]!).filter((p) => p >= 0));
  const head = `${h.messageName(msg)}: key ${h.keyOf(msg)}, from ${h.actorNames[h.msgProducer[msg]!]} to ${h.actorNames[h.msgTopic[msg]!]}, created at ${seconds(createdUs)}`;
  return [head, ...render(h, own, contextRows(h, partitions, createdUs, lastUs, true, true), false),
    `  (· = not this message's own row: what else happened while it lived, the commits on its partitions, and up to ${AFTER_ROWS} events on them afterwards)`,
    ...anomalyLines(result, (a) => a.messageIds.includes(msg))];
}

/** Every message of one key, in time order, with faults on their partitions; commits left out for brevity. */
export function keyTimeline(h: History, key: string, result?: RunResult, maxRows = 5000): string[] {
  const keyId = h.keyNames.indexOf(key);
  if (keyId < 0) {
    const sample = h.keyNames.slice(0, 5).join(", ");
    return [`no key "${key}" in this run (keys look like: ${sample}${h.keyNames.length > 5 ? ", ..." : ""})`];
  }
  const msgs = new Set<number>();
  for (let m = 0; m < h.messageCount; m++) if (h.msgKey[m] === keyId) msgs.add(m);
  const own: number[] = [];
  for (let i = 0; i < h.opCount; i++) if (msgs.has(h.opMsg[i]!) && !isEvent(h, i)) own.push(i);
  const partitions = new Set(own.map((i) => h.opPartition[i]!).filter((p) => p >= 0));
  const from = own.length ? h.opTimeUs[own[0]!]! : 0;
  const to = own.length ? h.opTimeUs[own[own.length - 1]!]! : 0;
  const lines = render(h, own, contextRows(h, partitions, from, to, false, false), true);
  const shown = lines.length > maxRows ? [...lines.slice(0, maxRows), `  ... ${lines.length - maxRows} more rows`] : lines;
  return [`key ${key}: ${msgs.size} messages, ${own.length} rows`, ...shown,
    ...anomalyLines(result, (a) => a.keys?.includes(key) === true || a.messageIds.some((m) => msgs.has(m)))];
}
