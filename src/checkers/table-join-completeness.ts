// join-completeness for a stream–table join, against a batch recomputation: the table as of each stream
// record's event time. The expected partner of a stream record s is the latest table update with the same key
// and a timestamp ≤ s's (among equal timestamps, the one appended last); an inner join owes s one output with
// it (none when the key had no value yet), a left join one output with it or with a null value. A plain KTable
// joins against its content when s is processed, so a table that lags behind the stream, or that is still
// loading its backlog, or that already holds a newer value, gives a different answer: each miss or wrong value
// names s, the update it should have met, and which of these the history shows.
import { Op, type History } from "../history/history.ts";
import type { Anomaly } from "../report/result-types.ts";
import type { ProcessorSpec } from "../scenario/schema-streams.ts";
import type { ProcessorTopology } from "../streams/topology.ts";
import { eventTimes } from "../streams/event-time.ts";

interface TableRecord {
  msg: number;
  key: string;
  ts: number;
  appendUs: number;
}

/** The latest update of each stream record's key at its event time: by stream message, -1 when none. */
export function tableAsOf(stream: readonly { msg: number; key: string; ts: number }[], table: readonly TableRecord[]): Map<number, number> {
  const byKey = new Map<string, TableRecord[]>();
  for (const t of table) {
    let l = byKey.get(t.key);
    if (!l) byKey.set(t.key, (l = []));
    l.push(t);
  }
  // Stable sort by timestamp: equal timestamps keep append order, so the last appended wins a tie.
  for (const l of byKey.values()) l.sort((a, b) => a.ts - b.ts || a.appendUs - b.appendUs);
  const out = new Map<number, number>();
  for (const s of stream) {
    const l = byKey.get(s.key) ?? [];
    let lo = 0;
    let hi = l.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (l[mid].ts <= s.ts) lo = mid + 1;
      else hi = mid;
    }
    out.set(s.msg, lo > 0 ? l[lo - 1].msg : -1);
  }
  return out;
}

const msText = (us: number): string => `${Math.round(us / 1000)} ms`;

/** Checks one stream–table join processor; returns how many stream records were checked. */
export function checkTableJoin(h: History, spec: ProcessorSpec, topology: ProcessorTopology, anomalies: Anomaly[]): number {
  const op = topology.operator;
  if (op.kind !== "join") return 0;
  const ts = eventTimes(h);
  const app = h.actorId(spec.applicationId) ?? -2;
  const streamTopic = h.actorId(topology.source) ?? -2;
  const tableTopic = h.actorId(op.right) ?? -2;
  const seen = new Uint8Array(h.messageCount);
  const stream: TableRecord[] = [];
  const table: TableRecord[] = [];
  const appendUs = new Map<number, number>();
  const partitionOf = new Map<number, number>();
  const processedUs = new Map<number, number>();
  const outputs = new Map<number, { right: number; atUs: number }[]>();
  const restores: { partition: number; startUs: number; endUs: number }[] = [];
  const restoring = new Map<number, number>();
  for (let i = 0; i < h.opCount; i++) {
    const kind = h.opKind[i];
    const m = h.opMsg[i];
    if (kind === Op.Append && !seen[m] && (h.msgTopic[m] === streamTopic || h.msgTopic[m] === tableTopic)) {
      seen[m] = 1;
      appendUs.set(m, h.opTimeUs[i]);
      partitionOf.set(m, h.opPartition[i]);
      const key = h.keyOf(m);
      if (key === "") continue;
      const rec = { msg: m, key, ts: ts[m], appendUs: h.opTimeUs[i] };
      if (h.msgTopic[m] === tableTopic) table.push(rec);
      else if (topology.keep(key)) stream.push(rec);
    } else if (kind === Op.ProcessEnd && h.opAux[i] === app && !processedUs.has(m)) {
      processedUs.set(m, h.opTimeUs[i]);
    } else if (kind === Op.JoinResult && h.opActor[i] === app) {
      const left = h.opPartition[i];
      let l = outputs.get(left);
      if (!l) outputs.set(left, (l = []));
      l.push({ right: h.opAux[i], atUs: h.opTimeUs[i] });
    } else if (kind === Op.RestoreStart && h.opAux[i] === app) {
      restoring.set(h.opPartition[i], h.opTimeUs[i]);
    } else if (kind === Op.RestoreEnd && h.opAux[i] === app && restoring.has(h.opPartition[i])) {
      restores.push({ partition: h.opPartition[i], startUs: restoring.get(h.opPartition[i])!, endUs: h.opTimeUs[i] });
      restoring.delete(h.opPartition[i]);
    }
  }
  const expected = tableAsOf(stream, table);
  const name = (m: number): string => `${h.messageName(m)} (event time ${ts[m]} ms)`;

  /** Why s, processed at `atUs`, did not meet u: from when u reached the table topic and when it was processed. */
  const whyMissed = (s: TableRecord, u: number, atUs: number | undefined): string => {
    const uAppend = appendUs.get(u)!;
    const uProc = processedUs.get(u);
    if (atUs === undefined) return `${h.messageName(s.msg)} was never processed`;
    if (uProc === undefined) return `the table update ${h.messageName(u)} was never processed by ${spec.applicationId}`;
    if (uProc <= atUs) return `the table update ${h.messageName(u)} was processed before it (at ${msText(uProc)}) and then lost from the store (no cause found in the history)`;
    if (uAppend > atUs) {
      return `the table side lagged by ${msText(uProc - atUs)}: ${h.messageName(u)} (event time ${ts[u]} ms, ${s.ts - ts[u]} ms before the stream record's) reached the table topic only at ${msText(uAppend)}, after the stream record was processed at ${msText(atUs)}`;
    }
    const p = partitionOf.get(s.msg);
    const restore = restores.find((r) => r.partition === p && r.startUs <= uProc && r.endUs >= uAppend);
    const loading = restore ? `the table was still restoring (task ${p} restored its store from ${msText(restore.startUs)} to ${msText(restore.endUs)})` : "the table was still loading its backlog";
    return `${loading}: ${h.messageName(u)} was in the table topic from ${msText(uAppend)} but processed only at ${msText(uProc)}, ${msText(uProc - atUs)} after the stream record`;
  };

  let checked = 0;
  const type = op.join.type;
  for (const s of stream) {
    checked++;
    const u = expected.get(s.msg)!;
    const got = outputs.get(s.msg) ?? [];
    const want = u >= 0 ? u : type === "left" ? -1 : undefined;
    const report = (kind: string, text: string, ids: number[], timesUs: number[]): void => {
      anomalies.push({ kind, explanation: `${spec.applicationId}: ${text}`, messageIds: ids, keys: [s.key], timesUs });
    };
    const atUs = got[0]?.atUs ?? processedUs.get(s.msg);
    if (got.length > 1) {
      report("join-duplicate", `the stream record ${name(s.msg)}, key ${s.key}, was joined ${got.length} times (it was processed again, e.g. after a crash under at-least-once)`, [s.msg], got.map((g) => g.atUs));
    }
    if (want === undefined) {
      if (got.length > 0 && got[0].right >= 0) {
        report(
          "join-spurious",
          `the stream record ${name(s.msg)} was joined with ${name(got[0].right)}, but key ${s.key} had no value yet at its event time: the table ran ahead, a later-stamped update was processed first (a plain KTable joins with its value at processing time)`,
          [s.msg, got[0].right],
          [got[0].atUs],
        );
      }
      continue;
    }
    if (got.length === 0) {
      report("join-miss", `the stream record ${name(s.msg)}, key ${s.key}, should have met the table update ${name(u)} and was never emitted; ${whyMissed(s, u, atUs)}`, [s.msg, u], atUs === undefined ? [] : [atUs]);
      continue;
    }
    const v = got[0].right;
    if (v === want) continue;
    let why: string;
    if (u < 0) why = `key ${s.key} had no value yet at its event time, but ${name(v)}, stamped later, was processed before it: the table ran ahead of the stream`;
    else if (v < 0) why = `the key had no value yet in the store; ${whyMissed(s, u, atUs)}`;
    else if (ts[v] > s.ts) why = `the table ran ahead: ${name(v)}, stamped after the stream record, was processed before it (a plain KTable joins with its value at processing time)`;
    else why = whyMissed(s, u, atUs);
    report(
      "join-wrong-value",
      `the stream record ${name(s.msg)}, key ${s.key}, was joined with ${v >= 0 ? name(v) : "no table value (null)"} instead of ${u >= 0 ? `the table update ${name(u)}` : "nothing"}; ${why}`,
      [s.msg, ...(u >= 0 ? [u] : []), ...(v >= 0 ? [v] : [])],
      [got[0].atUs],
    );
  }
  return checked;
}
