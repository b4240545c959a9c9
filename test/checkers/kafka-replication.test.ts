import { describe, expect, it } from "vitest";
// The scenario schema first: schema.ts and schema-groups.ts import each other, and schema.ts must lead.
import { loadScenarioText } from "../../src/scenario/load.ts";
import { HistoryBuilder, Op } from "../../src/history/history.ts";
import { lostWrite } from "../../src/checkers/lost-write.ts";
import { duplicateOffsets } from "../../src/checkers/duplicate-offsets.ts";
import { producerReorder } from "../../src/checkers/producer-reorder.ts";
import { inconsistentOffsets } from "../../src/checkers/inconsistent-offsets.ts";
import { evaluateExpectations } from "../../src/checkers/expectations.ts";

function scenario(producer: string, topic = "") {
  return loadScenarioText(
    `name: tiny
description: A tiny scenario for replication checker tests.
duration: 1s
cluster: { brokers: 3 }
topics: [{ name: t, partitions: 1, replicationFactor: 3${topic} }]
producers: [{ name: p, topic: t, rate: 10/s${producer} }]
`,
    "tiny.yaml",
  );
}
const SAFE = scenario(", acks: all", ", minInsyncReplicas: 2");
const ACKS1 = scenario(", acks: 1");
const NO_IDEMPOTENCE = scenario(", idempotence: false");

/** A history builder that writes appends with leader epochs and the final log's epoch ranges. */
class KafkaHistory extends HistoryBuilder {
  appendIn(msg: number, offset: number, epoch: number, atUs: number): this {
    this.h.record(Op.Append, atUs, msg, this.h.msgTopic[msg], 0, offset, epoch);
    return this;
  }
  finalLog(...ranges: [epoch: number, start: number, end: number][]): this {
    const topic = this.h.actor("t", "topic");
    for (const [e, s, end] of ranges) this.h.record(Op.FinalLogRange, 99e6, end, topic, 0, s, e);
    return this;
  }
}

describe("no-lost-write", () => {
  it("holds when every acknowledged record is in the final log with the epoch it was written in", () => {
    const b = new KafkaHistory();
    const m0 = b.send("p", "a", "t", 0);
    b.appendIn(m0, 0, 0, 10).ack(m0, 0, 0, 20);
    b.finalLog([0, 0, 1]);
    expect(lostWrite(b.h, SAFE).holds).toBe(true);
  });

  it("flags an acknowledged record whose offset now holds another epoch, as expected under acks=1", () => {
    const b = new KafkaHistory();
    const m0 = b.send("p", "a", "t", 0);
    const m1 = b.send("p", "a", "t", 1);
    b.appendIn(m0, 0, 0, 10).ack(m0, 0, 0, 20).appendIn(m1, 1, 0, 30).ack(m1, 0, 1, 40);
    b.h.record(Op.LeaderElection, 5e6, 1, b.h.actor("broker-1", "broker"), 0, 1, b.h.actor("t", "topic"));
    b.finalLog([0, 0, 1], [1, 1, 2]);
    const v = lostWrite(b.h, ACKS1);
    expect(v.holds).toBe(false);
    expect(v.anomalies.map((a) => a.messageIds[0])).toEqual([m1]);
    expect(v.anomalies[0].explanation).toContain("broker-1 elected leader (epoch 1) with log end 1");
    expect(v.permittedBy?.[0]).toContain("acks=1");
    expect(v.unpermitted).toBe(0);
  });

  it("calls a loss under acks=all, min.insync.replicas=2 a contract violation", () => {
    const b = new KafkaHistory();
    const m0 = b.send("p", "a", "t", 0);
    b.appendIn(m0, 0, 0, 10).ack(m0, 0, 0, 20);
    b.finalLog();
    b.h.record(Op.FinalLogRange, 99e6, 0, b.h.actor("t", "topic"), 0, 0, 1);
    const v = lostWrite(b.h, SAFE);
    expect(v.holds).toBe(false);
    expect(v.unpermitted).toBe(1);
    expect(v.summary).toContain("violation of the contract");
    const [permitted] = evaluateExpectations({ ...SAFE, expect: { ...SAFE.expect, permitted: ["no-lost-write"] } }, [v], { count: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 });
    expect(permitted.met).toBe(false);
  });
});

describe("no-duplicate-offsets", () => {
  it("flags a message that survives at two offsets, expected without idempotence", () => {
    const b = new KafkaHistory();
    const m0 = b.send("p", "a", "t", 0);
    b.appendIn(m0, 0, 0, 10).appendIn(m0, 1, 0, 30).ack(m0, 0, 1, 40).finalLog([0, 0, 2]);
    const v = duplicateOffsets(b.h, NO_IDEMPOTENCE);
    expect(v.anomalyCount).toBe(1);
    expect(v.anomalies[0].offsets).toEqual([0, 1]);
    expect(v.unpermitted).toBe(0);
  });

  it("holds when the second copy was truncated away", () => {
    const b = new KafkaHistory();
    const m0 = b.send("p", "a", "t", 0);
    b.appendIn(m0, 0, 0, 10).appendIn(m0, 1, 0, 30).finalLog([0, 0, 1]);
    expect(duplicateOffsets(b.h, SAFE).holds).toBe(true);
  });
});

describe("no-producer-reorder", () => {
  it("flags a record written after one its producer sent later on the same key", () => {
    const b = new KafkaHistory();
    const m0 = b.send("p", "a", "t", 0);
    const m1 = b.send("p", "a", "t", 1);
    b.appendIn(m1, 0, 0, 10).appendIn(m0, 1, 0, 30).finalLog([0, 0, 2]);
    const v = producerReorder(b.h, NO_IDEMPOTENCE);
    expect(v.anomalyCount).toBe(1);
    expect(v.anomalies[0].messageIds).toEqual([m1, m0]);
    expect(v.permittedBy?.[0]).toContain("max.in.flight");
  });

  it("ignores order across different keys", () => {
    const b = new KafkaHistory();
    const m0 = b.send("p", "a", "t", 0);
    const m1 = b.send("p", "b", "t", 1);
    b.appendIn(m1, 0, 0, 10).appendIn(m0, 1, 0, 30).finalLog([0, 0, 2]);
    expect(producerReorder(b.h, SAFE).holds).toBe(true);
  });
});

describe("no-inconsistent-offsets", () => {
  it("flags one offset acknowledged for two different messages", () => {
    const b = new KafkaHistory();
    const m0 = b.send("p", "a", "t", 0);
    const m1 = b.send("p", "a", "t", 1);
    b.ack(m0, 0, 5, 10).ack(m1, 0, 5, 20);
    const v = inconsistentOffsets(b.h, ACKS1);
    expect(v.anomalyCount).toBe(1);
    expect(v.anomalies[0].messageIds).toEqual([m0, m1]);
  });

  it("holds when acks and deliveries agree", () => {
    const b = new KafkaHistory();
    const m0 = b.send("p", "a", "t", 0);
    b.ack(m0, 0, 5, 10).process(m0, "g", "g-0", 0, 5, 20, 30);
    expect(inconsistentOffsets(b.h, SAFE).holds).toBe(true);
  });
});
