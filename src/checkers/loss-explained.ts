// loss-explained: every acknowledged record a group never processed is accounted for by its lineage, and
// the group's settings permit it. A record is lost to a group when a commit moved the group's offset past
// it before anyone processed it: the committing member had received it (poll returned it) and then crashed
// or handed it to a worker that never got to it. That is expected with commit.mode before-processing
// (at-most-once) and with auto-commit plus processing.handoff async; under any other setting it is a bug.
// A commit past a record its member never received is unexplained, unless the group's position jumped over
// it (retention deleted it, or auto.offset.reset=latest skipped it: skip-explain.ts names the chain and the
// setting). Records not yet committed past are lag, not loss, and belong to liveness-lag-drains.
import { Op, type History } from "../history/history.ts";
import type { Anomaly, Verdict } from "../report/result-types.ts";
import type { Scenario } from "../scenario/schema.ts";
import { groupTopics } from "../scenario/group-topics.ts";
import { fmtS, type Checker } from "./verdict.ts";
import { topicOfRow, tpName } from "./groups/rows.ts";
import { readSkips } from "./skip-explain.ts";
import { eventChain, hasFinalLog, readKafkaLog } from "./kafka-log.ts";
import { logLossCause } from "./causes.ts";

type Group = Scenario["consumerGroups"][number];

function lossPermitted(g: Group): string | undefined {
  if (g.commit.mode === "before-processing") return "commit.mode before-processing commits before the handler runs (at-most-once)";
  if (g.commit.mode === "auto" && g.processing.handoff === "async") return "auto-commit commits positions of records handed to a worker that had not processed them";
  return undefined;
}

/** What one group's rows say, per message (columns indexed by message id, not an object per message). */
interface GroupRows {
  /** Processed by the group? */
  processed: Uint8Array;
  /** Delivered to whom (-1: never), when? */
  deliveredTo: Int32Array;
  deliveredUs: Float64Array;
  /** Where it was acknowledged (the last ack wins); -1: never. */
  ackPartition: Int32Array;
  ackOffset: Float64Array;
  /** Acknowledged messages in first-ack order. */
  ackOrder: number[];
  /** The group's commit rows, in time order. */
  commitRows: number[];
  /** Each member's first crash. */
  crashes: Map<number, number>;
}

/** Topic ids as a mask indexed by actor id, so the scan below tests a byte instead of hashing into a Set. */
function topicMask(h: History, topics: Set<number>): Uint8Array {
  const mask = new Uint8Array(h.actorNames.length);
  for (const t of topics) mask[t] = 1;
  return mask;
}

// The scan over every row is the hot part of this checker, and it runs once per group per run: kept apart from
// the explanations (string building, rarely run) so the optimising compiler compiles a small loop, once, and
// its code stays valid from one seed to the next in a sweep thread.
function scanGroupRows(h: History, group: number, topics: Uint8Array): GroupRows {
  const n = h.messageCount;
  const out: GroupRows = {
    processed: new Uint8Array(n),
    deliveredTo: new Int32Array(n).fill(-1),
    deliveredUs: new Float64Array(n),
    ackPartition: new Int32Array(n).fill(-1),
    ackOffset: new Float64Array(n),
    ackOrder: [],
    commitRows: [],
    crashes: new Map(),
  };
  const { processed, deliveredTo, deliveredUs, ackPartition, ackOffset, ackOrder, commitRows, crashes } = out;
  const opKind = h.opKind;
  const opMsg = h.opMsg;
  const opAux = h.opAux;
  const opActor = h.opActor;
  const opTimeUs = h.opTimeUs;
  const msgTopic = h.msgTopic;
  const count = h.opCount;
  for (let i = 0; i < count; i++) {
    const kind = opKind[i];
    const msg = opMsg[i];
    if (kind === Op.Ack && topics[msgTopic[msg]] === 1) {
      if (ackPartition[msg] < 0) ackOrder.push(msg);
      ackPartition[msg] = h.opPartition[i];
      ackOffset[msg] = h.opOffset[i];
    }
    if (opAux[i] !== group) continue;
    if (kind === Op.ProcessEnd) processed[msg] = 1;
    else if (kind === Op.Deliver) {
      deliveredTo[msg] = opActor[i];
      deliveredUs[msg] = opTimeUs[i];
    } else if (kind === Op.ConsumerCrashed && !crashes.has(opActor[i])) crashes.set(opActor[i], opTimeUs[i]);
    else if (kind === Op.Commit) commitRows.push(i);
  }
  return out;
}

/** Whether a message acknowledged on one of the topics was never processed by the group. */
function anyUnprocessed(h: History, group: number, topics: Uint8Array): boolean {
  // 1: acknowledged, 2: processed (a processing before the ack counts, as in scanGroupRows).
  const seen = new Uint8Array(h.messageCount);
  const opKind = h.opKind;
  const opMsg = h.opMsg;
  const opAux = h.opAux;
  const msgTopic = h.msgTopic;
  const count = h.opCount;
  for (let i = 0; i < count; i++) {
    const kind = opKind[i];
    if (kind === Op.Ack) {
      const msg = opMsg[i];
      if (topics[msgTopic[msg]] === 1) seen[msg] |= 1;
    } else if (kind === Op.ProcessEnd && opAux[i] === group) seen[opMsg[i]] |= 2;
  }
  for (let m = 0; m < seen.length; m++) if (seen[m] === 1) return true;
  return false;
}

type CommitRow = { offset: number; member: number; timeUs: number };

/** Commits per "topic:partition", in time order. */
function commitsByPartition(h: History, rows: number[]): Map<string, CommitRow[]> {
  const commits = new Map<string, CommitRow[]>();
  for (const i of rows) {
    const k = `${topicOfRow(h, i)}:${h.opPartition[i]}`;
    let list = commits.get(k);
    if (!list) commits.set(k, (list = []));
    list.push({ offset: h.opOffset[i], member: h.opActor[i], timeUs: h.opTimeUs[i] });
  }
  return commits;
}

/** The acknowledged messages the group never processed, in first-ack order. */
function unprocessed(ackOrder: number[], processed: Uint8Array): number[] {
  const out: number[] = [];
  for (let j = 0; j < ackOrder.length; j++) if (processed[ackOrder[j]] === 0) out.push(ackOrder[j]);
  return out;
}

export const lossExplained: Checker = (h: History, scenario: Scenario) => {
  const anomalies: Anomaly[] = [];
  const explained: Anomaly[] = [];
  let explainedCount = 0;
  let checked = 0;
  // Read only for a group that committed past a record it never processed (most runs have none).
  let skips: ReturnType<typeof readSkips> | undefined;
  let log: ReturnType<typeof readKafkaLog> | undefined;
  for (const g of scenario.consumerGroups) {
    const group = h.actorId(g.name);
    if (group === undefined) continue;
    const topics = new Set([...groupTopics(g), ...(g.memberTopics ?? []).flat()].map((t) => h.actorId(t)).filter((t) => t !== undefined));
    const mask = topicMask(h, topics);
    // Most runs have no acknowledged record the group never processed: one light pass says so, and only then
    // are the deliveries, acks, crashes and commits read.
    if (!anyUnprocessed(h, group, mask)) continue;
    const { processed, deliveredTo, deliveredUs, ackPartition, ackOffset, ackOrder, commitRows, crashes } = scanGroupRows(h, group, mask);
    const lost = unprocessed(ackOrder, processed);
    if (lost.length === 0) continue;
    const commits = commitsByPartition(h, commitRows);
    // The first commit (in time order) past an offset is the first whose running maximum exceeds it; the running
    // maximum never decreases, so a binary search finds it (a linear scan per record was quadratic in long runs).
    const runningMax = new Map<string, Float64Array>();
    for (const [k, list] of commits) {
      const m = new Float64Array(list.length);
      let best = -Infinity;
      list.forEach((c, i) => (m[i] = best = Math.max(best, c.offset)));
      runningMax.set(k, m);
    }
    const firstCommitPast = (k: string, offset: number) => {
      const m = runningMax.get(k);
      if (!m || m.length === 0 || m[m.length - 1] <= offset) return undefined;
      let lo = 0;
      let hi = m.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (m[mid] > offset) hi = mid;
        else lo = mid + 1;
      }
      return commits.get(k)![lo];
    };
    const permitted = lossPermitted(g);
    skips ??= readSkips(h, scenario);
    log ??= readKafkaLog(h);
    for (const msg of lost) {
      const w = { topic: h.msgTopic[msg], partition: ackPartition[msg], offset: ackOffset[msg] };
      const past = firstCommitPast(`${w.topic}:${w.partition}`, w.offset);
      if (!past) continue;
      checked++;
      const d = deliveredTo[msg] < 0 ? undefined : { member: deliveredTo[msg], timeUs: deliveredUs[msg] };
      const name = `${h.messageName(msg)} (key ${h.keyOf(msg)}, ${tpName(h, w.topic, w.partition)}@${w.offset})`;
      const base = { messageIds: [msg], keys: [h.keyOf(msg)], partition: w.partition, offsets: [w.offset], timesUs: [past.timeUs] };
      const skip = skips.explain(group, w.topic, w.partition, w.offset);
      if (skip && (!d || d.timeUs > past.timeUs)) {
        explainedCount++;
        explained.push({ kind: "loss-explained", explanation: `group ${g.name} never processed ${name}: ${skip.story}; expected under ${skip.permittedBy}`, ...base });
        continue;
      }
      if (!d || d.member !== past.member || d.timeUs > past.timeUs) {
        // The broker lost it (truncated after an election, or the only copy died) and its offset was reused:
        // the commit past it moved over a different record, so the consumer is not to blame.
        if (hasFinalLog(log, h, msg, w.partition) && log.survivingCount[msg] === 0) {
          explainedCount++;
          const from = log.appendRow[msg] >= 0 ? h.opTimeUs[log.appendRow[msg]] : past.timeUs;
          explained.push({
            kind: "lost-by-broker",
            explanation: `group ${g.name} never processed ${name}: the broker lost it before the group read it (no-lost-write reports it), so the commit of offset ${past.offset} by ${h.actorNames[past.member]} at ${fmtS(past.timeUs)} moved past another record at that offset. Then: ${eventChain(h, log, w.topic, w.partition, from, 6)}`,
            ...base,
            cause: logLossCause(h, log, w.topic, w.partition, from),
          });
          continue;
        }
        anomalies.push({
          kind: "loss-unexplained",
          explanation: `group ${g.name} never processed ${name}: ${h.actorNames[past.member]} committed offset ${past.offset} at ${fmtS(past.timeUs)} without having received it`,
          ...base,
        });
        continue;
      }
      const crash = crashes.get(d.member);
      const cause = crash !== undefined && crash >= d.timeUs ? `${h.actorNames[d.member]} crashed at ${fmtS(crash)} after committing past records it had not processed` : undefined;
      const fate = crash !== undefined && crash >= d.timeUs ? `, then crashed at ${fmtS(crash)} before processing it` : ", and never processed it";
      const story = `group ${g.name} never processed ${name}: ${h.actorNames[d.member]} received it at ${fmtS(d.timeUs)}, committed offset ${past.offset} past it at ${fmtS(past.timeUs)}${fate}`;
      if (permitted) {
        explainedCount++;
        explained.push({ kind: "loss-explained", explanation: `${story}; expected: ${permitted}`, ...base, ...(cause ? { cause } : {}) });
        continue;
      }
      anomalies.push({ kind: "loss-not-permitted", explanation: `${story}; commit.mode ${g.commit.mode} should not allow this`, ...base, ...(cause ? { cause } : {}) });
    }
  }
  const holds = anomalies.length === 0;
  const byBroker = explained.filter((a) => a.kind === "lost-by-broker").length;
  const verdict: Verdict = {
    invariant: "loss-explained",
    holds,
    checked,
    anomalyCount: anomalies.length + explainedCount,
    // What failed first; the permitted losses follow as the lineage that explains them.
    anomalies: [...anomalies, ...explained],
    summary: holds
      ? checked === 0
        ? "no group committed past a record it did not process"
        : byBroker === checked
          ? `all ${checked} record(s) committed past without processing were lost by the broker before the group read them, not by the group`
          : `all ${checked} record(s) committed past without processing are explained and permitted by their group's commit, offset-reset or retention settings${byBroker > 0 ? ` (${byBroker} of them lost by the broker, not by the group)` : ""}`
      : `${anomalies.length} of ${checked} lost record(s) are unexplained or not permitted by the group's commit settings${byBroker > 0 ? ` (${byBroker} more were lost by the broker, not by the group)` : ""}`,
  };
  return verdict;
};
