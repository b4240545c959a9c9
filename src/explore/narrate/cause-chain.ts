// The chains of events behind what became of one message, told as one line each: a record lost from the log
// (the old leader's crash or fencing → the election of a replica without it → the truncation that removed it),
// a record a group got again (the rebalance → the commit it resumed from), a queue message delivered again
// (the visibility timeout, the nack, the crash that returned it). Only chains the history proves are told.
import { Op } from "../../history/history.ts";
import { narrate, Narrator } from "./index.ts";
import { group } from "./words.ts";

/** How many truncations of the record's offset a chain names (one per replica that had it). */
const MAX_TRUNCATIONS = 3;

function seconds(us: number): string {
  return `${(us / 1e6).toFixed(6)}s`;
}

function step(n: Narrator, i: number): string {
  return `${seconds(n.h.opTimeUs[i]!)} ${narrate(n, i).text}`;
}

/** Kafka: the record appended at (topic, partition, offset) was cut out by a later election (and truncations). */
function logLossChain(n: Narrator, msg: number, appendRow: number): string | undefined {
  const h = n.h;
  const topic = h.msgTopic[msg]!;
  const p = h.opPartition[appendRow]!;
  const offset = h.opOffset[appendRow]!;
  n.advanceTo(appendRow);
  const oldLeader = n.leaderOf(topic, p);
  let election = -1;
  for (let i = appendRow + 1; i < h.opCount && election < 0; i++) {
    const k = h.opKind[i]!;
    if (h.opAux[i] !== topic || h.opPartition[i] !== p) continue;
    if ((k === Op.LeaderElection || k === Op.UncleanLeaderElection) && h.opOffset[i]! <= offset) election = i;
    // A later append at the same offset means the log kept growing past it under this leader first.
  }
  if (election < 0) return undefined;
  // What took the old leader away: its crash or pause (else a network fault), then its fencing, after the append.
  let ownFault = -1;
  let networkFault = -1;
  let fence = -1;
  for (let i = appendRow + 1; i < election; i++) {
    const k = h.opKind[i]!;
    const a = h.opActor[i]!;
    if (k === Op.FaultStart && a === oldLeader) ownFault = i;
    else if (k === Op.FaultStart && a === -1) networkFault = i;
    else if (k === Op.BrokerFence && h.opAux[i] === 1 && a === oldLeader) fence = i;
  }
  const fault = ownFault >= 0 ? ownFault : networkFault;
  const triggers = [fault, fence].filter((i) => i >= 0).sort((a, b) => a - b);
  const truncations: number[] = [];
  for (let i = election + 1; i < h.opCount && truncations.length < MAX_TRUNCATIONS; i++) {
    if (h.opKind[i] === Op.Truncate && h.opAux[i] === topic && h.opPartition[i] === p && h.opOffset[i]! <= offset) truncations.push(i);
  }
  const steps = [...triggers, election, ...truncations].map((i) => step(n, i));
  return `${steps.join(" → ")}: ${h.messageName(msg)} at ${n.tp(topic, p)} offset ${offset} was past the new leader's log end, so it is gone from the log`;
}

/** Kafka groups: a record delivered again to a group, after a rebalance that rewound it to its last commit. */
function redeliveryChain(n: Narrator, msg: number, first: number, again: number): string | undefined {
  const h = n.h;
  const g = h.opAux[again]!;
  const p = h.opPartition[again]!;
  const offset = h.opOffset[again]!;
  let rebalance = -1;
  let lost = -1;
  for (let i = first + 1; i < again; i++) {
    const k = h.opKind[i]!;
    if (k === Op.RebalanceStart && h.opActor[i] === g) rebalance = i;
    if ((k === Op.PartitionLost || k === Op.PartitionRevoked) && h.opActor[i] === h.opActor[first] && h.opPartition[i] === p && lost < 0) lost = i;
  }
  let resumeAt = -1;
  for (let i = again - 1; i > first; i--) {
    const k = h.opKind[i]!;
    if ((k === Op.FetchPosition || k === Op.OffsetReset) && h.opActor[i] === h.opActor[again] && h.opPartition[i] === p && h.opOffset[i]! <= offset) {
      resumeAt = i;
      break;
    }
  }
  const rows = [lost, rebalance, resumeAt].filter((i) => i >= 0).sort((a, b) => a - b);
  if (rows.length === 0) return undefined;
  return `${rows.map((i) => step(n, i)).join(" → ")}: so ${h.messageName(msg)} (offset ${offset}) was fetched again by ${n.name(h.opActor[again]!)}`;
}

/**
 * Kafka groups: a record a group fetched but never finished, whose offset the group committed past (auto-commit
 * or a hand-off to a worker): the commit, then what stopped the member that held it.
 */
function committedPastChain(n: Narrator, msg: number, deliver: number, ownRows: number[]): string | undefined {
  const h = n.h;
  const g = h.opAux[deliver]!;
  const member = h.opActor[deliver]!;
  const p = h.opPartition[deliver]!;
  const offset = h.opOffset[deliver]!;
  const topic = h.msgTopic[msg]!;
  if (ownRows.some((i) => h.opKind[i] === Op.ProcessEnd && h.opAux[i] === g)) return undefined;
  let commit = -1;
  for (let i = deliver + 1; i < h.opCount && commit < 0; i++) {
    if (h.opKind[i] === Op.Commit && h.opAux[i] === g && h.opPartition[i] === p && h.opOffset[i]! > offset && n.groupRowTopic(h.opMsg[i]!) === topic) commit = i;
  }
  if (commit < 0) return undefined;
  let stop = -1;
  for (let i = deliver + 1; i < h.opCount && stop < 0; i++) {
    const k = h.opKind[i]!;
    if (h.opActor[i] === member && (k === Op.ConsumerCrashed || k === Op.PartitionLost || k === Op.PartitionRevoked || k === Op.MemberLeft)) stop = i;
  }
  const rows = [deliver, commit, ...(stop >= 0 ? [stop] : [])].sort((a, b) => a - b);
  return `${rows.map((i) => step(n, i)).join(" → ")}: so ${h.messageName(msg)} (offset ${offset}) was committed past by ${group(n, g)} but never processed by it`;
}

/**
 * Kafka producers: a record appended twice at different offsets. The chain is the send's own story between the
 * two appends (the error or timeout, the retry) and, for a relay or connector that sends again after a restart,
 * where it resumed reading.
 */
function appendedTwiceChain(n: Narrator, msg: number, first: number, again: number, ownRows: number[]): string {
  const h = n.h;
  const between = ownRows.filter((i) => i > first && i < again && [Op.ProduceError, Op.ProduceUnknown, Op.ProduceRetry, Op.ProduceAttempt].includes(h.opKind[i]!));
  // A connector's producer is named after it ("orders-connector-producer").
  const senders = between.map((i) => n.name(h.opActor[i]!));
  let resume = -1;
  for (let i = first + 1; i < again; i++) if (h.opKind[i] === Op.RelayResume && senders.some((s) => s.startsWith(n.name(h.opActor[i]!)))) resume = i;
  const rows = [first, ...between, ...(resume >= 0 ? [resume] : []), again].sort((a, b) => a - b);
  return `${rows.map((i) => step(n, i)).join(" → ")}: so ${h.messageName(msg)} is in the log twice (${msgTpOffset(n, msg, first)} and ${msgTpOffset(n, msg, again)})`;
}

function msgTpOffset(n: Narrator, msg: number, row: number): string {
  return `${n.tp(n.h.msgTopic[msg]!, n.h.opPartition[row]!)} offset ${n.h.opOffset[row]}`;
}

/** Queues: every return to the queue between two deliveries says why it came back. */
function queueRedeliveryChain(n: Narrator, msg: number, rows: number[]): string[] {
  const h = n.h;
  const out: string[] = [];
  let deliveries = 0;
  let pending: number[] = [];
  for (const i of rows) {
    const k = h.opKind[i]!;
    if (k === Op.QueueReturn || k === Op.QueueNack || k === Op.QueueChannelClosed) pending.push(i);
    if (k === Op.QueueDeliver) {
      if (deliveries > 0 && pending.length > 0) out.push(`${pending.map((j) => step(n, j)).join(" → ")}: so ${h.messageName(msg)} was delivered again (delivery ${h.opPartition[i]})`);
      deliveries++;
      pending = [];
    }
  }
  return out;
}

/** Every chain that explains a step of the message's life; empty when none applies. */
export function causeChains(n: Narrator, msg: number, ownRows: number[]): string[] {
  const h = n.h;
  const out: string[] = [];
  const seenAppends = new Set<string>();
  const lastDeliver = new Map<number, number>();
  const committedPastSeen = new Set<number>();
  let firstAppend = -1;
  for (const i of ownRows) {
    const k = h.opKind[i]!;
    if (k === Op.Append) {
      const at = `${h.opPartition[i]}:${h.opOffset[i]}`;
      if (seenAppends.has(at)) continue;
      seenAppends.add(at);
      if (firstAppend < 0) firstAppend = i;
      else out.push(appendedTwiceChain(n, msg, firstAppend, i, ownRows));
      const c = logLossChain(n, msg, i);
      if (c) out.push(c);
    } else if (k === Op.Deliver) {
      const g = h.opAux[i]!;
      const before = lastDeliver.get(g);
      if (before !== undefined) {
        const c = redeliveryChain(n, msg, before, i);
        if (c) out.push(c);
      }
      lastDeliver.set(g, i);
      if (!committedPastSeen.has(g)) {
        committedPastSeen.add(g);
        const c = committedPastChain(n, msg, i, ownRows);
        if (c) out.push(c);
      }
    }
  }
  out.push(...queueRedeliveryChain(n, msg, ownRows));
  return out;
}
