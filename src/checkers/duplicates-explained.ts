// duplicates-explained: every time a group processes a message again, the lineage shows why. Under
// at-least-once a redelivery is expected after a rebalance or a crash: the partition's next owner starts
// from the committed offset, which lags what the previous owner had processed. The checker finds, for each
// repeat, the position reset that rewound the partition, the commit that position came from, the owner
// that had processed further, and the disruption (rebalance cause, crash, leave, refused commit) before it.
// A repeat with no rewind behind it is unexplained: that is the anomaly (a broken model or a nonmonotonic
// poll). A member expelled from the group that still processes what it had fetched (a zombie after a long
// pause) is explained too. The explained repeats are listed as evidence, without failing the invariant.
import { Op, type History } from "../history/history.ts";
import type { Anomaly, Verdict } from "../report/result-types.ts";
import { fmtS, type Checker } from "./verdict.ts";
import { PartMap, partKey, topicOfRow, tpName } from "./groups/rows.ts";
import { LEAVE_REASONS, REBALANCE_CAUSES } from "../models/groups/group-coordinator.ts";
import type { Scenario } from "../scenario/schema.ts";
import { duplicationPermittedBy } from "./kafka-log.ts";

/** Messages appended more than once (a producer retry without idempotence): their Append rows, in time order. */
function appendedTwice(h: History): Map<number, number[]> {
  const first = new Int32Array(h.messageCount).fill(-1);
  const out = new Map<number, number[]>();
  for (let i = 0; i < h.opCount; i++) {
    if (h.opKind[i] !== Op.Append) continue;
    const m = h.opMsg[i];
    if (first[m] < 0) first[m] = i;
    else {
      const list = out.get(m);
      if (list) list.push(i);
      else out.set(m, [first[m], i]);
    }
  }
  return out;
}

/** The first ProduceRetry row of each message appended twice. */
function firstRetries(h: History, twice: Map<number, number[]>): Map<number, number> {
  const out = new Map<number, number>();
  if (twice.size === 0) return out;
  for (let i = 0; i < h.opCount; i++) {
    if (h.opKind[i] === Op.ProduceRetry && twice.has(h.opMsg[i]) && !out.has(h.opMsg[i])) out.set(h.opMsg[i], i);
  }
  return out;
}

/** "appended at orders/3@17 at 1.200s and again at orders/3@19 at 1.450s after ...'s retry; expected under ..." */
function describeDoubleWrite(h: History, scenario: Scenario | undefined, msg: number, appends: number[], retryRows: Map<number, number>): string {
  const topic = h.msgTopic[msg];
  const where = appends.map((r) => `${tpName(h, topic, h.opPartition[r])}@${h.opOffset[r]} at ${fmtS(h.opTimeUs[r])}`);
  const producer = h.actorNames[h.msgProducer[msg]];
  // A retry explains a second copy only where the producer's settings let a retry append again (no idempotence).
  const r = scenario === undefined || duplicationPermittedBy(scenario, producer).length > 0 ? retryRows.get(msg) : undefined;
  // No retry row: the publisher sent the message again on purpose (a relay or CDC connector re-publishing).
  const retry = r === undefined
    ? `, sent again by ${producer} after its first write (a relay or CDC connector re-publishing after a crash or restart)`
    : ` after ${producer} retried it at ${fmtS(h.opTimeUs[r])} (attempt ${h.opAux[r]}) without knowing the first append had succeeded`;
  const why = scenario ? duplicationPermittedBy(scenario, producer) : [];
  return `appended at ${where.join(" and again at ")}${retry}; ${why.length > 0 ? `expected under ${why.join("; ")}` : "no-duplicate-offsets judges whether the producer's settings permit it"}`;
}

interface Seen {
  member: number;
  timeUs: number;
  /** The offset it was processed at (a record written twice in the log has two). */
  offset: number;
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
  private readonly offset: Float64Array;
  private readonly zombie = new Map<number, string>();

  constructor(messages: number) {
    this.member = new Int32Array(messages).fill(-1);
    this.timeUs = new Float64Array(messages);
    this.offset = new Float64Array(messages);
  }

  get(msg: number): Seen | undefined {
    const member = this.member[msg];
    return member < 0 ? undefined : { member, timeUs: this.timeUs[msg], offset: this.offset[msg], zombie: this.zombie.get(msg) };
  }

  set(msg: number, member: number, timeUs: number, offset: number, zombie: string | undefined): void {
    this.member[msg] = member;
    this.timeUs[msg] = timeUs;
    this.offset[msg] = offset;
    if (zombie !== undefined) this.zombie.set(msg, zombie);
  }
}
interface Commit {
  offset: number;
  member: number;
  timeUs: number;
}
function commitAt(h: History, row: number | undefined): Commit | undefined {
  return row === undefined ? undefined : { offset: h.opOffset[row], member: h.opActor[row], timeUs: h.opTimeUs[row] };
}

interface Position {
  offset: number;
  timeUs: number;
  reset: boolean;
  commit: Commit | undefined;
  disruption: string | undefined;
}

/** The row kinds the scan below reads. */
const READ_KINDS = new Uint8Array(256);
for (const k of [Op.Commit, Op.RebalanceStart, Op.ConsumerCrashed, Op.MemberLeft, Op.MemberJoined, Op.CommitRejected, Op.FetchPosition, Op.OffsetReset, Op.ProcessStart]) READ_KINDS[k] = 1;

export const duplicatesExplained: Checker = (h: History, scenario?: Scenario) => {
  const twice = appendedTwice(h);
  const retries = firstRetries(h, twice);
  const firstByGroup = new Map<number, FirstProcessing>();
  /** The last commit row per (group, topic, partition): the commit a later position came from. */
  const commitRow = new PartMap();
  const positions = new Map<string, Position>();
  const disruption = new Map<number, string>();
  /** Members the coordinator removed and that have not rejoined since: anything they process is a zombie's. */
  const removed = new Map<number, string>();
  const explained: Anomaly[] = [];
  const unexplained: Anomaly[] = [];
  let checked = 0;
  let explainedCount = 0;
  const opKind = h.opKind;
  const count = h.opCount;
  for (let i = 0; i < count; i++) {
    const kind = opKind[i];
    // Most rows (sends, appends, acks, fetches, processing ends) say nothing here: one byte says so.
    if (READ_KINDS[kind] === 0) continue;
    const group = h.opAux[i];
    const t = h.opTimeUs[i];
    switch (kind) {
      case Op.Commit:
        commitRow.set(group, topicOfRow(h, i), h.opPartition[i], -1, i);
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
          commit: commitAt(h, commitRow.get(group, topic, h.opPartition[i])),
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
          first.set(msg, h.opActor[i], t, h.opOffset[i], removed.get(h.opActor[i]));
          break;
        }
        checked++;
        const pos = positions.get(partKey(group, h.msgTopic[msg], h.opPartition[i], h.opActor[i]));
        const found = explainRepeat(h, scenario, twice, retries, removed, i, prev, pos);
        if (found.explained) {
          explainedCount++;
          explained.push(found.anomaly);
        } else unexplained.push(found.anomaly);
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
    anomalies: [...unexplained, ...explained],
    summary: holds
      ? checked === 0
        ? "no message was processed twice"
        : `all ${checked} repeated processing(s) are explained by their lineage (a rewind to the committed offset after a rebalance, crash or reset, or a zombie member)`
      : `${unexplained.length} of ${checked} repeated processing(s) have no rebalance, crash or reset behind them`,
  };
  return verdict;
};

/** A repeated processing, explained by its lineage or not: the explanations, apart from the scan over every row. */
function explainRepeat(
  h: History,
  scenario: Scenario | undefined,
  twice: ReturnType<typeof appendedTwice>,
  retries: ReturnType<typeof firstRetries>,
  removed: Map<number, string>,
  i: number,
  prev: Seen,
  pos: Position | undefined,
): { explained: boolean; anomaly: Anomaly } {
  const msg = h.opMsg[i];
  const group = h.opAux[i];
  const t = h.opTimeUs[i];
  const topic = h.msgTopic[msg];
  const partition = h.opPartition[i];
  const offset = h.opOffset[i];
  const member = h.opActor[i];
  const where = `${tpName(h, topic, partition)}@${offset}`;
  const head = `group ${h.actorNames[group]} processed ${h.messageName(msg)} (key ${h.keyOf(msg)}, ${where}) again at ${fmtS(t)} by ${h.actorNames[member]}; ${h.actorNames[prev.member]} had processed it at ${fmtS(prev.timeUs)}`;
  const base = { messageIds: [msg], keys: [h.keyOf(msg)], partition, offsets: [offset], timesUs: [prev.timeUs, t] };
  const inLogTwice = prev.offset !== offset ? twice.get(msg) : undefined;
  if (inLogTwice && inLogTwice.some((r) => h.opOffset[r] === prev.offset) && inLogTwice.some((r) => h.opOffset[r] === offset)) {
    // Not a re-delivery: the log holds the message at two offsets, and each copy was processed once.
    return explainedBy({
      kind: "duplicate-in-log",
      explanation: `${head}. It was written twice in the log: ${describeDoubleWrite(h, scenario, msg, inLogTwice, retries)}`,
      ...base,
      cause: retries.has(msg) && (scenario === undefined || duplicationPermittedBy(scenario, h.actorNames[h.msgProducer[msg]]).length > 0)
        ? `${h.actorNames[h.msgProducer[msg]]}: a retry without idempotence appended records a second time`
        : `${h.actorNames[h.msgProducer[msg]]}: re-published records already in the log`,
    });
  }
  if (pos && pos.offset <= offset && pos.timeUs >= prev.timeUs) {
    const from = pos.reset
      ? `auto.offset.reset put it at ${pos.offset}`
      : pos.commit
        ? `it resumed from the committed offset ${pos.offset}, committed by ${h.actorNames[pos.commit.member]} at ${fmtS(pos.commit.timeUs)}`
        : `it resumed from offset ${pos.offset}`;
    const why = pos.disruption ? ` after ${pos.disruption}` : "";
    return explainedBy({
      kind: "duplicate-explained",
      explanation: `${head}. ${h.actorNames[member]} took the partition at ${fmtS(pos.timeUs)}${why} and ${from}, below what had been processed`,
      ...base,
      cause: `group ${h.actorNames[group]}: ${pos.disruption ?? (pos.reset ? "an offset reset" : "a partition move")} rewound partitions to their committed offsets`,
    });
  }
  if (prev.zombie !== undefined && pos) {
    // The first processing was the zombie's; this one is the partition's rightful owner catching up.
    return explainedBy({
      kind: "duplicate-explained",
      explanation: `${head}. ${h.actorNames[prev.member]} ${prev.zombie} and processed it as a zombie; ${h.actorNames[member]} owned the partition from ${fmtS(pos.timeUs)}, starting at offset ${pos.offset}`,
      ...base,
    });
  }
  if (removed.has(member)) {
    // A zombie: paused or too slow, it was expelled and its partitions moved, but records it had already
    // fetched still reach its handler before it learns it is out.
    return explainedBy({ kind: "duplicate-explained", explanation: `${head}. ${h.actorNames[member]} ${removed.get(member)} and processed a record it had fetched before, as a zombie`, ...base });
  }
  return { explained: false, anomaly: { kind: "duplicate-unexplained", explanation: `${head}, and no rebalance, crash or offset reset rewound the partition in between`, ...base } };
}

function explainedBy(anomaly: Anomaly): { explained: boolean; anomaly: Anomaly } {
  return { explained: true, anomaly };
}
