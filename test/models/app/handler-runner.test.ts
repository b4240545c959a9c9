// The handler runner and Spring-style error handling, run through the real runner on small scenarios and read
// back from the history: attempt counts, the DLT's partition, retry-topic chains, dedup, breakers, failRecord.
import { describe, expect, it } from "vitest";
import { loadScenarioText } from "../../../src/scenario/load.ts";
import { runScenario } from "../../../src/runner/run-scenario.ts";
import { Op, type History } from "../../../src/history/history.ts";
import type { RunResult } from "../../../src/report/result-types.ts";

function run(groupExtra: string, top = "", seed = 1): { h: History; r: RunResult } {
  const s = loadScenarioText(
    `name: t
description: test.
duration: 3s
drain: 10s
topics: [{ name: orders, partitions: 2 }]
producers: [{ name: p, topic: orders, rate: 20/s, keys: { count: 10 } }]
stores: [{ name: ledger }]
services: [{ name: payments, servers: 4, serviceTime: 5ms }]
${top}
consumerGroups:
  - name: g
    topic: orders
    members: 2
${groupExtra}`,
    "t.yaml",
  );
  const out = runScenario(s, { seed, file: "t.yaml" });
  return { h: out.history, r: out.result };
}

const rows = (h: History, kind: number) => {
  const out: number[] = [];
  for (let i = 0; i < h.opCount; i++) if (h.opKind[i] === kind) out.push(i);
  return out;
};

describe("Spring error handling", () => {
  it("blocking: 10 delivery attempts by default, then <topic>.DLT on the same partition, and the partition moves on", () => {
    const { h, r } = run(`    handler:
      - fail: { keys: [key-3] }
      - effect: { store: ledger }
`);
    const dlt = rows(h, Op.AppDeadLetter);
    expect(dlt.length).toBeGreaterThan(0);
    for (const i of dlt) {
      const msg = h.opMsg[i];
      expect(h.keyOf(msg)).toBe("key-3");
      expect(h.actorNames[h.opAux[i]]).toBe("orders.DLT");
      expect(h.opOffset[i]).toBe(10);
      const append = rows(h, Op.Append).find((a) => h.opMsg[a] === msg)!;
      expect(h.opPartition[i]).toBe(h.opPartition[append]);
      expect(rows(h, Op.AppHandlerFailed).filter((f) => h.opMsg[f] === msg)).toHaveLength(10);
    }
    const row = r.metrics.app!.deadLetters[0];
    expect(row).toMatchObject({ destination: "orders.DLT", originalTopic: "orders", step: "0:fail", exception: "ProcessingException", attempts: 10 });
    expect(row.lastFailureUs).toBeGreaterThanOrEqual(row.firstFailureUs);
    // Every other record's effect is applied: the partition kept flowing.
    expect(rows(h, Op.AppEffect).length + dlt.length).toBe(r.metrics.acknowledged);
  });

  it("FixedBackOff interval and maxRetries are honoured", () => {
    const { h } = run(`    handler:
      - fail: { keys: [key-3] }
    errorHandling: { backOff: { interval: 100ms, maxRetries: 2 } }
`);
    const msg = h.opMsg[rows(h, Op.AppDeadLetter)[0]];
    const fails = rows(h, Op.AppHandlerFailed).filter((f) => h.opMsg[f] === msg).map((f) => h.opTimeUs[f]);
    expect(fails).toHaveLength(3);
    expect(fails[1] - fails[0]).toBe(100_000);
  });

  it("retry topics: <topic>-retry-0, -retry-1 with growing delays, then <topic>-dlt", () => {
    const { h } = run(`    handler:
      - fail: { keys: [key-3] }
    errorHandling: { mode: retry-topics, retryTopics: { attempts: 3, delay: 1s, multiplier: 3 } }
`);
    const msg = h.opMsg[rows(h, Op.AppDeadLetter)[0]];
    const chain = rows(h, Op.AppRetryTopic).filter((i) => h.opMsg[i] === msg);
    expect(chain.map((i) => h.actorNames[h.opAux[i]])).toEqual(["orders-retry-0", "orders-retry-1"]);
    expect(chain.map((i) => h.opOffset[i])).toEqual([1_000_000, 3_000_000]);
    const dlt = rows(h, Op.AppDeadLetter).find((i) => h.opMsg[i] === msg)!;
    expect(h.actorNames[h.opAux[dlt]]).toBe("orders-dlt");
    expect(h.opTimeUs[dlt] - h.opTimeUs[chain[1]]).toBeGreaterThanOrEqual(3_000_000);
  });

  it("a transient failure succeeds on a later attempt", () => {
    const { h } = run(`    handler:
      - fail: { keys: [key-3], times: 2 }
      - effect: { store: ledger }
`);
    expect(rows(h, Op.AppDeadLetter)).toHaveLength(0);
    const msg = h.opMsg[rows(h, Op.AppHandlerFailed)[0]];
    expect(rows(h, Op.AppHandlerFailed).filter((i) => h.opMsg[i] === msg)).toHaveLength(2);
    expect(rows(h, Op.AppEffect).filter((i) => h.opMsg[i] === msg)).toHaveLength(1);
  });

  it("skip logs the record and moves on; stop halts the member at it", () => {
    const skip = run(`    handler:
      - fail: { keys: [key-3] }
    errorHandling: { mode: skip }
`);
    expect(rows(skip.h, Op.AppSkipped).length).toBeGreaterThan(0);
    expect(skip.r.metrics.app!.skipped).toBe(rows(skip.h, Op.AppSkipped).length);
    const stop = run(`    handler:
      - fail: { keys: [key-3] }
    errorHandling: { mode: stop }
`);
    expect(rows(stop.h, Op.AppStalled)).toHaveLength(1);
  });
});

describe("handler steps", () => {
  it("a call that keeps failing is retried maxAttempts times with the back-off, then fails the record", () => {
    const { h } = run(
      `    handler:
      - call: { service: payments, timeout: 1s, retry: { maxAttempts: 4, base: 10ms, cap: 1s, jitter: none } }
    errorHandling: { mode: skip }
`,
      "faults: [{ at: 0s, outage: payments }]",
    );
    const msg = h.opMsg[rows(h, Op.AppSkipped)[0]];
    const starts = rows(h, Op.AppCallStart).filter((i) => h.opMsg[i] === msg);
    expect(starts.map((i) => h.opPartition[i])).toEqual([1, 2, 3, 4]);
    // Sleeps min(cap, base·2^n): 20, 40, 80 ms (the error answer itself takes no time).
    const t = starts.map((i) => h.opTimeUs[i]);
    expect([t[1] - t[0], t[2] - t[1], t[3] - t[2]]).toEqual([20_000, 40_000, 80_000]);
  });

  it("a timeout outage makes calls time out after the caller's timeout", () => {
    const { h } = run(
      `    handler:
      - call: { service: payments, timeout: 300ms }
    errorHandling: { mode: skip }
`,
      "faults: [{ at: 0s, outage: payments, mode: timeout }]",
    );
    const end = rows(h, Op.AppCallEnd)[0];
    const start = rows(h, Op.AppCallStart).find((i) => h.opMsg[i] === h.opMsg[end])!;
    expect(h.opPartition[end]).toBe(2); // CallOutcome.Timeout
    expect(h.opTimeUs[end] - h.opTimeUs[start]).toBe(300_000);
  });

  it("an open breaker rejects calls locally: they never reach the service", () => {
    const { h, r } = run(
      `    handler:
      - call: { service: payments, circuitBreaker: { slidingWindowSize: 4, minimumNumberOfCalls: 4, waitDurationInOpenState: 1h } }
    errorHandling: { mode: skip }
`,
      "faults: [{ at: 0s, outage: payments }]",
    );
    const notPermitted = rows(h, Op.AppCallEnd).filter((i) => h.opPartition[i] === 4);
    expect(notPermitted.length).toBeGreaterThan(0);
    // Each member's breaker opened after its 4th failed call: at most 8 calls reached the service.
    expect(r.metrics.app!.services[0].calls).toBe(rows(h, Op.AppCallStart).length);
    expect(rows(h, Op.AppCallStart).length).toBe(8);
    expect(r.metrics.app!.breakers.every((b) => b.transitions[0].state === "open")).toBe(true);
  });

  it("dedup on the record key lets only the first record of each key apply its effect", () => {
    const { h } = run(`    handler:
      - dedup: { key: record-key, store: ledger, atomic: true }
      - effect: { store: ledger, key: record-key }
`);
    const keys = rows(h, Op.AppEffect).map((i) => h.keyOf(h.opMsg[i]));
    expect(new Set(keys).size).toBe(keys.length);
    expect(rows(h, Op.AppDedupHit).length).toBeGreaterThan(0);
  });

  it("a store crash fails the transactions in flight; the record is retried and applied once the store is back", () => {
    const { h } = run(
      `    handler:
      - effect: { store: ledger }
    errorHandling: { backOff: { interval: 200ms, maxRetries: 20 } }
`,
      "faults: [{ at: 1s, crash: ledger, for: 1s }]",
    );
    expect(rows(h, Op.AppHandlerFailed).length).toBeGreaterThan(0);
    expect(rows(h, Op.AppDeadLetter)).toHaveLength(0);
    const effects = rows(h, Op.AppEffect).map((i) => h.opMsg[i]);
    expect(new Set(effects).size).toBe(effects.length);
  });

  it("random outages and brownouts pick services and shade their windows", () => {
    const { h, r } = run(
      `    handler:
      - call: { service: payments, timeout: 1s }
    errorHandling: { mode: skip }
`,
      "faults: [{ random: outage, targets: [payments], rate: 2/s, minDuration: 200ms, maxDuration: 400ms }, { random: brownout, targets: [payments], rate: 1/s, probability: 1, latency: 50ms }]",
    );
    const labels = r.metrics.faults.map((f) => f.label);
    expect(labels.some((l) => /^outage payments \(error\) \(random\)$/.test(l))).toBe(true);
    expect(labels.some((l) => /^brownout payments \(\+100% errors, \+50ms\) \(random\)$/.test(l))).toBe(true);
    expect(rows(h, Op.AppSkipped).length).toBeGreaterThan(0);
  });

  it("is deterministic: the same seed gives the same result", () => {
    const a = run(`    handler:
      - call: { service: payments, retry: { jitter: decorrelated } }
      - fail: { fraction: 20% }
`, "faults: [{ at: 1s, brownout: { service: payments, errorRate: 0.5 }, for: 1s }]");
    const b = run(`    handler:
      - call: { service: payments, retry: { jitter: decorrelated } }
      - fail: { fraction: 20% }
`, "faults: [{ at: 1s, brownout: { service: payments, errorRate: 0.5 }, for: 1s }]");
    expect(JSON.stringify(a.r)).toBe(JSON.stringify(b.r));
    expect(a.r.metrics.app!.deadLetterCount).toBeGreaterThan(0);
  });
});
