// The `redrive` operation on a dead-letter queue (SQS StartMessageMoveTask with a rate, a RabbitMQ shovel): what
// was dead-lettered in the window goes back to the source queue at the rate, as the same messages.
import { describe, expect, it } from "vitest";
import { loadScenarioText } from "../../../src/scenario/load.ts";
import { runScenario } from "../../../src/runner/run-scenario.ts";
import { Op } from "../../../src/history/history.ts";
import { issuesOf } from "../../scenario/issues-of.ts";

function scenario(kind: "sqs-standard" | "rabbitmq-classic", redrive: string): string {
  const sqs = kind === "sqs-standard";
  return `
name: t
description: A small queue scenario written by a test to pin the DLQ redrive operation.
duration: 12s
drain: 8s
network: { latency: 1ms }
queues:
  - { name: orders, kind: ${kind}, ${sqs ? "visibilityTimeout: 500ms, deadLetter: { queue: dlq, maxReceiveCount: 2 }" : "deadLetter: { queue: dlq }"} }
  - { name: dlq, kind: ${kind} }
queueProducers: [{ name: p, queue: orders, rate: 20/s, keys: { count: 10 } }]
stores: [{ name: ledger }]
queueConsumers:
  - name: w
    queue: orders
    ${sqs ? "" : "onFailure: reject"}
    handler:
      - dedup: { store: ledger, ttl: 1h, atomic: true }
      - fail: { window: { from: 2s, to: 4s }, error: "bad deploy" }
      - effect: { store: ledger }
faults:
  - { at: 8s, redrive: ${redrive} }
expect: { hold: [queue-accounting], permitted: [exactly-once-effects] }
`;
}

const run = (text: string) => runScenario(loadScenarioText(text, "t.yaml"), { seed: 1, file: "t.yaml" });

function rows(h: ReturnType<typeof run>["history"], op: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < h.opCount; i++) if (h.opKind[i] === op) out.push(i);
  return out;
}

describe("redrive operation on a dead-letter queue", () => {
  for (const kind of ["sqs-standard", "rabbitmq-classic"] as const) {
    it(`${kind}: moves every dead letter back at the rate, keeping its id, and each is applied once`, () => {
      const r = run(scenario(kind, "{ from: dlq, to: orders, rate: 10/s }"));
      const h = r.history;
      const dead = rows(h, Op.QueueDeadLetter).map((i) => h.opMsg[i]);
      const moved = rows(h, Op.QueueRedrive);
      expect(dead.length).toBeGreaterThan(10);
      expect(moved.map((i) => h.opMsg[i])).toEqual(dead);
      // 10/s: 100 ms apart, from 8 s.
      moved.forEach((i, n) => expect(h.opTimeUs[i]).toBe(8_000_000 + n * 100_000));
      for (const i of moved) expect(h.opAux[i]).toBe(h.actorId("orders"));
      const v = (name: string) => r.result.verdicts.find((x) => x.invariant === name)!;
      expect(v("exactly-once-effects").holds).toBe(true);
      expect(v("queue-accounting").holds).toBe(true);
      expect(v("queue-accounting").summary).toContain(`${dead.length} redriven from a dead-letter queue`);
      expect(v("dlq-correctness").holds).toBe(true);
      expect(JSON.stringify(run(scenario(kind, "{ from: dlq, to: orders, rate: 10/s }")).result)).toBe(JSON.stringify(r.result));
    });
  }

  it("moves only what entered the DLQ within the window", () => {
    const r = run(scenario("sqs-standard", "{ from: dlq, to: orders, window: { from: 3s, to: 4s }, rate: 100/s }"));
    const h = r.history;
    const dlq = h.actorId("dlq")!;
    const entered = new Map<number, number>();
    for (const i of rows(h, Op.QueueEnqueue)) if (h.opActor[i] === dlq) entered.set(h.opMsg[i], h.opTimeUs[i]);
    const moved = rows(h, Op.QueueRedrive).map((i) => h.opMsg[i]);
    expect(moved.length).toBeGreaterThan(0);
    expect(moved.length).toBeLessThan(entered.size);
    for (const m of moved) expect(entered.get(m)! >= 3_000_000 && entered.get(m)! < 4_000_000).toBe(true);
    // What stayed behind is a missing effect, its fate named.
    const v = r.result.verdicts.find((x) => x.invariant === "exactly-once-effects")!;
    expect(v.holds).toBe(false);
    expect(v.anomalies[0].explanation).toMatch(/moved to dead-letter queue dlq/);
  });
});

describe("redrive operation scenario errors", () => {
  it("from a queue that is no dead-letter queue", () => {
    expect(issuesOf(scenario("sqs-standard", "{ from: orders, to: orders }"))).toMatch(/^21:\d+ faults\[0\]\.redrive\.from: queue "orders" is not the dead-letter queue of an SQS or RabbitMQ queue/);
  });
  it("to a queue that does not dead-letter into it", () => {
    expect(issuesOf(scenario("sqs-standard", "{ from: dlq, to: dlq }"))).toMatch(/^21:\d+ faults\[0\]\.redrive\.to: messages of dlq go back to a queue that dead-letters into it/);
  });
});
