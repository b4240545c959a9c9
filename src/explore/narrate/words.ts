// The shape of one op's formatter, and helpers the family tables share.
import type { Narrator, Row } from "./narrator.ts";

/** Where a row happened, for the trace's fields: a topic partition ("orders-3") and offset, or a queue. */
export interface Where {
  partition?: string;
  offset?: number;
  queue?: string;
}

export interface Words {
  /** The row as a sentence in the modelled system's words, without the time. */
  say(r: Row, n: Narrator): string;
  /** The node that did it (an actor id); the row's actor when absent. */
  node?(r: Row, n: Narrator): number;
  where?(r: Row, n: Narrator): Where;
  /** The msg column holds something other than a message id (an epoch, a count, an offset). */
  notMessage?: true;
}

/** The message's partition as "orders-3" (message rows: the topic is the message's). */
export function msgTp(r: Row, n: Narrator): string {
  return n.tp(r.msg >= 0 && r.msg < n.h.messageCount ? n.h.msgTopic[r.msg]! : -1, r.partition);
}

/** For message rows whose partition and offset columns are the record's place in the log. */
export function atRecord(r: Row, n: Narrator): Where {
  return r.partition >= 0 ? { partition: msgTp(r, n), ...(r.offset >= 0 ? { offset: r.offset } : {}) } : {};
}

/** For message rows whose partition column is the record's partition (the offset column means something else). */
export function atPartition(r: Row, n: Narrator): Where {
  return r.partition >= 0 ? { partition: msgTp(r, n) } : {};
}

/** For rows with the topic in aux and the partition in the partition column. */
export function atTopicPartition(r: Row, n: Narrator): Where {
  return { partition: n.tp(r.aux, r.partition) };
}

/** For group rows: topic in the msg column (-2 - topic), partition, offset. */
export function atGroupPartition(r: Row, n: Narrator): Where {
  return r.partition >= 0 ? { partition: n.tp(n.groupRowTopic(r.msg), r.partition), ...(r.offset >= 0 ? { offset: r.offset } : {}) } : {};
}

/** "the record"'s spelling in a sentence: its id and key when the row names a message. */
export function theMessage(r: Row, n: Narrator): string {
  return r.msg >= 0 && r.msg < n.h.messageCount ? `${n.message(r.msg)} (key ${n.h.keyOf(r.msg)})` : "a record";
}

/** "group billing" for a group actor. */
export function group(n: Narrator, actor: number): string {
  return actor >= 0 ? `group ${n.name(actor)}` : "its group";
}

/** Kafka timestamps are milliseconds: show them as seconds. */
export function msAsSeconds(ms: number): string {
  return `${Math.round(ms) / 1000}s`;
}
