// A message's core life (send, append, ack, fetch, process, commit) and the Kafka cluster's events (elections,
// ISR changes, truncation, fencing, faults), in Kafka's words.
import { Op } from "../../history/history.ts";
import { PRODUCE_ERROR_NAMES } from "../../models/kafka/sender.ts";
import type { FaultSpec } from "../../scenario/schema-faults.ts";
import type { Narrator, Row } from "./narrator.ts";
import { atGroupPartition, atPartition, atRecord, atTopicPartition, group, msgTp, theMessage, type Words } from "./words.ts";

function leaderOfRecord(r: Row, n: Narrator): number | undefined {
  return n.leaderOf(r.actor, r.partition);
}

/** The fault's own words: "crash broker-1", "network partition [a] | [b]". */
export function faultLabel(f: FaultSpec | undefined, target: string): string {
  if (!f) return `fault on ${target}`;
  if ("random" in f) return `random ${f.random} of ${target}`;
  if ("crash" in f) return `crash of ${f.crash}${f.loseUnflushed ? " (unflushed data lost)" : ""}`;
  if ("restart" in f) return `restart of ${f.restart}`;
  if ("pause" in f) return `pause of ${f.pause}`;
  if ("partition" in f) {
    const p = f.partition;
    return "groups" in p ? `network partition ${p.groups.map((g) => `[${g.join(",")}]`).join(" | ")}` : `one-way network partition ${p.from.join(",")} → ${p.to.join(",")}`;
  }
  const between = "between" in f && f.between ? ` on links of ${f.between.join(",")}` : "";
  if ("latency" in f) return `latency spike${between}`;
  if ("loss" in f) return `packet loss ${Math.round(f.loss * 1000) / 10}%${between}`;
  if ("duplicate" in f) return `packet duplication ${Math.round(f.duplicate * 1000) / 10}%${between}`;
  if ("addPartitions" in f) return `partitions added to ${f.addPartitions.topic}`;
  if ("outage" in f) return `outage of service ${f.outage}`;
  if ("brownout" in f) return `brownout of service ${f.brownout.service}`;
  if ("redrive" in f) return "redrive";
  if ("slowdown" in f) return "slowdown";
  return `fault on ${target}`;
}

function faultStart(r: Row, n: Narrator): string {
  const f = n.fault(r.aux);
  const target = r.actor >= 0 ? n.name(r.actor) : "the network";
  if (f && ("crash" in f || ("random" in f && f.random === "crash"))) return `${target} crashed (fault ${r.aux + 1}: ${faultLabel(f, target)})`;
  if (f && ("pause" in f || ("random" in f && f.random === "pause"))) return `${target} froze (fault ${r.aux + 1}: ${faultLabel(f, target)})`;
  return `fault ${r.aux + 1} began: ${faultLabel(f, target)}`;
}

function faultEnd(r: Row, n: Narrator): string {
  const f = n.fault(r.aux);
  const target = r.actor >= 0 ? n.name(r.actor) : "the network";
  if (f && ("crash" in f || "restart" in f || ("random" in f && f.random === "crash"))) return `${target} restarted (fault ${r.aux + 1})`;
  if (f && ("pause" in f || ("random" in f && f.random === "pause"))) return `${target} resumed after its pause (fault ${r.aux + 1})`;
  return `fault ${r.aux + 1} ended: ${faultLabel(f, target)} healed`;
}

function isrAfter(r: Row, n: Narrator, add: boolean): string {
  const before = n.isrOf(r.aux, r.partition);
  if (!before) return `${r.offset} replicas`;
  return n.brokers(add ? (before.includes(r.actor) ? before : [...before, r.actor]) : before.filter((b) => b !== r.actor));
}

function election(r: Row, n: Narrator, unclean: boolean): string {
  const prev = n.leaderOf(r.aux, r.partition);
  const was = prev === undefined ? "" : prev < 0 ? ", after it was offline" : prev === r.actor ? "" : `, replacing ${n.name(prev)}`;
  return `${n.name(r.actor)} elected leader of ${n.tp(r.aux, r.partition)}${unclean ? " UNCLEANLY (from outside the ISR)" : ""} in epoch ${r.msg} with log end ${r.offset}${was}`;
}

export const KAFKA_WORDS: Record<number, Words> = {
  [Op.ProduceAttempt]: {
    say: (r, n) => `${n.role(r.actor, "producer")} sent ${theMessage(r, n)} to ${r.partition >= 0 ? msgTp(r, n) : n.name(n.h.msgTopic[r.msg] ?? -1)}`,
    where: atPartition,
  },
  [Op.Append]: {
    say: (r, n) => {
      const leader = leaderOfRecord(r, n);
      return `appended to ${msgTp(r, n)} at offset ${r.offset}${leader !== undefined && leader >= 0 ? ` on leader ${n.name(leader)}` : ""}${r.aux >= 0 ? ` (leader epoch ${r.aux})` : ""}`;
    },
    node: (r, n) => leaderOfRecord(r, n) ?? r.actor,
    where: atRecord,
  },
  [Op.Ack]: {
    say: (r, n) => `${n.role(r.actor, "producer")} got the acknowledgement: ${msgTp(r, n)}${r.offset >= 0 ? ` offset ${r.offset}` : " (no offset known: acks=0)"}`,
    where: atRecord,
  },
  [Op.ProduceFail]: { say: (r, n) => `${n.role(r.actor, "producer")} gave up on it: the send failed${r.partition >= 0 ? ` (${msgTp(r, n)})` : ""}`, where: atPartition },
  [Op.ProduceUnknown]: { say: (r, n) => `${n.role(r.actor, "producer")} gave up without knowing whether it was written (the request had left)${r.partition >= 0 ? ` (${msgTp(r, n)})` : ""}`, where: atPartition },
  [Op.Deliver]: { say: (r, n) => `fetched by ${n.name(r.actor)} (${group(n, r.aux)}) from ${msgTp(r, n)} at offset ${r.offset}`, where: atRecord },
  [Op.ProcessStart]: { say: (r, n) => `${n.name(r.actor)} (${group(n, r.aux)}) started processing it (${msgTp(r, n)} offset ${r.offset})`, where: atRecord },
  [Op.ProcessEnd]: { say: (r, n) => `${n.name(r.actor)} (${group(n, r.aux)}) finished processing it (${msgTp(r, n)} offset ${r.offset})`, where: atRecord },
  [Op.Commit]: {
    say: (r, n) => `${group(n, r.aux)} committed ${n.tp(n.groupRowTopic(r.msg), r.partition)} up to offset ${r.offset} (the next to read), for ${n.name(r.actor)}`,
    where: atGroupPartition,
  },
  [Op.ProduceRetry]: { say: (r, n) => `${n.role(r.actor, "producer")} re-sent it to ${msgTp(r, n)} (attempt ${r.aux})`, where: atPartition },
  [Op.Truncate]: {
    say: (r, n) => `${n.name(r.actor)} truncated its log of ${n.tp(r.aux, r.partition)} to offset ${r.offset}, removing ${r.msg} record${r.msg === 1 ? "" : "s"}`,
    where: atTopicPartition,
    notMessage: true,
  },
  [Op.LeaderElection]: { say: (r, n) => election(r, n, false), where: atTopicPartition, notMessage: true },
  [Op.UncleanLeaderElection]: { say: (r, n) => election(r, n, true), where: atTopicPartition, notMessage: true },
  [Op.PartitionOffline]: { say: (r, n) => `${n.tp(r.aux, r.partition)} went offline: no eligible replica to lead it`, where: atTopicPartition },
  [Op.IsrShrink]: { say: (r, n) => `ISR of ${n.tp(r.aux, r.partition)} shrank to ${isrAfter(r, n, false)}: ${n.name(r.actor)} dropped out`, where: atTopicPartition },
  [Op.IsrExpand]: { say: (r, n) => `ISR of ${n.tp(r.aux, r.partition)} grew to ${isrAfter(r, n, true)}: ${n.name(r.actor)} caught up`, where: atTopicPartition },
  [Op.FaultStart]: { say: faultStart },
  [Op.FaultEnd]: { say: faultEnd },
  [Op.ProduceError]: {
    say: (r, n) => `${n.role(r.actor, "producer")} got ${PRODUCE_ERROR_NAMES[r.aux] ?? `error ${r.aux}`} for it from ${msgTp(r, n)}`,
    where: atPartition,
  },
  [Op.DuplicateSuppressed]: {
    say: (r, n) => `the leader of ${msgTp(r, n)} recognised a duplicate batch: already at offset ${r.offset}, not written again`,
    node: (r, n) => leaderOfRecord(r, n) ?? r.actor,
    where: atRecord,
  },
  [Op.FinalLogRange]: {
    say: (r, n) => `at the end, the log of ${n.tp(r.actor, r.partition)} holds offsets ${r.offset} to ${r.msg - 1} written in leader epoch ${r.aux}`,
    where: (r, n) => ({ partition: n.tp(r.actor, r.partition), offset: r.offset }),
    notMessage: true,
  },
  [Op.BrokerFence]: {
    say: (r, n) => (r.aux === 1 ? `the controller fenced ${n.name(r.actor)} (its session expired)` : `the controller unfenced ${n.name(r.actor)} (it is back and registered)`),
  },
  [Op.ProducerEpochBump]: {
    say: (r, n) => `${n.role(r.actor, "producer")} bumped its idempotent producer epoch to ${r.msg} (producer id ${r.offset}) after an error on ${n.tp(r.aux, r.partition)}`,
    where: atTopicPartition,
    notMessage: true,
  },
  [Op.LogRetention]: {
    say: (r, n) => `retention deleted ${r.msg} old record${r.msg === 1 ? "" : "s"} of ${n.tp(r.aux, r.partition)} on ${n.name(r.actor)}; its log now starts at offset ${r.offset}`,
    where: atTopicPartition,
    notMessage: true,
  },
  [Op.PartitionsAdded]: { say: (r, n) => `topic ${n.name(r.actor)} grew from ${r.offset} to ${r.partition} partitions` },
  [Op.MetadataRefresh]: {
    say: (r, n) => `${n.name(r.actor)} refreshed its metadata: topic ${n.name(r.aux)} has ${r.partition} partitions (it knew ${r.offset})`,
  },
};
