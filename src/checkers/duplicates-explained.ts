// duplicates-explained: every time a group processes a message again, the lineage shows why. Under
// at-least-once a redelivery is expected after a rebalance or a crash: the partition's next owner starts
// from the committed offset, which lags what the previous owner had processed. The checker finds, for each
// repeat, the position reset that rewound the partition, the commit that position came from, the owner
// that had processed further, and the disruption (rebalance cause, crash, leave, refused commit) before it.
// A repeat with no rewind behind it is unexplained: that is the anomaly (a broken model or a nonmonotonic
// poll). A member expelled from the group that still processes what it had fetched (a zombie after a long
// pause) is explained too, and so is a message the log holds twice (its publisher sent it again: a relay or
// CDC connector re-publishing, or a retry without idempotence). The explained repeats are listed as evidence, without failing the invariant.
import { Op, type History } from "../history/history.ts";
import type { Anomaly, Verdict } from "../report/result-types.ts";
import { ANOMALY_SAMPLE, fmtS, type Checker } from "./verdict.ts";
import { partKey, topicOfRow, tpName } from "./groups/rows.ts";
import { LEAVE_REASONS, REBALANCE_CAUSES } from "../models/groups/group-coordinator.ts";

interface Seen {
  member: number;
  timeUs: number;
  /** Set when the member processing it had already been removed from the group (a zombie). */
  zombie: string | undefined;
}

/**
 * Each message's first processing by one group, in columns indexed by message id: a Map keyed by
 * `${group}:${msg}` holding an object per processing was the second largest cost of checking a long run.
 */
class FirstProcessing {
  private readonly member: Int32Array;
  private readonly timeUs: Float64Array;
  private readonly zombie = new Map<number, string>();

  constructor(messages: number) {
    this.member = new Int32Array(messages).fill(-1);
    this.timeUs = new Float64Array(messages);
  }

  get(msg: number): Seen | undefined {
    const member = this.member[msg];
    return member < 0 ? undefined : { member, timeUs: this.timeUs[msg], zombie: this.zombie.get(msg) };
  }

  set(msg: number, member: number, timeUs: number, zombie: string | undefined): void {
    this.member[msg] = member;
    this.timeUs[msg] = timeUs;
    if (zombie !== undefined) this.zombie.set(msg, zombie);
  }
}
interface Commit {
  offset: number;
  member: number;
  timeUs: number;
}
interface Position {
  offset: number;
  timeUs: number;
  reset: boolean;
  commit: Commit | undefined;
  disruption: string | undefined;
}

export const duplicatesExplained: Checker = (h: History) => {
  const firstByGroup = new Map<number, FirstProcessing>();
  const commits = new Map<string, Commit>();
  const positions = new Map<string, Position>();
  const disruption = new Map<number, string>();
  /** Members the coordinator removed and that have not rejoined since: anything they process is a zombie's. */
  const removed = new Map<number, string>();
  const explained: Anomaly[] = [];
  const unexplained: Anomaly[] = [];
  let checked = 0;
  let explainedCount = 0;
  /** Where each message was first written (row of its first Append); a later Append elsewhere is a second copy. */
  const firstAppend = new Map<number, number>();
  const writtenTwice = new Set<number>();
  for (let i = 0; i < h.opCount; i++) {
    const kind = h.opKind[i];
    const group = h.opAux[i];
    const t = h.opTimeUs[i];
    switch (kind) {
      case Op.Append: {
        const first = firstAppend.get(h.opMsg[i]);
        if (first === undefined) firstAppend.set(h.opMsg[i], i);
        else if (h.opOffset[first] !== h.opOffset[i] || h.opPartition[first] !== h.opPartition[i]) writtenTwice.add(h.opMsg[i]);
        break;
      }
      case Op.Commit:
        commits.set(partKey(group, topicOfRow(h, i), h.opPartition[i]), { offset: h.opOffset[i], member: h.opActor[i], timeUs: t });
        break;
      case Op.RebalanceStart:
        disruption.set(group, `the rebalance that began at ${fmtS(t)} (${REBALANCE_CAUSES[h.opPartition[i]] ?? "unknown cause"})`);
        break;
      case Op.ConsumerCrashed:
        disruption.set(group, `${h.actorNames[h.opActor[i]]} crashing at ${fmtS(t)}`);
        break;
      case Op.MemberLeft:
        disruption.set(group, `${h.actorNames[h.opActor[i]]} leaving the group at ${fmtS(t)} (${LEAVE_REASONS[h.opPartition[i]] ?? "unknown reason"})`);
        removed.set(h.opActor[i], `was removed from the group at ${fmtS(t)} (${LEAVE_REASONS[h.opPartition[i]] ?? "unknown reason"})`);
        break;
      case Op.MemberJoined:
        removed.delete(h.opActor[i]);
        break;
      case Op.CommitRejected:
        disruption.set(group, `${h.actorNames[h.opActor[i]]}'s commit being refused at ${fmtS(t)} (stale generation ${h.opOffset[i]})`);
        break;
      case Op.FetchPosition:
      case Op.OffsetReset: {
        const topic = topicOfRow(h, i);
        positions.set(partKey(group, topic, h.opPartition[i], h.opActor[i]), {
          offset: h.opOffset[i],
          timeUs: t,
          reset: kind === Op.OffsetReset,
          commit: commits.get(partKey(group, topic, h.opPartition[i])),
          disruption: disruption.get(group),
        });
        break;
      }
      case Op.ProcessStart: {
        const msg = h.opMsg[i];
        let first = firstByGroup.get(group);
        if (!first) firstByGroup.set(group, (first = new FirstProcessing(h.messageCount)));
        const prev = first.get(msg);
        if (prev === undefined) {
          first.set(msg, h.opActor[i], t, removed.get(h.opActor[i]));
          break;
        }
        checked++;
        const topic = h.msgTopic[msg];
        const partition = h.opPartition[i];
        const offset = h.opOffset[i];
        const member = h.opActor[i];
        const pos = positions.get(partKey(group, topic, partition, member));
        const where = `${tpName(h, topic, partition)}@${offset}`;
        const head = `group ${h.actorNames[group]} processed ${h.messageName(msg)} (key ${h.keyOf(msg)}, ${where}) again at ${fmtS(t)} by ${h.actorNames[member]}; ${h.actorNames[prev.member]} had processed it at ${fmtS(prev.timeUs)}`;
        const base = { messageIds: [msg], keys: [h.keyOf(msg)], partition, offsets: [offset], timesUs: [prev.timeUs, t] };
        if (pos && pos.offset <= offset && pos.timeUs >= prev.timeUs) {
          explainedCount++;
          const from = pos.reset
            ? `auto.offset.reset put it at ${pos.offset}`
            : pos.commit
              ? `it resumed from the committed offset ${pos.offset}, committed by ${h.actorNames[pos.commit.member]} at ${fmtS(pos.commit.timeUs)}`
              : `it resumed from offset ${pos.offset}`;
          const why = pos.disruption ? ` after ${pos.disruption}` : "";
          if (explained.length < ANOMALY_SAMPLE) {
            explained.push({ kind: "duplicate-explained", explanation: `${head}. ${h.actorNames[member]} took the partition at ${fmtS(pos.timeUs)}${why} and ${from}, below what had been processed`, ...base });
          }
        } else if (prev.zombie !== undefined && pos) {
          // The first processing was the zombie's; this one is the partition's rightful owner catching up.
          explainedCount++;
          if (explained.length < ANOMALY_SAMPLE) {
            explained.push({
              kind: "duplicate-explained",
              explanation: `${head}. ${h.actorNames[prev.member]} ${prev.zombie} and processed it as a zombie; ${h.actorNames[member]} owned the partition from ${fmtS(pos.timeUs)}, starting at offset ${pos.offset}`,
              ...base,
            });
          }
        } else if (removed.has(member)) {
          // A zombie: paused or too slow, it was expelled and its partitions moved, but records it had already
          // fetched still reach its handler before it learns it is out.
          explainedCount++;
          if (explained.length < ANOMALY_SAMPLE) {
            explained.push({ kind: "duplicate-explained", explanation: `${head}. ${h.actorNames[member]} ${removed.get(member)} and processed a record it had fetched before, as a zombie`, ...base });
          }
        } else if (writtenTwice.has(msg)) {
          // Not the consumer's doing: the log holds two copies (a publisher sent the message again).
          explainedCount++;
          const a = firstAppend.get(msg)!;
          if (explained.length < ANOMALY_SAMPLE) {
            explained.push({
              kind: "duplicate-explained",
              explanation: `${head}. The log holds it twice (first at ${tpName(h, topic, h.opPartition[a])}@${h.opOffset[a]}): it was sent again after its first write — a relay or CDC connector re-publishing, or a retry without idempotence`,
              ...base,
            });
          }
        } else {
          unexplained.push({ kind: "duplicate-unexplained", explanation: `${head}, and no rebalance, crash or offset reset rewound the partition in between`, ...base });
        }
      }
    }
  }
  const holds = unexplained.length === 0;
  const verdict: Verdict = {
    invariant: "duplicates-explained",
    holds,
    checked,
    anomalyCount: unexplained.length + explainedCount,
    // Unexplained first: they are what failed; explained repeats follow as the lineage a reader asked for.
    anomalies: [...unexplained, ...explained].slice(0, ANOMALY_SAMPLE),
    summary: holds
      ? checked === 0
        ? "no message was processed twice"
        : `all ${checked} repeated processing(s) are explained by their lineage (a rewind to the committed offset after a rebalance, crash or reset, or a zombie member)`
      : `${unexplained.length} of ${checked} repeated processing(s) have no rebalance, crash or reset behind them`,
  };
  return verdict;
};
