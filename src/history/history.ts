// The record of a run, Jepsen-style: a message table (one row per message created) and an operation log
// (one row per step in a message's life or per offset commit), both in growable typed arrays so a million
// messages stay cheap. Checkers read it; models only append to it.

/**
 * Every kind of row in the operation log. Values are stable: they are part of the trace format.
 * Ranges by family, so families can grow independently: 1-19 core message life, 20-49 Kafka cluster and
 * producer (replication, retries, elections, faults), 50-79 consumer groups (rebalances, generations),
 * 80-119 queues (SQS, RabbitMQ, Pulsar), 120-139 exploration markers. OP_NAMES must name every value.
 */
export const enum Op {
  /** A producer sent (or re-sent) the message: msg, actor = producer. */
  ProduceAttempt = 1,
  /** A partition leader appended it: partition, offset. */
  Append = 2,
  /** The producer got the acknowledgement: partition, offset. */
  Ack = 3,
  /** The send ended in a definite failure. */
  ProduceFail = 4,
  /** The producer does not know whether the send took effect (e.g. timeout after the request left). */
  ProduceUnknown = 5,
  /** A consumer's poll returned the record: actor = member, aux = group, partition, offset. */
  Deliver = 6,
  ProcessStart = 7,
  ProcessEnd = 8,
  /** An offset commit took effect: msg = -1, actor = member, aux = group, partition, offset = committed (next to read). */
  Commit = 9,
}

export const OP_NAMES: Record<number, string> = {
  1: "produce-attempt",
  2: "append",
  3: "ack",
  4: "produce-fail",
  5: "produce-unknown",
  6: "deliver",
  7: "process-start",
  8: "process-end",
  9: "commit",
};

function grow<T extends Float64Array | Int32Array | Uint8Array>(a: T, need: number): T {
  if (need <= a.length) return a;
  let n = a.length * 2;
  while (n < need) n *= 2;
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}

export type ActorKind = "producer" | "broker" | "consumer" | "group" | "topic";

export class History {
  // Actors (producers, consumer members, groups, brokers, topics) are interned names.
  readonly actorNames: string[] = [];
  readonly actorKinds: ActorKind[] = [];
  private readonly actorIndex = new Map<string, number>();
  // Keys are interned so the message table stays numeric.
  readonly keyNames: string[] = [];
  private readonly keyIndex = new Map<string, number>();

  // Message table, indexed by message id (0-based).
  messageCount = 0;
  msgProducer = new Int32Array(1024);
  msgKey = new Int32Array(1024);
  msgTopic = new Int32Array(1024);
  /** Per-(producer, key) send sequence, so "produce order within a key" is a plain integer compare. */
  msgKeySeq = new Int32Array(1024);
  msgCreatedUs = new Float64Array(1024);
  private readonly keySeqNext = new Map<number, number>();

  // Operation log.
  opCount = 0;
  opKind = new Uint8Array(4096);
  opTimeUs = new Float64Array(4096);
  opMsg = new Int32Array(4096);
  opActor = new Int32Array(4096);
  opAux = new Int32Array(4096);
  opPartition = new Int32Array(4096);
  opOffset = new Float64Array(4096);

  actor(name: string, kind: ActorKind): number {
    let id = this.actorIndex.get(name);
    if (id === undefined) {
      id = this.actorNames.length;
      this.actorNames.push(name);
      this.actorKinds.push(kind);
      this.actorIndex.set(name, id);
    }
    return id;
  }

  actorId(name: string): number | undefined {
    return this.actorIndex.get(name);
  }

  key(name: string): number {
    let id = this.keyIndex.get(name);
    if (id === undefined) {
      id = this.keyNames.length;
      this.keyNames.push(name);
      this.keyIndex.set(name, id);
    }
    return id;
  }

  /** Creates a message row and returns its id. */
  newMessage(producer: number, key: number, topic: number, createdUs: number): number {
    const id = this.messageCount++;
    if (id >= this.msgProducer.length) {
      const n = id + 1;
      this.msgProducer = grow(this.msgProducer, n);
      this.msgKey = grow(this.msgKey, n);
      this.msgTopic = grow(this.msgTopic, n);
      this.msgKeySeq = grow(this.msgKeySeq, n);
      this.msgCreatedUs = grow(this.msgCreatedUs, n);
    }
    this.msgProducer[id] = producer;
    this.msgKey[id] = key;
    this.msgTopic[id] = topic;
    this.msgCreatedUs[id] = createdUs;
    // Producer ids stay far below 2^20 and key ids below 2^31, so this packs without collision.
    const pk = producer * 2 ** 31 + key;
    const seq = this.keySeqNext.get(pk) ?? 0;
    this.keySeqNext.set(pk, seq + 1);
    this.msgKeySeq[id] = seq;
    return id;
  }

  record(kind: Op, timeUs: number, msg: number, actor: number, partition = -1, offset = -1, aux = -1): void {
    const i = this.opCount++;
    if (i >= this.opKind.length) {
      const n = i + 1;
      this.opKind = grow(this.opKind, n);
      this.opTimeUs = grow(this.opTimeUs, n);
      this.opMsg = grow(this.opMsg, n);
      this.opActor = grow(this.opActor, n);
      this.opAux = grow(this.opAux, n);
      this.opPartition = grow(this.opPartition, n);
      this.opOffset = grow(this.opOffset, n);
    }
    this.opKind[i] = kind;
    this.opTimeUs[i] = timeUs;
    this.opMsg[i] = msg;
    this.opActor[i] = actor;
    this.opAux[i] = aux;
    this.opPartition[i] = partition;
    this.opOffset[i] = offset;
  }

  /** Readable name of a message, used in explanations. */
  messageName(msg: number): string {
    return `m-${msg}`;
  }

  keyOf(msg: number): string {
    return this.keyNames[this.msgKey[msg]];
  }

  /** Every operation row touching one message, in time order (the log is already in time order). */
  lineage(msg: number): number[] {
    const rows: number[] = [];
    for (let i = 0; i < this.opCount; i++) if (this.opMsg[i] === msg) rows.push(i);
    return rows;
  }
}

/** Builds a history by hand: tests and tiny examples use it to write histories as sentences. */
export class HistoryBuilder {
  readonly h = new History();
  send(producer: string, key: string, topic: string, atUs: number): number {
    const p = this.h.actor(producer, "producer");
    const t = this.h.actor(topic, "topic");
    const m = this.h.newMessage(p, this.h.key(key), t, atUs);
    this.h.record(Op.ProduceAttempt, atUs, m, p);
    return m;
  }
  append(msg: number, partition: number, offset: number, atUs: number): this {
    this.h.record(Op.Append, atUs, msg, this.h.msgTopic[msg], partition, offset);
    return this;
  }
  ack(msg: number, partition: number, offset: number, atUs: number): this {
    this.h.record(Op.Ack, atUs, msg, this.h.msgProducer[msg], partition, offset);
    return this;
  }
  process(msg: number, group: string, member: string, partition: number, offset: number, startUs: number, endUs: number): this {
    const g = this.h.actor(group, "group");
    const c = this.h.actor(member, "consumer");
    this.h.record(Op.Deliver, startUs, msg, c, partition, offset, g);
    this.h.record(Op.ProcessStart, startUs, msg, c, partition, offset, g);
    this.h.record(Op.ProcessEnd, endUs, msg, c, partition, offset, g);
    return this;
  }
  commit(group: string, member: string, partition: number, offset: number, atUs: number): this {
    const g = this.h.actor(group, "group");
    const c = this.h.actor(member, "consumer");
    this.h.record(Op.Commit, atUs, -1, c, partition, offset, g);
    return this;
  }
}
