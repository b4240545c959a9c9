// Replay: re-run one seed and explain it in the system's words. Timelines (a message, a key, a partition) and
// the domain trace (one JSON line per history row) are read from the History after the run; every row is told
// by its op's formatter in narrate/ (a test keeps that table complete). The kernel's own event stream is still
// offered to a callback (onEvent) for tools that debug the simulator itself.
import { Op, type History } from "../history/history.ts";
import { isMessageRow, narrate, Narrator, opName, OP_WORDS, traceJson, type NarratorScenario } from "./narrate/index.ts";
import { causeChains } from "./narrate/cause-chain.ts";
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

/** One JSON line of the kernel's event stream (debugging the simulator, not the system): {"t":µs,"kind":"...","id":n}. */
export function traceLine(e: TraceEventOut): string {
  return `{"t":${e.timeUs},"kind":${JSON.stringify(e.kind)},"id":${e.id}}\n`;
}

/**
 * Ops that are events of the system, not steps of a message, although their msg column holds a number
 * (a leader epoch, a count of records). The formatter table says which (Words.notMessage); rows with msg < 0
 * are such events anyway.
 */
export const EVENT_OPS_WITH_MSG_COLUMN = new Set(Object.entries(OP_WORDS).filter(([, w]) => w.notMessage).map(([k]) => opName(Number(k))));

/** Rows shown after a message's last step (elections, truncations...) that can explain what became of it. */
const AFTER_ROWS = 12;

function isEvent(h: History, i: number): boolean {
  return !isMessageRow(h, i);
}

function seconds(us: number): string {
  return `${(us / 1e6).toFixed(6)}s`;
}

/** The row as a person reads it: the time, then what happened in the system's words (the message's id when asked). */
export function describeRow(h: History, i: number, withMessage = false, narrator: Narrator = new Narrator(h)): string {
  const x = narrate(narrator, i);
  return `${seconds(x.timeUs)}  ${withMessage ? `${x.message ?? ""}`.padEnd(8) + "  " : ""}${x.text}`;
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
function render(n: Narrator, own: number[], context: number[], withMessage: boolean): string[] {
  const h = n.h;
  const all = [...own.map((i) => ({ i, ctx: false })), ...context.map((i) => ({ i, ctx: true }))].sort((a, b) => a.i - b.i);
  const lines: string[] = [];
  for (let k = 0; k < all.length; k++) {
    const { i, ctx } = all[k]!;
    if (!ctx) {
      lines.push(`  ${describeRow(h, i, withMessage, n)}`);
      continue;
    }
    let j = k;
    while (j + 1 < all.length && all[j + 1]!.ctx && h.opKind[all[j + 1]!.i] === h.opKind[i] && h.opActor[all[j + 1]!.i] === h.opActor[i]) j++;
    const last = all[j]!.i;
    // A run can span partitions (a member losing all of its partitions): name them all, not only the last's.
    const where = new Set<string>();
    if (j > k) for (let q = k; q <= j; q++) { const p = narrate(n, all[q]!.i).where.partition; if (p !== undefined) where.add(p); }
    const also = where.size > 1 ? `, on ${[...where].join(", ")}` : "";
    lines.push(`  · ${describeRow(h, last, withMessage, n)}${j > k ? `   (×${j - k + 1} since ${seconds(h.opTimeUs[i]!)}${also})` : ""}`);
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

/** The scenario's parts the words need (broker count and placement, faults, schema names). */
export type TimelineScenario = NarratorScenario;

/** A message's life, plus the commits and faults on its partitions while it lived, the chains that explain it, and its anomalies. */
export function messageTimeline(h: History, msg: number, result?: RunResult, scenario?: TimelineScenario): string[] {
  if (!(Number.isInteger(msg) && msg >= 0 && msg < h.messageCount)) {
    return [`no message m-${msg}: this run created ${h.messageCount} messages (m-0 .. m-${h.messageCount - 1})`];
  }
  const n = new Narrator(h, scenario);
  const own = h.lineage(msg).filter((i) => !isEvent(h, i));
  const createdUs = h.msgCreatedUs[msg]!;
  const lastUs = own.length ? h.opTimeUs[own[own.length - 1]!]! : createdUs;
  const partitions = new Set(own.map((i) => h.opPartition[i]!).filter((p) => p >= 0));
  const head = `${h.messageName(msg)}: key ${h.keyOf(msg)}, from ${n.name(h.msgProducer[msg]!)} to ${n.name(h.msgTopic[msg]!)}, created at ${seconds(createdUs)}`;
  const context = contextRows(h, partitions, createdUs, lastUs, true, true);
  const lines = render(n, own, context, false);
  const chains = causeChains(n, msg, own);
  return [head, ...lines,
    ...(context.length ? [`  (· = not this message's own row: what else happened while it lived, the commits on its partitions, and up to ${AFTER_ROWS} events on them afterwards)`] : []),
    ...(chains.length ? ["cause chain:", ...chains.map((c) => `  ${c}`)] : []),
    ...anomalyLines(result, (a) => a.messageIds.includes(msg))];
}

/** Every message of one key, in time order, with faults on their partitions; commits left out for brevity. */
export function keyTimeline(h: History, key: string, result?: RunResult, maxRows = 5000, scenario?: TimelineScenario): string[] {
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
  const lines = render(new Narrator(h, scenario), own, contextRows(h, partitions, from, to, false, false), true);
  const shown = lines.length > maxRows ? [...lines.slice(0, maxRows), `  ... ${lines.length - maxRows} more rows`] : lines;
  return [`key ${key}: ${msgs.size} messages, ${own.length} rows`, ...shown,
    ...anomalyLines(result, (a) => a.keys?.includes(key) === true || a.messageIds.some((m) => msgs.has(m)))];
}

/** Parses "orders-3" into the topic's actor and the partition; undefined when the run has no such topic. */
function parseTopicPartition(h: History, text: string): { topic: number; partition: number } | undefined {
  const m = /^(.+)-(\d+)$/.exec(text.trim());
  if (!m) return undefined;
  const topic = h.actorId(m[1]!);
  return topic !== undefined && h.actorKinds[topic] === "topic" ? { topic, partition: Number(m[2]) } : undefined;
}

/** Whether row i happened on (topic, partition), by where its formatter places it. */
function onPartition(n: Narrator, i: number, name: string): boolean {
  const h = n.h;
  if (h.opPartition[i]! < 0) return false;
  return narrate(n, i).where.partition === name;
}

/**
 * One partition's history: every record appended to it and every event on it (elections, ISR changes,
 * truncations, commits, assignments), in time order, with the faults of the run as context.
 */
export function partitionTimeline(h: History, text: string, maxRows = 5000, scenario?: TimelineScenario): string[] {
  const tp = parseTopicPartition(h, text);
  if (!tp) {
    const topics = h.actorNames.filter((_, a) => h.actorKinds[a] === "topic");
    return [`no partition "${text}" in this run: name it as <topic>-<partition>, e.g. ${topics[0] ?? "orders"}-0 (topics: ${topics.join(", ") || "none"})`];
  }
  const n = new Narrator(h, scenario);
  const name = n.tp(tp.topic, tp.partition);
  const lines: string[] = [];
  let rows = 0;
  for (let i = 0; i < h.opCount; i++) {
    const k = h.opKind[i]!;
    const fault = k === Op.FaultStart || k === Op.FaultEnd || k === Op.BrokerFence;
    if (!fault && !onPartition(n, i, name)) continue;
    rows++;
    if (lines.length < maxRows) lines.push(`  ${fault ? "· " : ""}${describeRow(h, i, true, n)}`);
  }
  return [`partition ${name}: ${rows} rows`, ...lines, ...(rows > maxRows ? [`  ... ${rows - maxRows} more rows`] : [])];
}

/** Writes the domain trace (one JSON line per history row) through `write`, in chunks; returns the row count. */
export function writeDomainTrace(h: History, write: (chunk: string) => void, scenario?: TimelineScenario): number {
  const n = new Narrator(h, scenario);
  let buf: string[] = [];
  let size = 0;
  for (let i = 0; i < h.opCount; i++) {
    const line = traceJson(narrate(n, i));
    buf.push(line);
    size += line.length;
    if (size > 1 << 20) {
      write(buf.join(""));
      buf = [];
      size = 0;
    }
  }
  if (buf.length) write(buf.join(""));
  return h.opCount;
}
