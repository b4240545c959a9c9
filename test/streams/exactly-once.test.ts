import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { loadScenarioText } from "../../src/scenario/load.ts";
import { runScenario } from "../../src/runner/run-scenario.ts";
import { Op, type History } from "../../src/history/history.ts";

function rows(h: History, op: Op, actor?: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < h.opCount; i++) if (h.opKind[i] === op && (actor === undefined || h.actorNames[h.opActor[i]] === actor)) out.push(i);
  return out;
}

const eos = (faults: string) =>
  loadScenarioText(
    `name: t
description: An exactly-once stream processor under test.
duration: 16s
drain: 16s
topics: [{ name: in, partitions: 2 }, { name: out, partitions: 2 }]
producers:
  - { name: p, topic: in, rate: 100/s, keys: { count: 4 } }
processors:
  - applicationId: app
    instances: 2
    processingGuarantee: exactly_once_v2
    sessionTimeout: 3s
    heartbeatInterval: 1s
    topology: [{ source: in }, { aggregate: { window: { tumbling: 2s }, grace: 30s } }, { sink: out }]
consumerGroups:
  - { name: reader, topic: out, members: 1, isolationLevel: read_committed }
faults: ${faults}
`,
    "t.yaml",
  );

describe("exactly_once_v2 stream processing", () => {
  it("a crash inside an open transaction double counts nothing: the transaction aborts and the restore stops at the LSO", () => {
    const file = "scenarios/streams-exactly-once-crash.yaml";
    const { result, history: h } = runScenario(loadScenarioText(readFileSync(file, "utf8"), file), { seed: 1, file });
    // Each instance is a transactional producer of its own transactional.id.
    expect(rows(h, Op.TxnInitProducerId).map((i) => h.actorNames[h.opActor[i]])).toEqual(["counts-0-producer", "counts-1-producer"]);
    expect(rows(h, Op.ConsumerCrashed).length).toBe(1);
    // The crashed instance's open transaction is aborted by the coordinator when transaction.timeout.ms (10 s) runs out.
    const aborts = rows(h, Op.TxnAbort, "counts-1-producer");
    expect(aborts.length).toBe(1);
    expect(h.opTimeUs[aborts[0]]).toBeGreaterThan(21e6);
    // Its records stay in the logs, never acknowledged; the moved tasks restored what was committed.
    const acked = new Set(rows(h, Op.Ack).map((i) => h.opMsg[i]));
    const abortedResults = rows(h, Op.WindowResult).filter((i) => !acked.has(h.opMsg[i]));
    expect(abortedResults.length).toBeGreaterThan(0);
    expect(rows(h, Op.RestoreStart, "counts-0").length).toBe(2);
    const v = result.verdicts.find((x) => x.invariant === "window-results-match")!;
    expect(v.holds).toBe(true);
    expect(v.checked).toBeGreaterThan(10);
    for (const inv of ["no-loss", "per-key-order"]) expect(result.verdicts.find((x) => x.invariant === inv)!.holds).toBe(true);
    // The application re-processes the aborted records (its own group sees them twice); the read_committed dashboard
    // is given each committed result once and never an aborted one.
    const seenByDashboard = rows(h, Op.ProcessStart).filter((i) => h.actorNames[h.opActor[i]].startsWith("dashboard")).map((i) => h.opMsg[i]);
    expect(new Set(seenByDashboard).size).toBe(seenByDashboard.length);
    for (const m of seenByDashboard) expect(acked.has(m)).toBe(true);
  });

  it("counting aborted results would double count: the at-least-once twin of the same run violates", () => {
    const file = "scenarios/streams-at-least-once-crash.yaml";
    const text = readFileSync(file, "utf8").replace("at: 12s", "at: 11.993s");
    const { result } = runScenario(loadScenarioText(text, file), { seed: 1, file });
    expect(result.verdicts.find((x) => x.invariant === "window-results-match")!.holds).toBe(false);
  });

  it("fences a zombie: an instance paused past its session timeout has its transaction aborted and its results never count", () => {
    const { result, history: h } = runScenario(eos("[{ at: 5s, pause: app-1, for: 6s }]"), { seed: 3, file: "t.yaml" });
    // After the pause the zombie's offsets are refused (its generation is gone): the transaction aborts.
    const aborts = rows(h, Op.TxnAbort, "app-1-producer").filter((i) => h.opTimeUs[i] >= 11e6);
    expect(aborts.length).toBeGreaterThan(0);
    const acked = new Set(rows(h, Op.Ack).map((i) => h.opMsg[i]));
    // What the zombie produced after its pause is never acknowledged (its transaction aborted).
    const zombieOut = rows(h, Op.ProduceAttempt, "app-1-producer").filter((i) => h.opTimeUs[i] >= 11e6 && h.opTimeUs[i] <= h.opTimeUs[aborts[0]]);
    expect(zombieOut.length).toBeGreaterThan(0);
    for (const i of zombieOut) expect(acked.has(h.opMsg[i])).toBe(false);
    expect(result.verdicts.find((x) => x.invariant === "window-results-match")!.holds).toBe(true);
    const seenByReader = rows(h, Op.ProcessStart).filter((i) => h.actorNames[h.opActor[i]].startsWith("reader")).map((i) => h.opMsg[i]);
    for (const m of seenByReader) expect(acked.has(m)).toBe(true);
  });

  it("with no faults every window is exact and the reader sees only committed results", () => {
    const { result, history: h } = runScenario(eos("[]"), { seed: 3, file: "t.yaml" });
    expect(result.verdicts.find((x) => x.invariant === "window-results-match")!.holds).toBe(true);
    expect(rows(h, Op.TxnCommit).length).toBeGreaterThan(10);
    expect(rows(h, Op.TxnAbort).length).toBe(0);
  });

  it("is deterministic: the same seed gives the same run", () => {
    const a = runScenario(eos("[{ at: 5s, crash: app-1 }]"), { seed: 4, file: "t.yaml" });
    const b = runScenario(eos("[{ at: 5s, crash: app-1 }]"), { seed: 4, file: "t.yaml" });
    expect(JSON.stringify(a.result)).toBe(JSON.stringify(b.result));
    expect(a.result.verdicts.find((x) => x.invariant === "window-results-match")!.holds).toBe(true);
  });
});
