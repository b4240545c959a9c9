// dlt-accounting: a consumer group whose failed records go to a dead-letter topic (errorHandling blocking, the
// default, with deadLetter on) accounts for every acknowledged message of its topics by the end of the drain:
// handled by its handler, or published to `<topic>.DLT` — never neither (a record silently dropped or stuck) —
// and a record reaches the DLT only after its handler failed, and, for a failure the back-off retries, only
// after every attempt (maxRetries + 1) was spent. Each anomaly names the message, the group and what happened.
import { Op, type History } from "../../history/history.ts";
import type { Anomaly } from "../../report/result-types.ts";
import type { Scenario } from "../../scenario/schema.ts";
import { groupTopics } from "../../scenario/group-topics.ts";
import { fmtS, verdictOf, type Checker } from "../verdict.ts";

interface DltGroup {
  owner: number;
  name: string;
  sources: Set<number>;
  attempts: number;
}

function dltGroups(h: History, s: Scenario): DltGroup[] {
  const out: DltGroup[] = [];
  for (const g of s.consumerGroups) {
    if (!g.handler) continue;
    const eh = g.errorHandling;
    if ((eh?.mode ?? "blocking") !== "blocking" || eh?.deadLetter === false) continue;
    const owner = h.actorId(g.name);
    if (owner === undefined) continue;
    const sources = new Set<number>();
    for (const t of groupTopics(g)) {
      const a = h.actorId(t);
      if (a !== undefined) sources.add(a);
    }
    out.push({ owner, name: g.name, sources, attempts: (eh?.backOff?.maxRetries ?? 9) + 1 });
  }
  return out;
}

export function checkDltAccounting(h: History, s: Scenario): { anomalies: Anomaly[]; checked: number; handled: number; deadLettered: number } {
  const groups = dltGroups(h, s);
  const byOwner = new Map(groups.map((g) => [g.owner, g]));
  const ackedUs = new Float64Array(h.messageCount).fill(-1);
  // Per owner: message → handled / dead-letter rows / handler failures.
  const done = new Map<number, Set<number>>(groups.map((g) => [g.owner, new Set()]));
  const failures = new Map<number, Map<number, number>>(groups.map((g) => [g.owner, new Map()]));
  const dead = new Map<number, Map<number, number[]>>(groups.map((g) => [g.owner, new Map()]));
  const delivered = new Map<number, Set<number>>(groups.map((g) => [g.owner, new Set()]));
  const ownerOfMember = new Map<number, number>();
  for (let i = 0; i < h.opCount; i++) {
    const k = h.opKind[i];
    const msg = h.opMsg[i];
    if (k === Op.Ack) {
      if (ackedUs[msg] < 0) ackedUs[msg] = h.opTimeUs[i];
    } else if (k === Op.Deliver) {
      if (!byOwner.has(h.opAux[i])) continue;
      ownerOfMember.set(h.opActor[i], h.opAux[i]);
      delivered.get(h.opAux[i])!.add(msg);
    } else if (k === Op.AppHandlerDone) done.get(h.opAux[i])?.add(msg);
    else if (k === Op.AppHandlerFailed) {
      const f = failures.get(h.opAux[i]);
      f?.set(msg, (f.get(msg) ?? 0) + 1);
    } else if (k === Op.AppDeadLetter) {
      // The row's aux is the DLT; the member that published it tells the group.
      const owner = ownerOfMember.get(h.opActor[i]);
      const d = owner === undefined ? undefined : dead.get(owner);
      if (d === undefined) continue;
      const list = d.get(msg) ?? [];
      list.push(i);
      d.set(msg, list);
    }
  }
  const anomalies: Anomaly[] = [];
  let checked = 0, handled = 0, deadLettered = 0;
  for (const g of groups) {
    const ok = done.get(g.owner)!, d = dead.get(g.owner)!, f = failures.get(g.owner)!;
    for (let msg = 0; msg < h.messageCount; msg++) {
      if (ackedUs[msg] < 0 || !g.sources.has(h.msgTopic[msg])) continue;
      checked++;
      const rows = d.get(msg);
      if (ok.has(msg)) handled++;
      if (rows) deadLettered++;
      if (!ok.has(msg) && !rows) {
        const seen = delivered.get(g.owner)!.has(msg);
        anomalies.push({
          kind: "unaccounted",
          explanation:
            `${h.messageName(msg)} (key ${h.keyOf(msg)}) was acknowledged at ${fmtS(ackedUs[msg])} but group ${g.name} neither handled it nor sent it to a DLT: ` +
            (seen ? `it was delivered and its handler failed ${f.get(msg) ?? 0} time(s) without reaching the recoverer` : "it was never delivered to the group"),
          messageIds: [msg],
          keys: [h.keyOf(msg)],
          timesUs: [ackedUs[msg]],
        });
      }
      if (rows) {
        const row = rows[0];
        const fails = f.get(msg) ?? 0;
        const attempts = h.opOffset[row];
        const dlt = h.actorNames[h.opAux[row]];
        if (fails === 0) {
          anomalies.push({
            kind: "dead-lettered-without-failure",
            explanation: `group ${g.name} published ${h.messageName(msg)} (key ${h.keyOf(msg)}) to ${dlt} at ${fmtS(h.opTimeUs[row])} although its handler never failed`,
            messageIds: [msg],
            keys: [h.keyOf(msg)],
            timesUs: [h.opTimeUs[row]],
          });
        } else if (attempts < g.attempts) {
          anomalies.push({
            kind: "dead-lettered-early",
            explanation: `group ${g.name} published ${h.messageName(msg)} (key ${h.keyOf(msg)}) to ${dlt} at ${fmtS(h.opTimeUs[row])} after ${attempts} attempt(s); its back-off allows ${g.attempts}`,
            messageIds: [msg],
            keys: [h.keyOf(msg)],
            timesUs: [h.opTimeUs[row]],
          });
        }
      }
    }
  }
  return { anomalies, checked, handled, deadLettered };
}

export const dltAccounting: Checker = (h, s) => {
  const { anomalies, checked, handled, deadLettered } = checkDltAccounting(h, s);
  return verdictOf(
    "dlt-accounting",
    checked,
    anomalies,
    `every acknowledged message was handled or dead-lettered after its attempts (${checked} checked: ${handled} handled, ${deadLettered} dead-lettered)`,
    (n) => `${n} message(s) neither handled nor dead-lettered, or dead-lettered too early`,
  );
};
