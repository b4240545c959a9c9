// Non-blocking retry topics give up per-key order (semantics.md §11): while a record waits in
// `<topic>-retry-N`, later records of its key flow on the main topic. per-key-order reports each overtaking with
// the chain of topics the earlier record went through. Also used to name a stalled consumer's poison record.
import { Op, type History } from "../../history/history.ts";
import type { Anomaly } from "../../report/result-types.ts";
import { fmtS } from "../verdict.ts";

interface Waiting {
  msg: number;
  chain: string[];
  sinceUs: number;
  reported: boolean;
}

export function retryTopicReorders(h: History): Anomaly[] {
  // Explanations are written at the end, so each names the record's whole chain (retry topics, then the DLT).
  const out: (() => Anomaly)[] = [];
  // group → (producer·2^31 + key) → records of that key waiting in a retry topic.
  const open = new Map<number, Map<number, Waiting[]>>();
  const groupOfRetry = new Map<number, number>();
  const keyOf = (msg: number): number => h.msgProducer[msg] * 2 ** 31 + h.msgKey[msg];
  for (let i = 0; i < h.opCount; i++) {
    const k = h.opKind[i];
    if (k !== Op.AppRetryTopic && k !== Op.AppHandlerDone && k !== Op.AppDeadLetter) continue;
    const msg = h.opMsg[i];
    if (k === Op.AppRetryTopic) {
      // The group is the owner of the member that moved it: read it from the member's handler-failed row.
      const group = groupOfRetry.get(msg) ?? lastFailedOwner(h, msg, i);
      groupOfRetry.set(msg, group);
      let byKey = open.get(group);
      if (!byKey) open.set(group, (byKey = new Map()));
      const list = byKey.get(keyOf(msg)) ?? [];
      const w = list.find((x) => x.msg === msg);
      if (w) w.chain.push(h.actorNames[h.opAux[i]]);
      else list.push({ msg, chain: [h.actorNames[h.msgTopic[msg]], h.actorNames[h.opAux[i]]], sinceUs: h.opTimeUs[i], reported: false });
      byKey.set(keyOf(msg), list);
      continue;
    }
    const group = k === Op.AppHandlerDone ? h.opAux[i] : groupOfRetry.get(msg);
    if (group === undefined) continue;
    const list = open.get(group)?.get(keyOf(msg));
    if (!list) continue;
    const mine = list.findIndex((x) => x.msg === msg);
    if (mine >= 0) {
      // Its retry chain ended (handled, or dead-lettered): it no longer waits.
      if (k === Op.AppDeadLetter) list[mine].chain.push(h.actorNames[h.opAux[i]]);
      list.splice(mine, 1);
      continue;
    }
    if (k !== Op.AppHandlerDone) continue;
    for (const w of list) {
      if (w.reported || h.msgKeySeq[w.msg] >= h.msgKeySeq[msg]) continue;
      w.reported = true;
      const at = h.opTimeUs[i];
      out.push(() => ({
        kind: "reorder-within-key",
        explanation:
          `group ${h.actorNames[group]} handled ${h.messageName(msg)} (send #${h.msgKeySeq[msg]} of key ${h.keyOf(msg)}) at ${fmtS(at)} ` +
          `while ${h.messageName(w.msg)} (send #${h.msgKeySeq[w.msg]}) waited in retry topics since ${fmtS(w.sinceUs)}: ${w.chain.join(" → ")}; non-blocking retries give up per-key order`,
        messageIds: [w.msg, msg],
        keys: [h.keyOf(msg)],
        timesUs: [w.sinceUs, at],
      }));
    }
  }
  return out.map((f) => f());
}

function lastFailedOwner(h: History, msg: number, before: number): number {
  for (let j = before; j >= 0; j--) if (h.opKind[j] === Op.AppHandlerFailed && h.opMsg[j] === msg) return h.opAux[j];
  return -1;
}

/** " — the consumer stopped at poison record m-7 (key k, orders/3 offset 120) after 10 failed attempt(s)", or "". */
export function stallNote(h: History, group: number | undefined): string {
  if (group === undefined) return "";
  const notes: string[] = [];
  for (let i = 0; i < h.opCount; i++) {
    if (h.opKind[i] !== Op.AppStalled || h.opAux[i] !== group) continue;
    const msg = h.opMsg[i];
    let failures = 0, step = -1;
    for (let j = 0; j < i; j++) {
      if (h.opKind[j] === Op.AppHandlerFailed && h.opMsg[j] === msg && h.opAux[j] === group) {
        failures++;
        step = h.opPartition[j];
      }
    }
    notes.push(
      `${h.actorNames[h.opActor[i]]} stopped at poison record ${h.messageName(msg)} (key ${h.keyOf(msg)}, ${h.actorNames[h.msgTopic[msg]]}/${h.opPartition[i]} offset ${h.opOffset[i]}) ` +
        `at ${fmtS(h.opTimeUs[i])} after ${failures} failed attempt(s) at handler step ${step}`,
    );
  }
  return notes.length === 0 ? "" : `; ${notes.slice(0, 3).join("; ")}${notes.length > 3 ? `; and ${notes.length - 3} more` : ""}`;
}
