// Consumer groups (rebalances, assignment, positions, commits refused) and queues (SQS, RabbitMQ, Pulsar), in
// each system's words.
import { Op } from "../../history/history.ts";
import { GROUP_ERROR_CODES, LEAVE_REASONS, REBALANCE_CAUSES } from "../../models/groups/group-protocol.ts";
import { DEAD_LETTER_REASON_NAMES, RETURN_REASON_NAMES } from "../../models/queue/queue-types.ts";
import type { Narrator, Row } from "./narrator.ts";
import { atGroupPartition, group, theMessage, type Where, type Words } from "./words.ts";

const GROUP_ERROR_NAMES: Record<number, string> = Object.fromEntries(Object.entries(GROUP_ERROR_CODES).map(([k, v]) => [v, k]));

function tpOfGroupRow(r: Row, n: Narrator): string {
  return n.tp(n.groupRowTopic(r.msg), r.partition);
}

/** Group rows that name a partition but whose offset column is a generation, not an offset. */
function atGroupPartitionOnly(r: Row, n: Narrator): Where {
  return r.partition >= 0 ? { partition: tpOfGroupRow(r, n) } : {};
}

export const GROUP_WORDS: Record<number, Words> = {
  [Op.RebalanceStart]: {
    say: (r, n) => `${group(n, r.actor)} began a rebalance (${REBALANCE_CAUSES[r.partition] ?? `cause ${r.partition}`}), leaving generation ${r.offset}`,
  },
  [Op.GroupStable]: { say: (r, n) => `${group(n, r.actor)} is stable in generation ${r.offset} with ${r.partition} member${r.partition === 1 ? "" : "s"}` },
  [Op.PartitionAssigned]: { say: (r, n) => `${n.name(r.actor)} was assigned ${tpOfGroupRow(r, n)} (generation ${r.offset})`, where: atGroupPartitionOnly },
  [Op.PartitionRevoked]: { say: (r, n) => `${n.name(r.actor)} gave up ${tpOfGroupRow(r, n)} in the rebalance (generation ${r.offset})`, where: atGroupPartitionOnly },
  [Op.PartitionLost]: {
    say: (r, n) => `${n.name(r.actor)} lost ${tpOfGroupRow(r, n)} without revoking it (crash, session or poll timeout, or fencing)`,
    where: atGroupPartitionOnly,
  },
  [Op.FetchPosition]: { say: (r, n) => `${n.name(r.actor)} starts fetching ${tpOfGroupRow(r, n)} at offset ${r.offset}`, where: atGroupPartition },
  [Op.CommitRejected]: {
    say: (r, n) => `${group(n, r.aux)} refused ${n.name(r.actor)}'s offset commit: ${GROUP_ERROR_NAMES[r.partition] ?? `error ${r.partition}`} (the member was in generation ${r.offset})`,
  },
  [Op.MemberJoined]: { say: (r, n) => `${n.name(r.actor)} joined ${group(n, r.aux)} (generation ${r.offset})` },
  [Op.MemberLeft]: { say: (r, n) => `${n.name(r.actor)} left ${group(n, r.aux)}: ${LEAVE_REASONS[r.partition] ?? `reason ${r.partition}`} (generation ${r.offset})` },
  [Op.ConsumerCrashed]: { say: (r, n) => `consumer ${n.name(r.actor)} crashed` },
  [Op.ConsumerRestarted]: { say: (r, n) => `consumer ${n.name(r.actor)} restarted` },
  [Op.ConsumerPaused]: { say: (r, n) => `consumer ${n.name(r.actor)} froze for ${n.duration(r.offset)} (a long GC pause)` },
  [Op.CoordinatorMoved]: { say: (r, n) => `the coordinator of ${group(n, r.actor)} moved to broker-${r.partition} (generation ${r.offset})` },
  [Op.OffsetReset]: {
    say: (r, n) => `${n.name(r.actor)} had no usable committed offset on ${tpOfGroupRow(r, n)}: auto.offset.reset chose offset ${r.offset}`,
    where: atGroupPartition,
  },
  [Op.OffsetResetFailed]: {
    say: (r, n) => `${n.name(r.actor)} had no committed offset on ${tpOfGroupRow(r, n)} and auto.offset.reset=none: the consumer failed`,
    where: atGroupPartitionOnly,
  },
  [Op.GroupEvent]: { say: (r, n) => `${group(n, r.actor)}: timeline event ${r.partition + 1} took effect` },
  [Op.OffsetOutOfRange]: {
    say: (r, n) => `${n.name(r.actor)}'s position ${r.offset} on ${tpOfGroupRow(r, n)} is out of the log (below its start: retention; past its end: truncation)`,
    where: atGroupPartition,
  },
  [Op.OffsetsExpired]: {
    say: (r, n) => `offsets.retention expired ${group(n, r.actor)}'s committed offset ${r.offset} on ${tpOfGroupRow(r, n)} (the group was empty that long)`,
    where: atGroupPartition,
  },
};

const atQueue = (r: Row, n: Narrator): Where => ({ queue: n.name(r.aux) });
const atOwnQueue = (r: Row, n: Narrator): Where => ({ queue: n.name(r.actor) });
const HANDLER_OUTCOMES = ["succeeded", "failed (a transient error)", "failed (a poison message)"];

export const QUEUE_WORDS: Record<number, Words> = {
  [Op.QueueSend]: { say: (r, n) => `${n.role(r.actor, "producer")} sent ${theMessage(r, n)} to queue ${n.name(r.aux)}`, where: atQueue },
  [Op.QueueEnqueue]: { say: (r, n) => `queue ${n.name(r.actor)} stored it (enqueue number ${r.offset})`, where: atOwnQueue },
  [Op.QueueSendAck]: { say: (r, n) => `${n.role(r.actor, "producer")} got the confirmation from queue ${n.name(r.aux)}`, where: atQueue },
  [Op.QueueDeduplicated]: {
    say: (r, n) => `FIFO queue ${n.name(r.actor)} answered success but did not store it: a repeat within the deduplication window`,
    where: atOwnQueue,
  },
  [Op.QueueDeliver]: { say: (r, n) => `queue ${n.name(r.aux)} delivered it to ${n.name(r.actor)} (delivery ${r.partition}, receipt ${r.offset})`, where: atQueue },
  [Op.QueueProcessStart]: { say: (r, n) => `${n.name(r.actor)} started handling it (receipt ${r.offset})`, where: atQueue },
  [Op.QueueProcessEnd]: { say: (r, n) => `${n.name(r.actor)}'s handler ${HANDLER_OUTCOMES[r.partition] ?? `ended with outcome ${r.partition}`} (receipt ${r.offset})`, where: atQueue },
  [Op.QueueAck]: { say: (r, n) => `${n.name(r.actor)} acknowledged it: queue ${n.name(r.aux)} deleted it (receipt ${r.offset})`, where: atQueue },
  [Op.QueueAckStale]: {
    say: (r, n) => `${n.name(r.actor)} deleted it with a stale receipt ${r.offset}: queue ${n.name(r.aux)} answered success but did NOT delete it`,
    where: atQueue,
  },
  [Op.QueueNack]: { say: (r, n) => `${n.name(r.actor)} rejected it${r.partition === 1 ? ", asking for a requeue" : " without requeue"} (receipt ${r.offset})`, where: atQueue },
  [Op.QueueReturn]: {
    say: (r, n) => `queue ${n.name(r.actor)} made it deliverable again: ${RETURN_REASON_NAMES[r.partition] ?? `reason ${r.partition}`}${r.offset >= 0 ? ` (receipt ${r.offset} is now stale)` : ""}`,
    where: atOwnQueue,
  },
  [Op.QueueDeadLetter]: {
    say: (r, n) => `queue ${n.name(r.actor)} moved it to dead-letter queue ${n.name(r.aux)} (${DEAD_LETTER_REASON_NAMES[r.partition] ?? `reason ${r.partition}`}, after ${r.offset} deliveries)`,
    where: atOwnQueue,
  },
  [Op.QueueDrop]: {
    say: (r, n) => `queue ${n.name(r.actor)} dropped it with no dead-letter queue (${DEAD_LETTER_REASON_NAMES[r.partition] ?? `reason ${r.partition}`}, after ${r.offset} deliveries)`,
    where: atOwnQueue,
  },
  [Op.QueueRedrive]: { say: (r, n) => `a redrive moved it from dead-letter queue ${n.name(r.actor)} back to queue ${n.name(r.aux)}`, where: atQueue },
  [Op.QueueResidual]: { say: (r, n) => `at the end it was still in queue ${n.name(r.actor)}, ${r.partition === 1 ? "in flight (delivered, not acknowledged)" : "waiting"}`, where: atOwnQueue },
  [Op.QueueVisibilityChange]: { say: (r, n) => `${n.name(r.actor)} set its visibility timeout to ${n.duration(r.offset)}`, where: atQueue },
  [Op.QueueChannelClosed]: {
    say: (r, n) =>
      `RabbitMQ closed ${n.name(r.actor)}'s channel (${r.partition} ${r.partition === 406 ? "PRECONDITION_FAILED" : "channel error"}, ${r.offset >= 0 ? `delivery tag ${r.offset}` : "consumer_timeout"}); its unacknowledged deliveries go back to the queue`,
    where: atQueue,
  },
  [Op.QueueRetryPublish]: {
    say: (r, n) => `reconsumeLater: ${n.name(r.actor)} published a delayed copy to retry topic ${n.name(r.aux)} (RECONSUMETIMES ${r.partition}, delay ${n.duration(r.offset)})`,
    where: atQueue,
  },
  [Op.QueueSubscribeRefused]: { say: (r, n) => `${n.name(r.aux)} refused ${n.name(r.actor)}'s subscription (ConsumerBusy: an Exclusive subscription has a consumer)`, where: atQueue },
  [Op.QueueReceiveError]: { say: (r, n) => `${n.name(r.aux)} answered ${n.name(r.actor)}'s receive with OverLimit (${r.offset} messages in flight)`, where: atQueue },
};
