import { describe, expect, it } from "vitest";
import { HistoryBuilder, Op } from "../../src/history/history.ts";
import { describeRow, keyTimeline, messageTimeline, replaySeed, traceLine } from "../../src/explore/replay.ts";
import type { RunResult } from "../../src/report/result-types.ts";

/** m0 on key a: sent, appended at p0@0, processed twice (the second time after a commit that stopped short). */
function redelivered() {
  const b = new HistoryBuilder();
  const m0 = b.send("checkout", "a", "orders", 1000);
  const m1 = b.send("checkout", "b", "orders", 1500);
  b.append(m0, 0, 0, 2000).ack(m0, 0, 0, 2500).append(m1, 1, 0, 2100);
  b.process(m0, "billing", "billing-0", 0, 0, 3000, 4000);
  b.commit("billing", "billing-0", 0, 0, 4500);
  b.commit("billing", "billing-0", 0, 0, 4600);
  b.process(m0, "billing", "billing-1", 0, 0, 5000, 6000);
  return { b, m0, m1 };
}

describe("lineage timeline", () => {
  it("shows every step of one message in time order, with who and where", () => {
    const { b, m0 } = redelivered();
    const lines = messageTimeline(b.h, m0);
    expect(lines[0]).toBe("m-0: key a, from checkout to orders, created at 0.001000s");
    expect(lines[1]).toBe("  0.001000s  producer checkout sent m-0 (key a) to orders");
    expect(lines[2]).toBe("  0.002000s  appended to orders-0 at offset 0");
    expect(lines.filter((l) => l.includes("fetched by billing-1 (group billing) from orders-0 at offset 0"))).toHaveLength(1);
    expect(lines.join("\n")).not.toMatch(/m-1|key b/);
  });

  it("interleaves the commits on its partition while it lived, collapsing repeats", () => {
    const { b, m0 } = redelivered();
    const lines = messageTimeline(b.h, m0);
    const commits = lines.filter((l) => l.includes(" committed "));
    expect(commits).toEqual(["  · 0.004600s  group billing committed partition 0 up to offset 0 (the next to read), for billing-0   (×2 since 0.004500s)"]);
    const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
    expect(at(/committed/)).toBeGreaterThan(at(/billing-0 \(group billing\) finished processing/));
    expect(at(/committed/)).toBeLessThan(at(/fetched by billing-1/));
  });

  it("shows what happened on its partition after its last step (an election, a truncation), and hides events from its own rows", () => {
    const { b, m0 } = redelivered();
    const broker = b.h.actor("broker-1", "broker");
    // An election's msg column holds the leader epoch (0 here), which is not message m-0.
    const orders = b.h.actorId("orders")!;
    b.h.record(Op.LeaderElection, 9000, 0, broker, 0, 1, orders);
    b.h.record(Op.LeaderElection, 9100, 0, broker, 1, 1, orders);
    const lines = messageTimeline(b.h, m0);
    expect(lines.filter((l) => l.includes("elected leader"))).toEqual(["  · 0.009000s  broker-1 elected leader of orders-0 in epoch 0 with log end 1"]);
  });

  it("names the anomalies that involve the message", () => {
    const { b, m0 } = redelivered();
    const result = { verdicts: [{ invariant: "no-duplicates", anomalies: [{ kind: "duplicate", explanation: "m-0 processed twice", messageIds: [0] }] }] } as unknown as RunResult;
    expect(messageTimeline(b.h, m0, result).slice(-2)).toEqual(["anomalies:", "  no-duplicates: duplicate: m-0 processed twice"]);
  });

  it("renders an op no formatter knows by its columns' names, never dropping it", () => {
    const { b, m0 } = redelivered();
    b.h.record(77 as Op, 7000, m0, b.h.actor("billing", "group"), 0, -1, 5);
    const last = b.h.opCount - 1;
    expect(describeRow(b.h, last)).toBe("0.007000s  billing: partition column 0, offset column -1, aux column 5");
  });

  it("says which ids exist when asked for a message that does not", () => {
    expect(messageTimeline(redelivered().b.h, 99)).toEqual(["no message m-99: this run created 2 messages (m-0 .. m-1)"]);
  });

  it("follows a key across its messages, naming each row's message", () => {
    const { b } = redelivered();
    const lines = keyTimeline(b.h, "b");
    expect(lines[0]).toBe("key b: 1 messages, 2 rows");
    expect(lines[1]).toBe("  0.001500s  m-1       producer checkout sent m-1 (key b) to orders");
    expect(keyTimeline(b.h, "zz")[0]).toMatch(/no key "zz" in this run \(keys look like: a, b\)/);
  });
});

const TINY = `name: tiny
description: A small healthy run.
duration: 1s
drain: 1s
topics: [{ name: t, partitions: 2 }]
producers: [{ name: p, topic: t, rate: 100/s, keys: { count: 5 } }]
consumerGroups: [{ name: g, topic: t, members: 1 }]
`;

describe("replaying a seed", () => {
  it("streams every dispatched event as a JSON line, as many as the run processed", () => {
    const lines: string[] = [];
    const run = replaySeed({ text: TINY, file: "tiny.yaml", seed: 3 }, { onEvent: (e) => lines.push(traceLine(e)) });
    expect(lines.length).toBe(run.result.events);
    const first = JSON.parse(lines[0]!);
    expect(Object.keys(first)).toEqual(["t", "kind", "id"]);
    expect(typeof first.kind).toBe("string");
    const times = lines.map((l) => JSON.parse(l).t as number);
    expect(times.every((t, i) => i === 0 || t >= times[i - 1]!)).toBe(true);
  });

  it("stops at --until, with a history that ends there", () => {
    const run = replaySeed({ text: TINY, file: "tiny.yaml", seed: 3 }, { untilUs: 300_000 });
    expect(run.result.simulatedUs).toBe(300_000);
    expect(Math.max(...Array.from(run.history.opTimeUs.subarray(0, run.history.opCount)))).toBeLessThanOrEqual(300_000);
  });
});
