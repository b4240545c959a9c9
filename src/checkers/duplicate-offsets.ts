// no-duplicate-offsets: no message occupies two offsets in the final log. A producer that retries after an
// unknown outcome (a timeout, a lost answer, NotEnoughReplicasAfterAppend) appends the batch again unless it
// is idempotent, in which case the broker recognises the sequence among the last 5 batches — within one
// producer epoch only: after a local epoch bump (KIP-360) re-numbered a batch that had in fact landed, the
// broker sees a new batch. Such a copy is explained by the bump.
import { Op, type History } from "../history/history.ts";
import type { Anomaly } from "../report/result-types.ts";
import { fmtS, verdictOf, type Checker } from "./verdict.ts";
import { duplicationPermittedBy, readKafkaLog, withPermission, type KafkaLogView } from "./kafka-log.ts";
import { PRODUCE_ERROR_NAMES } from "../models/kafka/sender.ts";

export const duplicateOffsets: Checker = (h: History, scenario) => {
  const v = readKafkaLog(h);
  const { offsets, firstError, appendTimes, bumps, relayReads } = scanRows(h, v);
  const anomalies: Anomaly[] = [];
  const permitted = new Set<string>();
  let unpermitted = 0;
  const copied: number[] = [];
  const checked = copiedMessages(h, v, copied);
  for (const msg of copied) {
    const part = v.survivingPartition[msg];
    const producer = h.actorNames[h.msgProducer[msg]];
    const why = duplicationPermittedBy(scenario, producer);
    const times = appendTimes.get(msg) ?? [];
    const bump = (bumps.get(h.msgProducer[msg]) ?? []).find((r) => h.opTimeUs[r] >= times[0] && h.opTimeUs[r] <= times[times.length - 1]);
    if (why.length === 0 && bump !== undefined) {
      why.push(`an epoch bump of idempotent ${producer} (KIP-360: unacknowledged batches are re-numbered under the new epoch, and the broker matches duplicates within one epoch)`);
    }
    // A relay or connector that read the outbox row again sent it again: an application resend, under a new
    // producer session after a restart, which idempotence (it dedups one session's own retries) never covers.
    const reads = relayReads.get(msg) ?? [];
    if (reads.length > 1) {
      why.push(`at-least-once publishing: ${h.actorNames[h.opActor[reads[reads.length - 1]]]} read the outbox row ${reads.length} times and published it each time`);
    }
    for (const w of why) permitted.add(w);
    if (why.length === 0) unpermitted++;
    const at = [...new Set(offsets.get(msg) ?? [])].sort((a, b) => a - b);
    const e = firstError.get(msg);
    let cause = e !== undefined ? `its first attempt got ${PRODUCE_ERROR_NAMES[h.opAux[e]]} at ${fmtS(h.opTimeUs[e])} and was retried` : "it was sent again";
    if (bump !== undefined) cause += `, re-numbered after ${producer} bumped its epoch to ${h.opMsg[bump]} at ${fmtS(h.opTimeUs[bump])}`;
    anomalies.push({
      kind: "duplicate",
      explanation:
        `${h.messageName(msg)} (key ${h.keyOf(msg)}) from ${producer} is in the log ${v.survivingCount[msg]} times, at offsets ${at.join(", ")} of partition ${part}: ${cause}. ` +
        (why.length > 0 ? `Expected under ${why.join("; ")}.` : "The producer is idempotent: the broker should have recognised the retry."),
      messageIds: [msg],
      keys: [h.keyOf(msg)],
      partition: part,
      offsets: at,
      timesUs: [h.msgCreatedUs[msg]],
    });
  }
  const verdict = verdictOf(
    "no-duplicate-offsets",
    checked,
    anomalies,
    `no message is in the log twice (${checked} checked)`,
    (k) => `${k} message(s) written at more than one offset`,
  );
  return withPermission(verdict, permitted, unpermitted);
};

// The loops over every row and every message are the hot part and run once per run: each in a small function
// of its own, apart from the explanations, so a sweep thread compiles small loops once and keeps them from one
// seed to the next instead of re-optimising the whole checker every seed.

interface Rows {
  /** Surviving offsets per duplicated message, and its first produce error, for the explanation. */
  offsets: Map<number, number[]>;
  firstError: Map<number, number>;
  appendTimes: Map<number, number[]>;
  /** Producer actor → rows of its epoch bumps. */
  bumps: Map<number, number[]>;
  /** Message → the relay or CDC connector reads that handed it to a producer (publishing services). */
  relayReads: Map<number, number[]>;
}

function scanRows(h: History, v: KafkaLogView): Rows {
  const out: Rows = { offsets: new Map(), firstError: new Map(), appendTimes: new Map(), bumps: new Map(), relayReads: new Map() };
  const { offsets, firstError, appendTimes, bumps, relayReads } = out;
  const opKind = h.opKind;
  const opMsg = h.opMsg;
  const count = h.opCount;
  for (let i = 0; i < count; i++) {
    const k = opKind[i];
    const m = opMsg[i];
    if (k === Op.RelayRead) {
      let list = relayReads.get(m);
      if (!list) relayReads.set(m, (list = []));
      list.push(i);
      continue;
    }
    if (k === Op.ProducerEpochBump) {
      let list = bumps.get(h.opActor[i]);
      if (!list) bumps.set(h.opActor[i], (list = []));
      list.push(i);
      continue;
    }
    if (k === Op.ProduceError && !firstError.has(m)) firstError.set(m, i);
    if (k !== Op.Append || v.survivingCount[m] < 2) continue;
    let list = offsets.get(m);
    if (!list) offsets.set(m, (list = []));
    list.push(h.opOffset[i]);
    let times = appendTimes.get(m);
    if (!times) appendTimes.set(m, (times = []));
    times.push(h.opTimeUs[i]);
  }
  return out;
}

/**
 * Pushes, in message order, each message the final log holds more than once; returns the messages checked (those
 * in a partition whose final log the history holds).
 */
function copiedMessages(h: History, v: KafkaLogView, out: number[]): number {
  // Partitions with a final log, by number (a string key per message cost more than the rest of the loop).
  const finalParts = new Set<number>();
  for (const key of v.finalEnd.keys()) {
    const [t, p] = key.split(":").map(Number);
    finalParts.add(t * 65536 + p);
  }
  const msgTopic = h.msgTopic;
  let checked = 0;
  for (let msg = 0; msg < h.messageCount; msg++) {
    const part = v.survivingPartition[msg];
    if (part < 0 || !finalParts.has(msgTopic[msg] * 65536 + part)) continue;
    checked++;
    if (v.survivingCount[msg] >= 2) out.push(msg);
  }
  return checked;
}
