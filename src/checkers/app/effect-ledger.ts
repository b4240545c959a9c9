// One pass over the history collecting what the effect checkers need, per owner (consumer group) that applies
// effects: which acknowledged messages it owes an effect, every effect applied, the dedup rows, and each
// message's fate (dead-lettered, skipped, stalled, still in a retry topic, never delivered). Kept general: an
// owner is any actor whose effect rows carry it, and an effect is keyed by message id, so an end-to-end check
// (a publishing service's outbox, say) can reuse it.
import { Op, type History } from "../../history/history.ts";
import type { Scenario } from "../../scenario/schema.ts";
import { groupTopics } from "../../scenario/group-topics.ts";
import type { HandlerStep } from "../../models/app/app-system.ts";

export interface OwnerSpec {
  owner: number;
  name: string;
  /** Topic (or queue) actors whose acknowledged messages the owner must apply. */
  sources: Set<number>;
  steps: readonly HandlerStep[];
}

export interface MessageTrail {
  effects: number[];
  dedupRows: number[];
  fateRows: number[];
  delivered: boolean;
  started: boolean;
  /** Rows where the message was redriven out of a dead-letter topic or queue back to this owner's source. */
  redrives: number[];
}

export interface EffectLedger {
  owners: OwnerSpec[];
  /** owner → message → its trail (only messages the owner touched). */
  trails: Map<number, Map<number, MessageTrail>>;
  ackedUs: Float64Array;
  /** member actor → crash times. */
  crashes: Map<number, number[]>;
  /** Partition of each message's first append (-1: never appended). */
  partitionOf: Int32Array;
  /** owner → the records its consumers stopped at (onFailure stop). */
  stalls: Map<number, { msg: number; topic: number; partition: number; offset: number; atUs: number }[]>;
  /** Output record → the AppProduced row of the pipeline stage that wrote it (offset = its input record). */
  producedBy: Map<number, number>;
}

/** Owners whose handler has an effect step (consumer groups by name; effects are recorded with the group's actor). */
export function effectOwners(h: History, s: Scenario): OwnerSpec[] {
  const out: OwnerSpec[] = [];
  for (const g of s.consumerGroups) {
    if (!g.handler?.some((st) => "effect" in st)) continue;
    const owner = h.actorId(g.name);
    if (owner === undefined) continue;
    const sources = new Set<number>();
    for (const t of groupTopics(g)) {
      const a = h.actorId(t);
      if (a !== undefined) sources.add(a);
    }
    out.push({ owner, name: g.name, sources, steps: g.handler });
  }
  // Queue consumers: effects are owed by the queue (competing consumers share its messages).
  for (const c of s.queueConsumers) {
    if (!c.handler?.some((st) => "effect" in st)) continue;
    const owner = h.actorId(c.queue);
    if (owner === undefined || out.some((o) => o.owner === owner)) continue;
    out.push({ owner, name: c.queue, sources: new Set([owner]), steps: c.handler });
  }
  return out;
}

const FATES = new Set<number>([Op.AppDeadLetter, Op.AppSkipped, Op.AppStalled, Op.AppRetryTopic, Op.QueueDeadLetter, Op.QueueDrop]);

/** `owners` defaults to the scenario's consumers with an effect step; an end-to-end check may pass its own. */
export function effectLedger(h: History, s: Scenario, owners: OwnerSpec[] = effectOwners(h, s)): EffectLedger {
  const trails = new Map<number, Map<number, MessageTrail>>(owners.map((o) => [o.owner, new Map()]));
  const ackedUs = new Float64Array(h.messageCount).fill(-1);
  const crashes = new Map<number, number[]>();
  const partitionOf = new Int32Array(h.messageCount).fill(-1);
  const stalls: EffectLedger["stalls"] = new Map();
  const producedBy = new Map<number, number>();
  const trail = (owner: number, msg: number): MessageTrail | undefined => {
    const m = trails.get(owner);
    if (m === undefined) return undefined;
    let t = m.get(msg);
    if (t === undefined) m.set(msg, (t = { effects: [], dedupRows: [], fateRows: [], delivered: false, started: false, redrives: [] }));
    return t;
  };
  for (let i = 0; i < h.opCount; i++) {
    const k = h.opKind[i];
    const msg = h.opMsg[i];
    if (k === Op.Append) {
      if (partitionOf[msg] < 0) partitionOf[msg] = h.opPartition[i];
    } else if (k === Op.Ack || k === Op.QueueSendAck) {
      if (ackedUs[msg] < 0) ackedUs[msg] = h.opTimeUs[i];
    } else if (k === Op.ConsumerCrashed) {
      const list = crashes.get(h.opActor[i]) ?? [];
      list.push(h.opTimeUs[i]);
      crashes.set(h.opActor[i], list);
    } else if (k === Op.AppEffect) trail(h.opPartition[i], msg)?.effects.push(i);
    else if (k === Op.AppDedupHit || k === Op.AppDedupMiss || k === Op.AppDedupMark) trail(h.opPartition[i], msg)?.dedupRows.push(i);
    else if (k === Op.Deliver || k === Op.QueueDeliver) {
      const t = trail(h.opAux[i], msg);
      if (t) t.delivered = true;
    } else if (k === Op.ProcessStart || k === Op.QueueProcessStart) {
      const t = trail(h.opAux[i], msg);
      if (t) t.started = true;
    } else if (k === Op.AppProduced) {
      producedBy.set(msg, i);
    } else if (k === Op.QueueRedrive || k === Op.AppRedrive) {
      // Back to the source it failed on: the same message, owed by whoever reads that source.
      for (const o of owners) if (o.sources.has(h.opAux[i])) trail(o.owner, msg)?.redrives.push(i);
    } else if (FATES.has(k)) {
      if (k === Op.AppStalled) {
        const list = stalls.get(h.opAux[i]) ?? [];
        list.push({ msg, topic: h.msgTopic[msg], partition: h.opPartition[i], offset: h.opOffset[i], atUs: h.opTimeUs[i] });
        stalls.set(h.opAux[i], list);
      }
      // DeadLetter and RetryTopic rows carry the destination topic in aux: find the owner through the member.
      for (const o of owners) {
        const t = trails.get(o.owner)!.get(msg);
        const mine = k === Op.AppSkipped || k === Op.AppStalled ? h.opAux[i] === o.owner : k === Op.QueueDeadLetter || k === Op.QueueDrop ? h.opActor[i] === o.owner : true;
        if (t && mine) t.fateRows.push(i);
      }
    }
  }
  return { owners, trails, ackedUs, crashes, partitionOf, stalls, producedBy };
}

/** "m-7 was dead-lettered to orders.DLT after 10 attempt(s) at 12.000s", or why no effect exists. */
export function fateOf(h: History, t: MessageTrail | undefined, ownerName: string, msg = -1, L?: EffectLedger, owner = -1): { fate: string; text: string } {
  const s = (us: number): string => `${(us / 1e6).toFixed(3)}s`;
  if (t === undefined || !t.delivered) {
    const stall = L && msg >= 0 ? L.stalls.get(owner)?.find((x) => x.topic === h.msgTopic[msg] && x.partition === L.partitionOf[msg] && x.msg !== msg) : undefined;
    if (stall) return { fate: "stuck-behind-poison", text: `stuck behind poison record ${h.messageName(stall.msg)} at offset ${stall.offset} of ${h.actorNames[stall.topic]}/${stall.partition}, where the consumer stopped at ${s(stall.atUs)}` };
    const stopped = L?.stalls.get(owner)?.[0];
    if (stopped) return { fate: "not-consumed", text: `never delivered to ${ownerName}: a consumer stopped at poison record ${h.messageName(stopped.msg)} at ${s(stopped.atUs)} and stopped consuming its partitions` };
    return { fate: "lost-upstream", text: `never delivered to ${ownerName} (lost upstream)` };
  }
  const last = t.fateRows.length > 0 ? t.fateRows[t.fateRows.length - 1] : -1;
  if (last >= 0) {
    const k = h.opKind[last];
    if (k === Op.AppDeadLetter) return { fate: "dead-lettered", text: `dead-lettered to ${h.actorNames[h.opAux[last]]} after ${h.opOffset[last]} attempt(s) at ${s(h.opTimeUs[last])}` };
    if (k === Op.AppSkipped) return { fate: "skipped", text: `skipped by the error handler after ${h.opOffset[last]} attempt(s) at ${s(h.opTimeUs[last])} (lost by policy)` };
    if (k === Op.AppStalled) return { fate: "stalled", text: `the consumer stopped at it at ${s(h.opTimeUs[last])} (onFailure stop)` };
    if (k === Op.QueueDeadLetter) return { fate: "dead-lettered", text: `moved to dead-letter queue ${h.actorNames[h.opAux[last]]} after ${h.opOffset[last]} delivery(ies) at ${s(h.opTimeUs[last])}` };
    if (k === Op.QueueDrop) return { fate: "dropped", text: `dropped by the queue after ${h.opOffset[last]} delivery(ies) at ${s(h.opTimeUs[last])}` };
    if (k === Op.AppRetryTopic) return { fate: "in-retry-topic", text: `still in retry topic ${h.actorNames[h.opAux[last]]} at the end` };
  }
  const hit = t.dedupRows.find((r) => h.opKind[r] === Op.AppDedupHit);
  if (hit !== undefined) return { fate: "deduplicated-away", text: `its dedup check at ${s(h.opTimeUs[hit])} matched a key written by ${h.messageName(h.opOffset[hit])}, so its own effect was never applied` };
  if (!t.started) return { fate: "never-processed", text: `delivered to ${ownerName} but never processed (its offset was committed past it)` };
  return { fate: "unfinished", text: `delivered to ${ownerName} but its handler never completed` };
}

/** "; redriven from orders-dlq at 15.020s" for a message replayed out of a dead-letter topic or queue, else "". */
export function redriveNote(h: History, t: MessageTrail | undefined): string {
  if (t === undefined || t.redrives.length === 0) return "";
  const s = (us: number): string => `${(us / 1e6).toFixed(3)}s`;
  return "; redriven " + t.redrives.map((r) => `from ${h.actorNames[h.opActor[r]]} at ${s(h.opTimeUs[r])}`).join(", then ");
}

/** "; produced by billing-0 from m-12 (itself produced by enrich-1 from m-3)": the stages a record came through. */
export function upstreamNote(h: History, L: EffectLedger, msg: number): string {
  const hops: string[] = [];
  const seen = new Set<number>();
  for (let m = msg, row = L.producedBy.get(m); row !== undefined && hops.length < 8 && !seen.has(m); m = h.opOffset[row], row = L.producedBy.get(m)) {
    seen.add(m);
    hops.push(`produced by ${h.actorNames[h.opActor[row]]} from ${h.messageName(h.opOffset[row])}`);
  }
  if (hops.length === 0) return "";
  return `; ${hops[0]}` + hops.slice(1).map((x) => ` (itself ${x})`).join("");
}
