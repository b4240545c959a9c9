// Root-cause labels checkers put on anomalies (Anomaly.cause) so that one cause found by several invariants is
// counted once: the same truncated records are a lost write, an inconsistent offset, a never-processed record
// and a loss the group is not to blame for, and all four carry the same label. Labels name the event, not the
// message: every record a cause hit gets the same string.
import { Op, type History } from "../history/history.ts";
import type { KafkaLogView } from "./kafka-log.ts";
import { fmtS } from "./verdict.ts";

/** The election or truncation on a record's partition, after it was appended, that lost it. */
export function logLossCause(h: History, v: KafkaLogView, topicActor: number, partition: number, fromUs: number): string {
  const tp = `${h.actorNames[topicActor]}/${partition}`;
  for (const i of v.eventRows) {
    if (h.opTimeUs[i] < fromUs || h.opAux[i] !== topicActor || h.opPartition[i] !== partition) continue;
    const k = h.opKind[i];
    const actor = h.opActor[i] >= 0 ? h.actorNames[h.opActor[i]] : "?";
    if (k === Op.UncleanLeaderElection) return `${tp}: ${actor} was elected leader uncleanly (out of sync, epoch ${h.opMsg[i]}) at ${fmtS(h.opTimeUs[i])}; acknowledged records past its log end ${h.opOffset[i]} were lost`;
    if (k === Op.LeaderElection) return `${tp}: ${actor} became leader (epoch ${h.opMsg[i]}) at ${fmtS(h.opTimeUs[i])} with log end ${h.opOffset[i]}; acknowledged records past it were lost`;
    if (k === Op.Truncate) return `${tp}: ${actor} truncated its log to ${h.opOffset[i]} at ${fmtS(h.opTimeUs[i])}; acknowledged records past it were lost`;
    if (k === Op.PartitionOffline) return `${tp}: the partition went offline at ${fmtS(h.opTimeUs[i])} with acknowledged records on no live replica`;
  }
  return `${tp}: acknowledged records missing from the final log`;
}

/** Records still in the log that a group had not processed when the run ended. */
export function notConsumedCause(group: string): string {
  return `group ${group}: records not consumed before the end of the run (lag, not loss)`;
}
