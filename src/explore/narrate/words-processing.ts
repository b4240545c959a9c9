// The processing half: application handlers (dedup, effects, downstream calls, error handling), transactions
// and publishing (outbox, relays, CDC), stream processing and schemas, in the words of each.
import { Op } from "../../history/history.ts";
import { BREAKER_STATE_NAMES } from "../../models/app/circuit-breaker.ts";
import { CALL_OUTCOME_NAMES } from "../../models/app/downstream-service.ts";
import { FENCED_BY_NAMES } from "../../models/kafka/producer-transactions.ts";
import type { Narrator, Row } from "./narrator.ts";
import { atPartition, atTopicPartition, msAsSeconds, msgTp, theMessage, type Words } from "./words.ts";

/** A store actor, or the member's own memory table (-1). */
function store(n: Narrator, actor: number): string {
  return actor >= 0 ? `store ${n.name(actor)}` : "its memory table";
}

const DEDUP_MISS = ["absent", "expired"];
const EFFECT_DEDUP = ["with no dedup", "atomically with its idempotency key", "after a separate check (check-then-act)"];
const TXN_ABORT_REASONS: Record<number, string> = {
  1: "the application aborted it",
  2: "transaction.timeout.ms ran out",
  3: "a new instance of the transactional.id started",
  4: "a send in it failed",
  5: "its consumer's group generation moved on (a zombie after a rebalance)",
};
const RELAY_READ = ["", "polling the outbox", "snapshot", "streaming the database log"];
const UNDECODABLE = ["crash-loops on it (the consumer stops and retries forever)", "skipped it", "stopped at it", "handed it to the application's error handling"];

function window(startMs: number, endMs: number): string {
  return `[${msAsSeconds(startMs)}, ${msAsSeconds(endMs)})`;
}

export const APP_WORDS: Record<number, Words> = {
  [Op.AppDedupHit]: {
    say: (r, n) => `${n.name(r.actor)} found its idempotency key in ${store(n, r.aux)}: already handled (key written by ${n.message(r.offset)}), not applied again`,
  },
  [Op.AppDedupMiss]: { say: (r, n) => `${n.name(r.actor)} checked ${store(n, r.aux)}: its idempotency key is ${DEDUP_MISS[r.offset] ?? "absent"}` },
  [Op.AppDedupMark]: { say: (r, n) => `${n.name(r.actor)} wrote its idempotency key to ${store(n, r.aux)} (kept until ${n.duration(r.offset)} into the run)` },
  [Op.AppEffect]: { say: (r, n) => `${n.name(r.actor)} applied its effect to ${store(n, r.aux)} ${EFFECT_DEDUP[r.offset] ?? ""}`.trimEnd() },
  [Op.AppCallStart]: { say: (r, n) => `${n.name(r.actor)} called service ${n.name(r.aux)} (attempt ${r.partition})` },
  [Op.AppCallEnd]: { say: (r, n) => `service ${n.name(r.aux)} answered ${n.name(r.actor)}: ${CALL_OUTCOME_NAMES[r.partition] ?? `outcome ${r.partition}`} (attempt ${r.offset})` },
  [Op.AppBreakerTransition]: {
    say: (r, n) => `${n.name(r.actor)}'s circuit breaker for service ${n.name(r.aux)} went ${BREAKER_STATE_NAMES[r.offset] ?? r.offset} → ${BREAKER_STATE_NAMES[r.partition] ?? r.partition}`,
  },
  [Op.AppProduced]: {
    say: (r, n) => `${n.name(r.actor)}'s produce step (step ${r.partition + 1}) sent it to topic ${n.name(r.aux)}, produced from ${n.message(r.offset)}`,
  },
  [Op.AppHandlerFailed]: { say: (r, n) => `${n.name(r.actor)}'s handler failed at step ${r.partition + 1} (delivery attempt ${r.offset})` },
  [Op.AppDeadLetter]: { say: (r, n) => `${n.name(r.actor)} published it to dead-letter topic ${n.name(r.aux)} after ${r.offset} attempt${r.offset === 1 ? "" : "s"}`, where: atPartition },
  [Op.AppSkipped]: { say: (r, n) => `${n.name(r.actor)} skipped it after ${r.offset} attempt${r.offset === 1 ? "" : "s"} (error policy: skip)`, where: atPartition },
  [Op.AppRetryTopic]: { say: (r, n) => `${n.name(r.actor)} moved it to retry topic ${n.name(r.aux)} (level ${r.partition}, delay ${n.duration(r.offset)})` },
  [Op.AppStalled]: { say: (r, n) => `${n.name(r.actor)} stopped at it (${msgTp(r, n)} offset ${r.offset}): error policy stop`, where: (r, n) => ({ partition: msgTp(r, n), offset: r.offset }) },
  [Op.AppRedrive]: { say: (r, n) => `a redrive replayed it from dead-letter topic ${n.name(r.actor)} to ${n.name(r.aux)} (it was ${n.tp(r.aux, r.partition)} offset ${r.offset})` },
  [Op.AppHandlerDone]: { say: (r, n) => `${n.name(r.actor)}'s handler succeeded after ${r.offset} attempt${r.offset === 1 ? "" : "s"}`, where: atPartition },
  [Op.AppMemberPaused]: { say: (r, n) => `${n.name(r.actor)} paused fetching: ${r.offset} records in flight, its limit` },
  [Op.AppMemberResumed]: { say: (r, n) => `${n.name(r.actor)} resumed fetching (${r.offset} records in flight)` },
};

export const PUBLISH_WORDS: Record<number, Words> = {
  [Op.TxnInitProducerId]: { say: (r, n) => `${n.role(r.actor, "producer")} got producer id ${r.offset}, epoch ${r.partition} from the transaction coordinator on broker-${r.aux}` },
  [Op.TxnBegin]: { say: (r, n) => `${n.role(r.actor, "producer")} began transaction ${r.offset} (epoch ${r.partition})` },
  [Op.TxnRecord]: { say: (r, n) => `${n.role(r.actor, "producer")} sent it to ${msgTp(r, n)} inside transaction ${r.offset} (epoch ${r.aux})`, where: atPartition },
  [Op.TxnAddPartition]: { say: (r, n) => `the transaction coordinator added ${n.tp(r.aux, r.partition)} to ${n.name(r.actor)}'s transaction ${r.offset}`, where: atTopicPartition },
  [Op.TxnCommit]: { say: (r, n) => `${n.name(r.actor)}'s transaction ${r.offset} commits (PREPARE_COMMIT logged, epoch ${r.partition})` },
  [Op.TxnAbort]: { say: (r, n) => `${n.name(r.actor)}'s transaction ${r.offset} aborts (PREPARE_ABORT logged, epoch ${r.partition}): ${TXN_ABORT_REASONS[r.aux] ?? `reason ${r.aux}`}` },
  [Op.TxnMarker]: {
    say: (r, n) => `${r.aux % 2 === 1 ? "COMMIT" : "ABORT"} marker of transaction ${Math.floor(r.aux / 2)} written to ${n.tp(r.actor, r.partition)} at offset ${r.offset}`,
    node: (r, n) => n.leaderOf(r.actor, r.partition) ?? r.actor,
    where: (r, n) => ({ partition: n.tp(r.actor, r.partition), offset: r.offset }),
  },
  [Op.ProducerFenced]: {
    say: (r, n) => `${n.role(r.actor, "producer")} learned it is fenced (producer id ${r.offset}, stale epoch ${r.partition}) from ${FENCED_BY_NAMES[r.aux] ?? `source ${r.aux}`}`,
  },
  [Op.TxnOffsets]: {
    say: (r, n) => `${n.name(r.actor)} added offset ${r.offset} of ${n.tp(n.groupRowTopic(r.msg), r.partition)} to the transaction (group ${n.name(r.aux)})`,
    where: (r, n) => ({ partition: n.tp(n.groupRowTopic(r.msg), r.partition), offset: r.offset }),
  },
  [Op.DbCommit]: { say: (r, n) => `service ${n.name(r.actor)} committed database transaction ${r.aux}: outbox row ${r.partition}, LSN ${r.offset}` },
  [Op.DbRollback]: { say: (r, n) => `service ${n.name(r.actor)}'s database transaction ${r.aux} rolled back (a crash): outbox row ${r.partition} never committed` },
  [Op.RelayRead]: { say: (r, n) => `${n.name(r.actor)} read it (${RELAY_READ[r.partition] ?? `kind ${r.partition}`}), position now ${r.offset}` },
  [Op.RelayMark]: { say: (r, n) => `${n.name(r.actor)} marked its outbox row published and saved its cursor at ${r.offset}` },
  [Op.ConnectorOffsetFlush]: { say: (r, n) => `connector ${n.name(r.actor)} flushed its source offset: LSN ${r.offset} (everything up to it acknowledged)` },
  [Op.RelayResume]: { say: (r, n) => `${n.name(r.actor)} (re)started ${RELAY_READ[r.partition] ?? "reading"} after position ${r.offset}` },
};

export const STREAM_WORDS: Record<number, Words> = {
  [Op.EventTime]: { say: (r, n) => `${n.role(r.actor, "producer")} stamped it with event time ${msAsSeconds(r.offset)}` },
  [Op.StreamRecordDropped]: {
    say: (r, n) => `application ${n.name(r.actor)} dropped it as late${r.partition >= 0 ? ` for window ${window(r.partition, r.aux)}` : ""} (stream time ${msAsSeconds(r.offset)})`,
  },
  [Op.WindowResult]: { say: (r, n) => `application ${n.name(r.actor)} emitted the result of window ${window(r.partition, r.aux)}: ${r.offset}` },
  [Op.WindowRetracted]: { say: (r, n) => `application ${n.name(r.actor)} retracted session ${window(r.partition, r.aux)} (merged into a larger one; a tombstone went downstream)` },
  [Op.RestoreStart]: {
    say: (r, n) => `${n.name(r.actor)} began restoring task ${r.partition}'s store: ${r.offset === 0 ? "a caught-up standby, nothing to replay" : `${r.offset} changelog records to replay`}`,
  },
  [Op.RestoreEnd]: { say: (r, n) => `${n.name(r.actor)} finished restoring task ${r.partition} (${r.offset} records replayed) and processes again` },
  [Op.JoinResult]: {
    say: (r, n) => `application ${n.name(r.actor)} joined ${r.partition >= 0 ? n.message(r.partition) : "nothing"} with ${r.aux >= 0 ? n.message(r.aux) : "nothing"} in task ${r.offset}: the result is this record`,
  },
};

function subject(r: Row, n: Narrator): string {
  const t = n.groupRowTopic(r.msg);
  return t >= 0 ? `subject ${n.name(t)}-value` : "its subject";
}

export const SCHEMA_WORDS: Record<number, Words> = {
  [Op.SchemaRegistered]: { say: (r, n) => `the registry registered ${n.name(r.actor)}'s ${n.schema(r.aux)} under ${subject(r, n)}: version ${r.partition}, id ${r.offset}` },
  [Op.SchemaRefused]: { say: (r, n) => `the registry refused ${n.name(r.actor)}'s ${n.schema(r.aux)} under ${subject(r, n)} (409: incompatible under the subject's mode)` },
  [Op.SerializeFailed]: { say: (r, n) => `${n.role(r.actor, "producer")}'s serializer failed on ${theMessage(r, n)}: the registry refused ${n.schema(r.aux)}; nothing was written` },
  [Op.Decoded]: { say: (r, n) => `${n.name(r.actor)} decoded it (writer schema id ${r.offset}, reader ${n.schema(r.partition)})` },
  [Op.DecodeFailed]: {
    say: (r, n) => `${n.name(r.actor)} could not decode it (${r.offset >= 0 ? `writer schema id ${r.offset}` : "not in the wire format"}, reader ${n.schema(r.partition)})`,
  },
  [Op.UndecodableHandled]: { say: (r, n) => `${n.name(r.actor)} ${UNDECODABLE[r.partition] ?? `handled it (${r.partition})`}` },
  [Op.SchemaUpgraded]: { say: (r, n) => `${n.name(r.actor)} upgraded to ${n.schema(r.aux)}` },
  [Op.DefaultsApplied]: { say: (r, n) => `${n.name(r.actor)} filled ${r.offset} reader field${r.offset === 1 ? "" : "s"} the writer lacks from the reader's defaults` },
};
