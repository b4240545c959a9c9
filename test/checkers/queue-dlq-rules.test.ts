// Checker rules for issue 5: the quorum delivery limit per RabbitMQ version, Pulsar retry-letter lineage,
// x-death in the DLQ evidence, and the ledger's view of a message held by a retry topic.
import { describe, expect, it } from "vitest";
import { Op } from "../../src/history/history.ts";
import { dlqCorrectness } from "../../src/checkers/dlq-correctness.ts";
import { queueAccounting, queueLedger } from "../../src/checkers/queue-accounting.ts";
import { queueDuplicates } from "../../src/checkers/queue-duplicates.ts";
import { DeadLetterReason, ReturnReason } from "../../src/models/queue/queue-types.ts";
import { QueueHistory, queueScenario } from "./queue-history.ts";

/** A quorum message returned by 5 nack-requeues and 2 channel losses, then dead-lettered (limit 2). */
function quorumHistory() {
  const b = new QueueHistory();
  const m = b.send("q", "k", 0);
  let t = 10;
  for (const reason of [1, 1, 1, 1, 1, ReturnReason.ConsumerCrash, ReturnReason.ConsumerCrash]) {
    const handle = b.deliver("q", m, "c", t);
    b.returned("q", m, reason, handle, t + 5);
    t += 10;
  }
  b.deliver("q", m, "c", t);
  b.deadLetter("q", "dlq", m, DeadLetterReason.DeliveryLimit, t + 5);
  return b;
}

describe("dlq-correctness: quorum delivery limit", () => {
  it("on 4.3 counts only failed deliveries: 2 channel losses, then the third failure dead-letters with a limit of 2", () => {
    const v = dlqCorrectness(quorumHistory().h, queueScenario([{ name: "q", kind: "rabbitmq-quorum", deliveryLimit: 2, rabbitmqVersion: "4.3" }]));
    expect(v.holds).toBe(true);
  });

  it("on 4.2 every return counts, so 7 returns against a limit of 2 is flagged", () => {
    const v = dlqCorrectness(quorumHistory().h, queueScenario([{ name: "q", kind: "rabbitmq-quorum", deliveryLimit: 2, rabbitmqVersion: "4.2" }]));
    expect(v.holds).toBe(false);
    expect(v.anomalies[0].explanation).toMatch(/7 counted returns/);
  });
});

/** Delivered once on the topic, reconsumed through the retry topic twice, then dead-lettered from it. */
function retryHistory() {
  const b = new QueueHistory();
  const h = b.h;
  const q = b.q("orders");
  const retry = b.q("orders-sub-RETRY");
  const m = b.send("orders", "k", 0);
  b.ack("orders", m, "c", b.deliver("orders", m, "c", 10), 20);
  h.record(Op.QueueRetryPublish, 20, m, q, 1, 1000, retry);
  h.record(Op.QueueEnqueue, 20, m, retry, -1, 0);
  const retryDelivery = (at: number, n: number) => {
    h.record(Op.QueueDeliver, at, m, b.c("c"), 1, 100 + n, retry);
    h.record(Op.QueueAck, at + 5, m, b.c("c"), -1, 100 + n, retry);
  };
  retryDelivery(1100, 1);
  h.record(Op.QueueRetryPublish, 1105, m, retry, 2, 1000, retry);
  h.record(Op.QueueEnqueue, 1105, m, retry, -1, 1);
  h.record(Op.QueueDeliver, 2200, m, b.c("c"), 1, 102, retry);
  h.record(Op.QueueDeadLetter, 2205, m, retry, DeadLetterReason.MaxRedeliverCount, 1, b.q("orders-sub-DLQ"));
  h.record(Op.QueueEnqueue, 2205, m, b.q("orders-sub-DLQ"), -1, 0);
  return b;
}

describe("dlq-correctness: Pulsar retry letter topic", () => {
  it("counts deliveries across the retry copies: 3 deliveries meet maxRedeliverCount 2", () => {
    const v = dlqCorrectness(retryHistory().h, queueScenario([{ name: "orders", kind: "pulsar", subscriptionName: "sub", deadLetter: { queue: "x", maxRedeliverCount: 2 } }]));
    expect(v.checked).toBe(1);
    expect(v.holds).toBe(true);
  });

  it("flags a copy dead-lettered before maxRedeliverCount + 1 deliveries, naming the earlier copies", () => {
    const v = dlqCorrectness(retryHistory().h, queueScenario([{ name: "orders", kind: "pulsar", subscriptionName: "sub", deadLetter: { queue: "x", maxRedeliverCount: 5 } }]));
    expect(v.holds).toBe(false);
    expect(v.anomalies[0].explanation).toMatch(/delivered 3 time\(s\), not maxRedeliverCount \+ 1 = 6/);
    expect(v.anomalies[0].explanation).toMatch(/2 delivery\(ies\) of earlier retry copies/);
  });
});

describe("dlq-correctness evidence", () => {
  it("shows the message's x-death: one entry per (queue, reason) with its count and first/last time, most recent first", () => {
    const b = new QueueHistory();
    const m = b.send("q", "k", 0);
    // Rejected from q (fine), then expired out of dlq back to q, then dead-lettered from q as maxlen on a queue without a length limit.
    b.deliver("q", m, "c", 1_000_000);
    b.h.record(Op.QueueNack, 1_000_000, m, b.c("c"), 0, 1, b.q("q"));
    b.deadLetter("q", "dlq", m, DeadLetterReason.Rejected, 2_000_000);
    b.deadLetter("dlq", "q", m, DeadLetterReason.Expired, 3_000_000);
    b.deadLetter("q", "dlq", m, DeadLetterReason.Maxlen, 4_000_000);
    const v = dlqCorrectness(b.h, queueScenario([{ name: "q", kind: "rabbitmq-classic" }, { name: "dlq", kind: "rabbitmq-classic", messageTtl: 1_000_000 }]));
    expect(v.anomalies).toHaveLength(1);
    expect(v.anomalies[0].explanation).toContain("x-death: {q, maxlen, count 1, 4.000s..4.000s}, {dlq, expired, count 1, 3.000s..3.000s}, {q, rejected, count 1, 2.000s..2.000s}");
  });
});

describe("queue-accounting with a retry letter topic", () => {
  it("counts a copy still held by the retry topic as still waiting on its queue, not in a DLQ, and nothing vanished", () => {
    const b = new QueueHistory();
    const q = b.q("orders");
    const retry = b.q("orders-sub-RETRY");
    const m = b.send("orders", "k", 0);
    const handle = b.deliver("orders", m, "c", 10);
    b.ack("orders", m, "c", handle, 20);
    b.h.record(Op.QueueRetryPublish, 20, m, q, 1, 1000, retry);
    b.h.record(Op.QueueEnqueue, 20, m, retry, -1, 0);
    b.residual("orders-sub-RETRY", m, false, 100);
    const [ledger] = queueLedger(b.h);
    expect(ledger).toMatchObject({ queue: "orders", sent: 1, waiting: 1, inDeadLetterQueue: 0, acked: 0, vanished: 0 });
    expect(queueAccounting(b.h, queueScenario([])).holds).toBe(true);
  });
});

describe("queue-duplicates and channel errors", () => {
  it("explains a second handling by the channel error that closed the first consumer's channel while it was processing", () => {
    const b = new QueueHistory();
    const m = b.send("q", "k", 0);
    const first = b.deliver("q", m, "c0", 10);
    b.returned("q", m, ReturnReason.ChannelError, first, 20);
    const second = b.deliver("q", m, "c1", 25);
    b.handle_("q", m, "c0", first, 10, 30);
    b.handle_("q", m, "c1", second, 25, 40).ack("q", m, "c1", second, 41);
    const v = queueDuplicates(b.h, queueScenario([]));
    expect(v.anomalies).toHaveLength(1);
    expect(v.anomalies[0].kind).toBe("duplicate");
    expect(v.anomalies[0].explanation).toMatch(/a channel error closed c0's channel at 0\.000s while it was still processing it/);
  });
});
