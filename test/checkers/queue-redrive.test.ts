// A message redriven out of a dead-letter queue is the same message: queue-accounting counts it once and says
// so, dlq-correctness counts its receives again from the redrive, and the effect checkers name the redrive.
import { describe, expect, it } from "vitest";
import { Op } from "../../src/history/history.ts";
import { dlqCorrectness } from "../../src/checkers/dlq-correctness.ts";
import { queueAccounting, queueLedger } from "../../src/checkers/queue-accounting.ts";
import { exactlyOnceEffects } from "../../src/checkers/app/exactly-once-effects.ts";
import { DeadLetterReason, ReturnReason } from "../../src/models/queue/queue-types.ts";
import { loadScenarioText } from "../../src/scenario/load.ts";
import { QueueHistory, queueScenario } from "./queue-history.ts";

/** m: received 3 times on orders (maxReceiveCount 3), dead-lettered, redriven at 100, received and acked. */
function redriven(opts: { arrive: boolean; secondReceives?: number }) {
  const b = new QueueHistory();
  const m = b.send("orders", "k", 0);
  b.h.record(Op.QueueSendAck, 1, m, b.h.actor("producer", "producer"), -1, -1, b.q("orders"));
  let t = 10;
  for (let i = 0; i < 3; i++) b.returned("orders", m, ReturnReason.VisibilityTimeout, b.deliver("orders", m, "c", (t += 10)), t + 5);
  b.deadLetter("orders", "orders-dlq", m, DeadLetterReason.MaxReceiveCount, (t += 10));
  b.h.record(Op.QueueRedrive, 100, m, b.q("orders-dlq"), -1, 0, b.q("orders"));
  if (!opts.arrive) return { b, m };
  b.h.record(Op.QueueEnqueue, 100, m, b.q("orders"), -1, m);
  t = 100;
  for (let i = 0; i < (opts.secondReceives ?? 0); i++) b.returned("orders", m, ReturnReason.VisibilityTimeout, b.deliver("orders", m, "c", (t += 10)), t + 5);
  return { b, m, t };
}

const scenario = queueScenario([
  { name: "orders", kind: "sqs-standard", deadLetter: { queue: "orders-dlq", maxReceiveCount: 3 } },
  { name: "orders-dlq", kind: "sqs-standard" },
]);

describe("redriven queue messages", () => {
  it("queue-accounting counts a redriven and acknowledged message once, under the queue it was sent to, and says it was redriven", () => {
    const { b, m } = redriven({ arrive: true });
    b.consume("orders", m, "c", 200);
    const v = queueAccounting(b.h, scenario);
    expect(v.holds).toBe(true);
    expect(v.checked).toBe(1);
    expect(v.summary).toContain("1 redriven from a dead-letter queue, each counted as the message it was");
    expect(queueLedger(b.h)).toEqual([expect.objectContaining({ queue: "orders", sent: 1, acked: 1, inDeadLetterQueue: 0 })]);
  });

  it("queue-accounting names the redrive when a redriven message never arrives", () => {
    const { b } = redriven({ arrive: false });
    const v = queueAccounting(b.h, scenario);
    expect(v.holds).toBe(false);
    expect(v.anomalies[0].explanation).toMatch(/was redriven out of orders-dlq toward orders and never arrived/);
  });

  it("dlq-correctness counts receives again after a redrive: three more receives may dead-letter it again", () => {
    const ok = redriven({ arrive: true, secondReceives: 3 });
    ok.b.deadLetter("orders", "orders-dlq", ok.m, DeadLetterReason.MaxReceiveCount, ok.t! + 20);
    expect(dlqCorrectness(ok.b.h, scenario).holds).toBe(true);
  });

  it("dlq-correctness says a message dead-lettered early after its redrive was redriven", () => {
    const early = redriven({ arrive: true, secondReceives: 1 });
    early.b.deadLetter("orders", "orders-dlq", early.m, DeadLetterReason.MaxReceiveCount, early.t! + 20);
    const v = dlqCorrectness(early.b.h, scenario);
    expect(v.holds).toBe(false);
    expect(v.anomalies[0].explanation).toMatch(/redriven from orders-dlq at 0\.000s; its receives count again from there/);
  });

  it("exactly-once-effects names the redrive of a message whose effect was applied twice", () => {
    const s = loadScenarioText(
      `name: t
description: test.
duration: 10s
queues: [{ name: orders, kind: sqs-standard, deadLetter: { queue: orders-dlq, maxReceiveCount: 3 } }, { name: orders-dlq, kind: sqs-standard }]
queueProducers: [{ name: producer, queue: orders, rate: 1/s }]
stores: [{ name: ledger }]
queueConsumers: [{ name: c, queue: orders, handler: [{ effect: { store: ledger } }] }]
`,
      "t.yaml",
    );
    const { b, m } = redriven({ arrive: true });
    const effect = (t: number) => b.h.record(Op.AppEffect, t, m, b.c("c"), b.q("orders"), 0, b.h.actor("ledger", "store"));
    effect(15); // applied before the handler failed (the effect was not the last step)
    b.consume("orders", m, "c", 200);
    effect(205);
    const v = exactlyOnceEffects(b.h, s);
    expect(v.holds).toBe(false);
    expect(v.anomalies[0].explanation).toMatch(/applied the effect of m-0 .* 2 times: .*; redriven from orders-dlq at 0\.000s$/);
  });
});
