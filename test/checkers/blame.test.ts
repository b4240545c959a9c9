// Blame goes where the history puts it: a record the broker lost is not the consumer's loss, a record the
// log holds twice is not an unexplained redelivery, a FIFO re-send past the deduplication interval says so.
import { describe, expect, it } from "vitest";
import { loadScenarioText } from "../../src/scenario/load.ts";
import { HistoryBuilder, Op } from "../../src/history/history.ts";
import { lossExplained } from "../../src/checkers/loss-explained.ts";
import { duplicatesExplained } from "../../src/checkers/duplicates-explained.ts";
import { noLoss } from "../../src/checkers/no-loss.ts";
import { queueDuplicates } from "../../src/checkers/queue-duplicates.ts";
import { commitMsgFor } from "../../src/models/groups/group-coordinator.ts";
import { QueueHistory, queueScenario } from "./queue-history.ts";

const scenario = loadScenarioText(
  `name: t
description: A test.
duration: 10s
drain: 10s
topics: [{ name: orders, partitions: 1 }]
producers: [{ name: p, topic: orders, rate: 10/s, idempotence: false }]
consumerGroups: [{ name: g, topic: orders }]
`,
  "t.yaml",
);

/** m0 acknowledged at orders/0@0 in leader epoch 0, then truncated: epoch 1's leader wrote m1 at offset 0. */
function truncatedThenReused() {
  const b = new HistoryBuilder();
  const h = b.h;
  const m0 = b.send("p", "a", "orders", 0);
  const m1 = b.send("p", "b", "orders", 1000);
  const topic = h.actorId("orders")!;
  h.record(Op.Append, 10, m0, topic, 0, 0, 0);
  b.ack(m0, 0, 0, 20);
  h.record(Op.Truncate, 5000, 0, h.actor("broker-1", "broker"), 0, 0, topic);
  h.record(Op.Append, 6000, m1, topic, 0, 0, 1);
  b.ack(m1, 0, 0, 6010);
  const g = h.actor("g", "group");
  const member = h.actor("g-0", "consumer");
  h.record(Op.Deliver, 7000, m1, member, 0, 0, g);
  b.process(m1, "g", "g-0", 0, 0, 7000, 7100);
  h.record(Op.Commit, 7200, commitMsgFor(topic), member, 0, 1, g);
  h.record(Op.FinalLogRange, 20e6, 1, topic, 0, 0, 1);
  return { h, m0 };
}

describe("loss-explained blames the broker for a truncated record", () => {
  it("names the truncation instead of calling the commit past it unexplained", () => {
    const { h, m0 } = truncatedThenReused();
    const v = lossExplained(h, scenario);
    expect(v.holds).toBe(true);
    expect(v.anomalies).toHaveLength(1);
    expect(v.anomalies[0]).toMatchObject({ kind: "lost-by-broker", messageIds: [m0] });
    expect(v.anomalies[0].explanation).toContain("broker-1 truncated its log to 0");
    expect(v.anomalies[0].explanation).not.toContain("without having received it");
    expect(v.summary).toContain("lost by the broker");
  });

  it("no-loss splits never-processed records by cause", () => {
    const { h } = truncatedThenReused();
    const v = noLoss(h, scenario);
    expect(v.anomalies[0].kind).toBe("lost-write");
    expect(v.anomalies[0].explanation).toContain("lost by the broker");
    expect(v.summary).toContain("1 lost by the broker");
  });
});

describe("duplicates-explained: a record written twice in the log", () => {
  it("explains two processings at two offsets by the producer's retry without idempotence", () => {
    const b = new HistoryBuilder();
    const h = b.h;
    const m = b.send("p", "a", "orders", 0);
    b.append(m, 0, 0, 10);
    h.record(Op.ProduceRetry, 500, m, h.actorId("p")!, 0, -1, 2);
    b.append(m, 0, 1, 510).ack(m, 0, 1, 520);
    b.process(m, "g", "g-0", 0, 0, 600, 700).process(m, "g", "g-0", 0, 1, 700, 800);
    const v = duplicatesExplained(h, scenario);
    expect(v.holds).toBe(true);
    expect(v.anomalies[0].kind).toBe("duplicate-in-log");
    expect(v.anomalies[0].explanation).toContain("written twice in the log");
    expect(v.anomalies[0].explanation).toContain("orders/0@0");
    expect(v.anomalies[0].explanation).toContain("orders/0@1");
    expect(v.anomalies[0].explanation).toContain("p retried it at 0.001s (attempt 2)");
    expect(v.anomalies[0].explanation).toContain("without idempotence");
  });

  it("still fails a repeat at the same offset that nothing rewound", () => {
    const b = new HistoryBuilder();
    const m = b.send("p", "a", "orders", 0);
    b.append(m, 0, 0, 10).append(m, 0, 1, 510).ack(m, 0, 1, 520);
    b.process(m, "g", "g-0", 0, 0, 600, 700).process(m, "g", "g-0", 0, 0, 700, 800);
    expect(duplicatesExplained(b.h, scenario).holds).toBe(false);
  });
});

describe("queue-duplicates on an SQS FIFO queue", () => {
  it("names the 5-minute deduplication interval and the gap when the re-send came after it", () => {
    const b = new QueueHistory();
    const m = b.send("q", "a", 0);
    const again = b.send("q", "a", 301_000_000, m);
    b.consume("q", m, "w-0", 1);
    b.consume("q", again, "w-0", 301_000_010);
    const v = queueDuplicates(b.h, queueScenario([{ name: "q", kind: "sqs-fifo" }]));
    expect(v.anomalies[0].explanation).toContain("past q's 5m deduplication interval");
    expect(v.anomalies[0].explanation).toContain("5m 1s after the first send");
    expect(v.anomalies[0].explanation).not.toContain("does not deduplicate");
  });

  it("keeps saying a standard queue does not deduplicate re-sends", () => {
    const b = new QueueHistory();
    const m = b.send("q", "a", 0);
    const again = b.send("q", "a", 5, m);
    b.consume("q", m, "w-0", 1);
    b.consume("q", again, "w-0", 20);
    const v = queueDuplicates(b.h, queueScenario([{ name: "q", kind: "sqs-standard" }]));
    expect(v.anomalies[0].explanation).toContain("does not deduplicate");
  });
});
