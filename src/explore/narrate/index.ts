// One formatter per history op (OP_WORDS), and the two ways replay uses them: a line a person reads and a JSON
// record of the domain trace. A test checks every op in OP_NAMES has a formatter, so a new op cannot print raw.
import { OP_NAMES, type History } from "../../history/history.ts";
import { Narrator, type Row } from "./narrator.ts";
import { KAFKA_WORDS } from "./words-kafka.ts";
import { GROUP_WORDS, QUEUE_WORDS } from "./words-groups.ts";
import { APP_WORDS, PUBLISH_WORDS, SCHEMA_WORDS, STREAM_WORDS } from "./words-processing.ts";
import type { Where, Words } from "./words.ts";

export { Narrator, type NarratorScenario } from "./narrator.ts";

export const OP_WORDS: Readonly<Record<number, Words>> = {
  ...KAFKA_WORDS,
  ...GROUP_WORDS,
  ...QUEUE_WORDS,
  ...APP_WORDS,
  ...PUBLISH_WORDS,
  ...STREAM_WORDS,
  ...SCHEMA_WORDS,
};

/** An op no table knows yet (a value added without a formatter): its columns by name, never silently dropped. */
const UNKNOWN_WORDS: Words = {
  say: (r, n) => `${n.name(r.actor)}: partition column ${r.partition}, offset column ${r.offset}, aux column ${r.aux}`,
};

export function opName(kind: number): string {
  return OP_NAMES[kind] ?? `op-${kind}`;
}

export function wordsOf(kind: number): Words {
  return OP_WORDS[kind] ?? UNKNOWN_WORDS;
}

/** Whether the row's msg column names a message (not an epoch, count or offset, nor a group row's topic). */
export function isMessageRow(h: History, i: number): boolean {
  const m = h.opMsg[i]!;
  return m >= 0 && m < h.messageCount && wordsOf(h.opKind[i]!).notMessage !== true;
}

export interface Narration {
  timeUs: number;
  op: string;
  node: string;
  /** "m-41" when the row is a step of a message. */
  message?: string;
  key?: string;
  where: Where;
  text: string;
}

function rowAt(h: History, i: number): Row {
  return { timeUs: h.opTimeUs[i]!, msg: h.opMsg[i]!, actor: h.opActor[i]!, aux: h.opAux[i]!, partition: h.opPartition[i]!, offset: h.opOffset[i]! };
}

/** Row `i` told in the system's words; rows are best told in increasing order (the narrator walks forward). */
export function narrate(n: Narrator, i: number): Narration {
  n.advanceTo(i);
  const h = n.h;
  const kind = h.opKind[i]!;
  const w = wordsOf(kind);
  const r = rowAt(h, i);
  const node = w.node ? w.node(r, n) : r.actor;
  const out: Narration = { timeUs: r.timeUs, op: opName(kind), node: node >= 0 ? n.name(node) : "", where: w.where ? w.where(r, n) : {}, text: w.say(r, n) };
  if (isMessageRow(h, i)) {
    out.message = h.messageName(r.msg);
    out.key = h.keyOf(r.msg);
  }
  return out;
}

/**
 * One line of the domain trace, keys in a fixed order: t (µs), op, node, then msg, key, partition ("orders-3"),
 * offset and queue where they apply, then the sentence.
 */
export function traceJson(x: Narration): string {
  const o: Record<string, string | number> = { t: x.timeUs, op: x.op };
  if (x.node) o.node = x.node;
  if (x.message !== undefined) o.msg = x.message;
  if (x.key !== undefined) o.key = x.key;
  if (x.where.partition !== undefined) o.partition = x.where.partition;
  if (x.where.offset !== undefined) o.offset = x.where.offset;
  if (x.where.queue !== undefined) o.queue = x.where.queue;
  o.text = x.text;
  return `${JSON.stringify(o)}\n`;
}

/** Every row of the history as trace lines, in order. */
export function* domainTrace(n: Narrator): Generator<string> {
  for (let i = 0; i < n.h.opCount; i++) yield traceJson(narrate(n, i));
}
