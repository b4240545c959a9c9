// schema.ts first: schema-groups.ts and schema.ts import each other, and entering the cycle at schema-groups fails.
import "../../src/scenario/schema.ts";
import { describe, expect, it } from "vitest";
import { queueAccounting, queueLedger } from "../../src/checkers/queue-accounting.ts";
import { queueKeyOrder } from "../../src/checkers/queue-key-order.ts";
import { queueDuplicates } from "../../src/checkers/queue-duplicates.ts";
import { dlqCorrectness } from "../../src/checkers/dlq-correctness.ts";
import { DeadLetterReason, HandlerOutcome, ReturnReason } from "../../src/models/queue/queue-types.ts";
import { QueueHistory, queueScenario } from "./queue-history.ts";

const none = queueScenario([]);

describe("queue-accounting", () => {
  it("holds when every message is acknowledged or still held at the end, and the ledger counts them", () => {
    const b = new QueueHistory();
    const m1 = b.send("jobs", "a", 0);
    const m2 = b.send("jobs", "a", 1);
    b.consume("jobs", m1, "w-0", 5);
    b.residual("jobs", m2, false, 100);
    const v = queueAccounting(b.h, none);
    expect(v.holds).toBe(true);
    expect(v.checked).toBe(2);
    expect(queueLedger(b.h)).toEqual([
      { queue: "jobs", sent: 2, notDelivered: 0, deduplicated: 0, acked: 1, inDeadLetterQueue: 0, dropped: 0, waiting: 1, inFlight: 0, vanished: 0 },
    ]);
  });

  it("reports a message that was stored but is neither acknowledged, dropped nor in the final census as vanished", () => {
    const b = new QueueHistory();
    const m1 = b.send("jobs", "a", 0);
    b.deliver("jobs", m1, "w-0", 5);
    const v = queueAccounting(b.h, none);
    expect(v.holds).toBe(false);
    expect(v.anomalies[0].kind).toBe("vanished");
    expect(v.anomalies[0].messageIds).toEqual([m1]);
    expect(queueLedger(b.h)[0].vanished).toBe(1);
  });

  it("counts a message held by the dead-letter queue at the end under its source queue", () => {
    const b = new QueueHistory();
    const m1 = b.send("jobs", "a", 0);
    b.deliver("jobs", m1, "w-0", 5);
    b.deadLetter("jobs", "jobs-dlq", m1, DeadLetterReason.MaxReceiveCount, 9);
    b.residual("jobs-dlq", m1, false, 100);
    expect(queueAccounting(b.h, none).holds).toBe(true);
    expect(queueLedger(b.h)[0].inDeadLetterQueue).toBe(1);
  });
});

describe("queue-key-order", () => {
  it("holds when each key's messages are handled in send order", () => {
    const b = new QueueHistory();
    const m1 = b.send("q", "a", 0);
    const m2 = b.send("q", "a", 1);
    b.consume("q", m1, "w-0", 5);
    b.consume("q", m2, "w-1", 20);
    expect(queueKeyOrder(b.h, none).holds).toBe(true);
  });

  it("flags a message handled after a later message of the same key, naming the queue", () => {
    const b = new QueueHistory();
    const m1 = b.send("q", "a", 0);
    const m2 = b.send("q", "a", 1);
    const other = b.send("q", "b", 2);
    b.consume("q", m2, "w-1", 5);
    b.consume("q", other, "w-1", 6);
    b.consume("q", m1, "w-0", 30);
    const v = queueKeyOrder(b.h, none);
    expect(v.holds).toBe(false);
    expect(v.anomalyCount).toBe(1);
    expect(v.anomalies[0].messageIds).toEqual([m2, m1]);
    expect(v.summary).toContain("on q");
  });

  it("ignores failed handlings: a retry that succeeds before later messages keeps the order", () => {
    const b = new QueueHistory();
    const m1 = b.send("q", "a", 0);
    const m2 = b.send("q", "a", 1);
    const h1 = b.deliver("q", m1, "w-0", 2);
    b.handle_("q", m1, "w-0", h1, 2, 3, HandlerOutcome.TransientFailure);
    b.consume("q", m1, "w-0", 10);
    b.consume("q", m2, "w-0", 20);
    expect(queueKeyOrder(b.h, none).holds).toBe(true);
  });
});

describe("queue-duplicates", () => {
  it("holds when no message is handled successfully twice", () => {
    const b = new QueueHistory();
    b.consume("q", b.send("q", "a", 0), "w-0", 1);
    expect(queueDuplicates(b.h, none).holds).toBe(true);
  });

  it("explains a duplicate by the visibility timeout expiring while the first consumer was still processing", () => {
    const b = new QueueHistory();
    const m = b.send("q", "a", 0);
    const h1 = b.deliver("q", m, "w-0", 10);
    b.returned("q", m, ReturnReason.VisibilityTimeout, h1, 1_000_010);
    const h2 = b.deliver("q", m, "w-1", 1_000_020);
    b.handle_("q", m, "w-0", h1, 10, 1_500_000);
    b.handle_("q", m, "w-1", h2, 1_000_020, 1_000_500);
    b.ack("q", m, "w-1", h2, 1_000_501);
    const v = queueDuplicates(b.h, none);
    expect(v.holds).toBe(false);
    expect(v.anomalies[0].kind).toBe("duplicate");
    expect(v.anomalies[0].explanation).toContain("visibility timeout expired at 1.000s while w-0 was still processing it");
  });

  it("says the message waited in a pooled consumer's hand when the timeout ran out before its handler started", () => {
    const b = new QueueHistory();
    const m = b.send("q", "a", 0);
    const h1 = b.deliver("q", m, "w-0", 10);
    b.returned("q", m, ReturnReason.VisibilityTimeout, h1, 1_000_010);
    const h2 = b.deliver("q", m, "w-1", 1_000_020);
    b.handle_("q", m, "w-0", h1, 1_200_000, 1_500_000);
    b.handle_("q", m, "w-1", h2, 1_000_020, 1_000_500);
    b.ack("q", m, "w-1", h2, 1_000_501);
    const v = queueDuplicates(b.h, none);
    expect(v.holds).toBe(false);
    expect(v.anomalies[0].explanation).toContain("visibility timeout expired at 1.000s while the message still waited in w-0's hand for a free worker (processing started at 1.200s");
    expect(v.anomalies[0].explanation).not.toContain("still processing");
  });

  it("explains a duplicate of a producer re-send that the queue did not deduplicate", () => {
    const b = new QueueHistory();
    const m = b.send("q", "a", 0);
    const again = b.send("q", "a", 5, m);
    b.consume("q", m, "w-0", 1);
    b.consume("q", again, "w-0", 20);
    const v = queueDuplicates(b.h, none);
    expect(v.anomalies[0].explanation).toContain(`re-sent it as m-${again}`);
  });

  it("reports a second handling with nothing to explain it as unexplained-duplicate", () => {
    const b = new QueueHistory();
    const m = b.send("q", "a", 0);
    b.consume("q", m, "w-0", 1);
    b.consume("q", m, "w-1", 50);
    const v = queueDuplicates(b.h, none);
    expect(v.anomalies[0].kind).toBe("unexplained-duplicate");
    expect(v.summary).toContain("1 unexplained");
  });
});

describe("dlq-correctness", () => {
  const sqs = queueScenario([{ name: "q", kind: "sqs-standard", deadLetter: { queue: "dlq", maxReceiveCount: 3 } }]);

  it("holds when a message reached the DLQ after exactly maxReceiveCount receives", () => {
    const b = new QueueHistory();
    const m = b.send("q", "poison", 0);
    for (let i = 0; i < 3; i++) b.deliver("q", m, "w-0", 10 + i);
    b.deadLetter("q", "dlq", m, DeadLetterReason.MaxReceiveCount, 20);
    const v = dlqCorrectness(b.h, sqs);
    expect(v.holds).toBe(true);
    expect(v.checked).toBe(1);
  });

  it("flags a message dead-lettered before it used its receives, with its receive history", () => {
    const b = new QueueHistory();
    const m = b.send("q", "poison", 0);
    b.deliver("q", m, "w-0", 1_000_000);
    b.deadLetter("q", "dlq", m, DeadLetterReason.MaxReceiveCount, 2_000_000);
    const v = dlqCorrectness(b.h, sqs);
    expect(v.holds).toBe(false);
    expect(v.anomalies[0].explanation).toContain("received 1 time(s), not maxReceiveCount = 3");
    expect(v.anomalies[0].explanation).toContain("1.000s → w-0");
  });

  it("flags a message that was acknowledged and still dead-lettered", () => {
    const b = new QueueHistory();
    const m = b.send("q", "a", 0);
    for (let i = 0; i < 2; i++) b.deliver("q", m, "w-0", 10 + i);
    const h3 = b.deliver("q", m, "w-0", 30);
    b.ack("q", m, "w-0", h3, 40);
    b.deadLetter("q", "dlq", m, DeadLetterReason.MaxReceiveCount, 50);
    expect(dlqCorrectness(b.h, sqs).anomalies[0].explanation).toContain("already been acknowledged");
  });

  it("checks Pulsar dead letters against maxRedeliverCount + 1 deliveries", () => {
    const pulsar = queueScenario([{ name: "q", kind: "pulsar", deadLetter: { queue: "dlq", maxRedeliverCount: 2 } }]);
    const b = new QueueHistory();
    const m = b.send("q", "a", 0);
    for (let i = 0; i < 3; i++) b.deliver("q", m, "w-0", 10 + i);
    b.deadLetter("q", "dlq", m, DeadLetterReason.MaxRedeliverCount, 50);
    expect(dlqCorrectness(b.h, pulsar).holds).toBe(true);
  });
});
