// Parallel processing in one member (processing.concurrency / maxInFlight / ordering), read back from the history
// of small runs: commits never pass an unfinished record, a crash with records in flight replays them, the member
// pauses at its in-flight limit and keeps polling, key ordering keeps one key's records apart.
import { describe, expect, it } from "vitest";
import { loadScenarioText } from "../../../src/scenario/load.ts";
import { runScenario } from "../../../src/runner/run-scenario.ts";
import { Op, type History } from "../../../src/history/history.ts";
import { ScenarioError } from "../../../src/scenario/errors.ts";

const yaml = (processing: string, extra = "") => `name: t
description: A test.
duration: 6s
drain: 20s
topics: [{ name: orders, partitions: 2 }]
producers: [{ name: p, topic: orders, rate: 400/s, keys: { count: 20 } }]
consumerGroups:
  - name: g
    topic: orders
    members: 1
    sessionTimeout: 10s
    processing: ${processing}
${extra}`;

function run(text: string) {
  return runScenario(loadScenarioText(text, "t.yaml"), { seed: 3, file: "t.yaml" });
}

interface Span {
  start: number;
  end: number;
  msg: number;
}

/** Per partition: each offset's processing spans (start, end) in the order they happened. */
function spans(h: History): Map<number, Map<number, Span[]>> {
  const out = new Map<number, Map<number, Span[]>>();
  const open = new Map<string, Span>();
  for (let i = 0; i < h.opCount; i++) {
    const k = h.opKind[i];
    if (k !== Op.ProcessStart && k !== Op.ProcessEnd) continue;
    const p = h.opPartition[i], o = h.opOffset[i];
    const id = `${p}/${o}`;
    if (k === Op.ProcessStart) {
      const s = { start: h.opTimeUs[i], end: Infinity, msg: h.opMsg[i] };
      open.set(id, s);
      if (!out.has(p)) out.set(p, new Map());
      const m = out.get(p)!;
      if (!m.has(o)) m.set(o, []);
      m.get(o)!.push(s);
    } else {
      const s = open.get(id);
      if (s) s.end = h.opTimeUs[i];
    }
  }
  return out;
}

/** Commits never pass a record whose processing had not ended when the commit was made. */
function commitsPassingUnfinished(h: History): string[] {
  const sp = spans(h);
  const bad: string[] = [];
  for (let i = 0; i < h.opCount; i++) {
    if (h.opKind[i] !== Op.Commit) continue;
    const t = h.opTimeUs[i], p = h.opPartition[i], upTo = h.opOffset[i];
    for (const [offset, list] of sp.get(p) ?? []) {
      if (offset >= upTo) continue;
      // Some processing of this offset must have ended by the commit.
      if (!list.some((s) => s.end <= t)) bad.push(`commit ${upTo} on p${p} at ${t}us passed offset ${offset}`);
    }
  }
  return bad;
}

function count(h: History, kind: Op): number {
  let n = 0;
  for (let i = 0; i < h.opCount; i++) if (h.opKind[i] === kind) n++;
  return n;
}

describe("parallel processing in a member", () => {
  it("runs records at the same time, yet commits never pass an unfinished record", () => {
    const { history: h, result } = run(yaml("{ time: { uniform: { min: 1ms, max: 60ms } }, concurrency: 8, maxInFlight: 64, ordering: unordered }"));
    let running = 0, most = 0;
    for (let i = 0; i < h.opCount; i++) {
      if (h.opKind[i] === Op.ProcessStart) most = Math.max(most, ++running);
      else if (h.opKind[i] === Op.ProcessEnd) running--;
    }
    expect(most).toBe(8);
    expect(count(h, Op.Commit)).toBeGreaterThan(10);
    expect(commitsPassingUnfinished(h)).toEqual([]);
    // Out-of-order completion happened (else the test would prove nothing).
    let outOfOrder = 0;
    const lastEnd = new Map<number, number>();
    for (let i = 0; i < h.opCount; i++) {
      if (h.opKind[i] !== Op.ProcessEnd) continue;
      const p = h.opPartition[i];
      if ((lastEnd.get(p) ?? -1) > h.opOffset[i]) outOfOrder++;
      lastEnd.set(p, Math.max(lastEnd.get(p) ?? -1, h.opOffset[i]));
    }
    expect(outOfOrder).toBeGreaterThan(0);
    expect(result.verdicts.find((v) => v.invariant === "no-loss")?.holds).toBe(true);
  });

  it("pauses at the in-flight limit, keeps polling (stays in the group) and reports the pauses", () => {
    const { history: h, result } = run(yaml("{ time: 20ms, concurrency: 4, maxInFlight: 8, ordering: unordered }", "    maxPollRecords: 20"));
    const paused = count(h, Op.AppMemberPaused);
    expect(paused).toBeGreaterThan(0);
    expect(count(h, Op.AppMemberResumed)).toBeGreaterThanOrEqual(paused - 1);
    // Never more than the limit plus one poll's records fetched and unfinished.
    let open = 0, most = 0;
    for (let i = 0; i < h.opCount; i++) {
      if (h.opKind[i] === Op.Deliver) most = Math.max(most, ++open);
      else if (h.opKind[i] === Op.ProcessEnd) open--;
    }
    expect(most).toBeLessThanOrEqual(8 + 20);
    expect(count(h, Op.PartitionRevoked) + count(h, Op.PartitionLost)).toBe(0);
    const g = result.metrics.groups![0];
    expect(g.memberPauses![0]).toMatchObject({ member: "g-0" });
    expect(g.memberPauses![0].pauses).toBe(paused);
    expect(g.memberPauses![0].pausedUs).toBeGreaterThan(0);
  });

  it("key ordering never runs two records of one key at once, and keeps per-key order", () => {
    const { history: h, result } = run(yaml("{ time: { uniform: { min: 1ms, max: 30ms } }, concurrency: 8 }"));
    const byKey = new Map<number, number>();
    for (let i = 0; i < h.opCount; i++) {
      const k = h.opKind[i];
      if (k !== Op.ProcessStart && k !== Op.ProcessEnd) continue;
      const key = h.msgKey[h.opMsg[i]];
      const n = (byKey.get(key) ?? 0) + (k === Op.ProcessStart ? 1 : -1);
      expect(n).toBeLessThanOrEqual(1);
      byKey.set(key, n);
    }
    expect(result.verdicts.find((v) => v.invariant === "per-key-order")?.holds).toBe(true);
  });

  it("a crash with records in flight replays them on the next owner (nothing lost)", () => {
    const text = yaml("{ time: { uniform: { min: 5ms, max: 80ms } }, concurrency: 8, ordering: unordered }", "faults: [{ at: 3s, crash: g-0 }, { at: 4s, restart: g-0 }]");
    const { history: h, result } = run(text);
    let crashAt = -1;
    for (let i = 0; i < h.opCount; i++) if (h.opKind[i] === Op.ConsumerCrashed) crashAt = h.opTimeUs[i];
    expect(crashAt).toBeGreaterThan(0);
    const sp = spans(h);
    let inFlight = 0, replayed = 0;
    for (const m of sp.values())
      for (const list of m.values()) {
        if (list.some((s) => s.start < crashAt && s.end === Infinity)) {
          inFlight++;
          if (list.some((s) => s.start > crashAt && s.end < Infinity)) replayed++;
        }
      }
    expect(inFlight).toBeGreaterThan(1);
    expect(replayed).toBe(inFlight);
    expect(commitsPassingUnfinished(h)).toEqual([]);
    expect(result.verdicts.find((v) => v.invariant === "no-loss")?.holds).toBe(true);
  });

  it("a rebalance with records in flight (eager and cooperative) loses nothing and commits never pass an unfinished record", () => {
    for (const assignor of ["sticky", "cooperative-sticky"]) {
      const text = yaml("{ time: { uniform: { min: 5ms, max: 40ms } }, concurrency: 6, maxInFlight: 12 }", `    assignor: ${assignor}\n    events: [{ at: 2s, scale: 2 }, { at: 4s, scale: 1 }]`);
      const { history: h, result } = run(text);
      expect(count(h, Op.PartitionRevoked)).toBeGreaterThan(0);
      expect(commitsPassingUnfinished(h)).toEqual([]);
      for (const inv of ["no-loss", "per-key-order", "liveness-lag-drains"]) expect(result.verdicts.find((v) => v.invariant === inv)?.holds, `${assignor} ${inv}`).toBe(true);
    }
  });

  it("refuses a maxInFlight below the concurrency, and concurrency with handoff: async", () => {
    expect(() => loadScenarioText(yaml("{ concurrency: 8, maxInFlight: 4 }"), "t.yaml")).toThrow(/maxInFlight 4 is below the concurrency 8/);
    expect(() => loadScenarioText(yaml("{ concurrency: 2, handoff: async }"), "t.yaml")).toThrow(ScenarioError);
    expect(() => loadScenarioText(yaml("{ concurrency: 0 }"), "t.yaml")).toThrow(/concurrency/);
  });
});
