import { describe, expect, it } from "vitest";
import { History, HistoryBuilder, Op, OP_NAMES } from "../../../src/history/history.ts";
import { narrate, Narrator, OP_WORDS, traceJson } from "../../../src/explore/narrate/index.ts";
import { causeChains } from "../../../src/explore/narrate/cause-chain.ts";

/** A history with one actor of each kind and one message, to tell any op against. */
function cast() {
  const h = new History();
  const producer = h.actor("checkout", "producer");
  const topic = h.actor("orders", "topic");
  const brokers = [0, 1, 2, 3].map((b) => h.actor(`broker-${b}`, "broker"));
  const group = h.actor("billing", "group");
  const member = h.actor("billing-2", "consumer");
  const queue = h.actor("jobs", "queue");
  const service = h.actor("payments", "service");
  const msg = h.newMessage(producer, h.key("k-7"), topic, 1000);
  return { h, producer, topic, brokers, group, member, queue, service, msg };
}

/** Four brokers, orders with 4 partitions and RF 3: partition 3 lives on brokers 3, 0, 1, led by broker-3. */
const SCENARIO = { cluster: { brokers: 4 }, topics: [{ name: "orders", partitions: 4, replicationFactor: 3 }], faults: [{ at: 5_000_000, crash: "broker-3", for: 10_000_000, loseUnflushed: false }] };

function tell(h: History, i: number, scenario = {}): string {
  return narrate(new Narrator(h, scenario), i).text;
}

describe("the op formatter table", () => {
  it("has a formatter for every op in OP_NAMES, and none for an op that has no name", () => {
    const named = Object.keys(OP_NAMES).map(Number).sort((a, b) => a - b);
    const told = Object.keys(OP_WORDS).map(Number).sort((a, b) => a - b);
    expect(named.filter((k) => !told.includes(k)).map((k) => OP_NAMES[k])).toEqual([]);
    expect(told.filter((k) => !named.includes(k))).toEqual([]);
  });

  it("tells every op without raw columns, undefined values or internal ids", () => {
    for (const kind of Object.keys(OP_NAMES).map(Number)) {
      for (const msgColumn of [0, -1, -3]) {
        const c = cast();
        c.h.record(kind as Op, 2000, msgColumn, c.brokers[1]!, 1, 5, c.topic);
        const x = narrate(new Narrator(c.h, SCENARIO), 0);
        expect(x.text, OP_NAMES[kind]).not.toMatch(/undefined|NaN|\[object|\baux\b|\bactor -?\d|op-\d/);
        expect(x.text.length, OP_NAMES[kind]).toBeGreaterThan(10);
        expect(x.op).toBe(OP_NAMES[kind]);
      }
    }
  });
});

describe("rows in the system's words", () => {
  it("names the leader a record was appended on, from the placement and the elections since", () => {
    const c = cast();
    c.h.record(Op.Append, 2000, c.msg, c.topic, 3, 41, 0);
    c.h.record(Op.LeaderElection, 3000, 1, c.brokers[0]!, 3, 41, c.topic);
    c.h.record(Op.Append, 4000, c.msg, c.topic, 3, 42, 1);
    expect(tell(c.h, 0, SCENARIO)).toBe("appended to orders-3 at offset 41 on leader broker-3 (leader epoch 0)");
    expect(tell(c.h, 1, SCENARIO)).toBe("broker-0 elected leader of orders-3 in epoch 1 with log end 41, replacing broker-3");
    expect(tell(c.h, 2, SCENARIO)).toBe("appended to orders-3 at offset 42 on leader broker-0 (leader epoch 1)");
    expect(narrate(new Narrator(c.h, SCENARIO), 2).node).toBe("broker-0");
  });

  it("says which brokers are in the ISR after a shrink or an expand, not only how many", () => {
    const c = cast();
    c.h.record(Op.IsrShrink, 2000, -1, c.brokers[0]!, 3, 2, c.topic);
    c.h.record(Op.IsrExpand, 3000, -1, c.brokers[0]!, 3, 3, c.topic);
    const n = new Narrator(c.h, SCENARIO);
    expect(narrate(n, 0).text).toBe("ISR of orders-3 shrank to {1,3}: broker-0 dropped out");
    expect(narrate(n, 1).text).toBe("ISR of orders-3 grew to {0,1,3}: broker-0 caught up");
    // Without the scenario the placement is unknown: the size is all the row says.
    expect(tell(c.h, 0)).toBe("ISR of orders-3 shrank to 2 replicas: broker-0 dropped out");
  });

  it("tells fencing from unfencing, and faults by what they did", () => {
    const c = cast();
    c.h.record(Op.BrokerFence, 2000, -1, c.brokers[2]!, -1, -1, 1);
    c.h.record(Op.BrokerFence, 3000, -1, c.brokers[2]!, -1, -1, 0);
    c.h.record(Op.FaultStart, 5_000_000, -1, c.brokers[3]!, -1, -1, 0);
    c.h.record(Op.FaultEnd, 15_000_000, -1, c.brokers[3]!, -1, -1, 0);
    c.h.record(Op.FaultStart, 16_000_000, -1, -1, -1, -1, 1);
    expect(tell(c.h, 0)).toBe("the controller fenced broker-2 (its session expired)");
    expect(tell(c.h, 1)).toBe("the controller unfenced broker-2 (it is back and registered)");
    expect(tell(c.h, 2, SCENARIO)).toBe("broker-3 crashed (fault 1: crash of broker-3)");
    expect(tell(c.h, 3, SCENARIO)).toBe("broker-3 restarted (fault 1)");
    expect(tell(c.h, 4, SCENARIO)).toBe("fault 2 began: fault on the network");
  });

  it("tells a group's fetch, commit and rebalance with the member, group, partition and offset", () => {
    const c = cast();
    c.h.record(Op.Deliver, 2000, c.msg, c.member, 3, 41, c.group);
    c.h.record(Op.Commit, 3000, -2 - c.topic, c.member, 3, 42, c.group);
    c.h.record(Op.RebalanceStart, 4000, -1, c.group, 2, 4);
    c.h.record(Op.MemberLeft, 4000, -1, c.member, 1, 4, c.group);
    expect(tell(c.h, 0)).toBe("fetched by billing-2 (group billing) from orders-3 at offset 41");
    expect(tell(c.h, 1)).toBe("group billing committed orders-3 up to offset 42 (the next to read), for billing-2");
    expect(tell(c.h, 2)).toBe("group billing began a rebalance (a member's session timed out), leaving generation 4");
    expect(tell(c.h, 3)).toBe("billing-2 left group billing: session timeout (generation 4)");
  });

  it("tells queue steps with the queue's own reasons", () => {
    const c = cast();
    c.h.record(Op.QueueDeliver, 2000, c.msg, c.member, 2, 17, c.queue);
    c.h.record(Op.QueueReturn, 3000, c.msg, c.queue, 0, 17);
    c.h.record(Op.QueueAckStale, 4000, c.msg, c.member, -1, 17, c.queue);
    expect(tell(c.h, 0)).toBe("queue jobs delivered it to billing-2 (delivery 2, receipt 17)");
    expect(tell(c.h, 1)).toBe("queue jobs made it deliverable again: visibility timeout expired (receipt 17 is now stale)");
    expect(tell(c.h, 2)).toBe("billing-2 deleted it with a stale receipt 17: queue jobs answered success but did NOT delete it");
  });
});

describe("the domain trace line", () => {
  it("carries time, op, node, message, key, partition and offset where they apply, in a fixed order", () => {
    const c = cast();
    c.h.record(Op.Append, 2000, c.msg, c.topic, 3, 41, 0);
    c.h.record(Op.FaultStart, 5_000_000, -1, c.brokers[3]!, -1, -1, 0);
    const n = new Narrator(c.h, SCENARIO);
    expect(traceJson(narrate(n, 0))).toBe(
      '{"t":2000,"op":"append","node":"broker-3","msg":"m-0","key":"k-7","partition":"orders-3","offset":41,"text":"appended to orders-3 at offset 41 on leader broker-3 (leader epoch 0)"}\n',
    );
    expect(JSON.parse(traceJson(narrate(n, 1)))).toEqual({ t: 5_000_000, op: "fault-start", node: "broker-3", text: "broker-3 crashed (fault 1: crash of broker-3)" });
  });

  it("does not take an election's epoch or a truncation's count for a message id", () => {
    const c = cast();
    c.h.record(Op.Truncate, 2000, 0, c.brokers[3]!, 3, 40, c.topic);
    const x = narrate(new Narrator(c.h, SCENARIO), 0);
    expect(x.message).toBeUndefined();
    expect(x.text).toBe("broker-3 truncated its log of orders-3 to offset 40, removing 0 records");
  });
});

describe("cause chains", () => {
  it("follows a lost record from the leader's crash through the election of a shorter log to the truncation", () => {
    const c = cast();
    const h = c.h;
    h.record(Op.Append, 2000, c.msg, c.topic, 3, 41, 0);
    h.record(Op.FaultStart, 5_000_000, -1, c.brokers[3]!, -1, -1, 0);
    h.record(Op.BrokerFence, 6_000_000, -1, c.brokers[3]!, -1, -1, 1);
    h.record(Op.LeaderElection, 6_000_000, 1, c.brokers[0]!, 3, 41, c.topic);
    h.record(Op.Truncate, 15_100_000, 2, c.brokers[3]!, 3, 41, c.topic);
    const chains = causeChains(new Narrator(h, SCENARIO), c.msg, [0]);
    expect(chains).toEqual([
      "5.000000s broker-3 crashed (fault 1: crash of broker-3) → 6.000000s the controller fenced broker-3 (its session expired) → " +
        "6.000000s broker-0 elected leader of orders-3 in epoch 1 with log end 41, replacing broker-3 → " +
        "15.100000s broker-3 truncated its log of orders-3 to offset 41, removing 2 records: m-0 at orders-3 offset 41 was past the new leader's log end, so it is gone from the log",
    ]);
  });

  it("tells no chain when the new leader's log holds the record", () => {
    const c = cast();
    c.h.record(Op.Append, 2000, c.msg, c.topic, 3, 41, 0);
    c.h.record(Op.FaultStart, 5_000_000, -1, c.brokers[3]!, -1, -1, 0);
    c.h.record(Op.LeaderElection, 6_000_000, 1, c.brokers[0]!, 3, 42, c.topic);
    expect(causeChains(new Narrator(c.h, SCENARIO), c.msg, [0])).toEqual([]);
  });

  it("says why a group fetched a record again: the partition lost, the rebalance, the position it resumed from", () => {
    const b = new HistoryBuilder();
    const m = b.send("checkout", "a", "orders", 1000);
    b.append(m, 0, 5, 2000);
    b.process(m, "billing", "billing-0", 0, 5, 3000, 4000);
    const h = b.h;
    const g = h.actorId("billing")!;
    const t = h.actorId("orders")!;
    h.record(Op.PartitionLost, 5000, -2 - t, h.actorId("billing-0")!, 0, -1, g);
    h.record(Op.RebalanceStart, 5000, -1, g, 2, 1);
    h.record(Op.FetchPosition, 6000, -2 - t, h.actor("billing-1", "consumer"), 0, 3, g);
    b.process(m, "billing", "billing-1", 0, 5, 7000, 8000);
    const own = h.lineage(m);
    const chains = causeChains(new Narrator(h), m, own);
    expect(chains).toEqual([
      "0.005000s billing-0 lost orders-0 without revoking it (crash, session or poll timeout, or fencing) → " +
        "0.005000s group billing began a rebalance (a member's session timed out), leaving generation 1 → " +
        "0.006000s billing-1 starts fetching orders-0 at offset 3: so m-0 (offset 5) was fetched again by billing-1",
    ]);
  });

  it("says why a queue delivered a message again", () => {
    const c = cast();
    c.h.record(Op.QueueDeliver, 2000, c.msg, c.member, 1, 1, c.queue);
    c.h.record(Op.QueueReturn, 32_000_000, c.msg, c.queue, 0, 1);
    c.h.record(Op.QueueDeliver, 32_500_000, c.msg, c.member, 2, 2, c.queue);
    expect(causeChains(new Narrator(c.h), c.msg, [0, 1, 2])).toEqual([
      "32.000000s queue jobs made it deliverable again: visibility timeout expired (receipt 1 is now stale): so m-0 was delivered again (delivery 2)",
    ]);
  });
});

describe("the commit that skipped a record", () => {
  it("says a group committed past a record its member fetched, then the member crashed before processing it", () => {
    const b = new HistoryBuilder();
    const m = b.send("checkout", "a", "orders", 1000);
    b.append(m, 2, 866, 2000);
    const h = b.h;
    const g = h.actor("handoff", "group");
    const member = h.actor("handoff-1", "consumer");
    const t = h.actorId("orders")!;
    h.record(Op.Deliver, 3000, m, member, 2, 866, g);
    h.record(Op.Commit, 4000, -2 - t, member, 2, 1195, g);
    h.record(Op.ConsumerCrashed, 5000, -1, member);
    expect(causeChains(new Narrator(h), m, h.lineage(m))).toEqual([
      "0.003000s fetched by handoff-1 (group handoff) from orders-2 at offset 866 → 0.004000s group handoff committed orders-2 up to offset 1195 (the next to read), for handoff-1 → " +
        "0.005000s consumer handoff-1 crashed: so m-0 (offset 866) was committed past by group handoff but never processed by it",
    ]);
    // Processed after all: no chain.
    h.record(Op.ProcessEnd, 3500, m, member, 2, 866, g);
    expect(causeChains(new Narrator(h), m, h.lineage(m))).toEqual([]);
  });
});

describe("a record in the log twice", () => {
  it("tells the timeout and the retry between its two appends", () => {
    const b = new HistoryBuilder();
    const m = b.send("tracker", "a", "events", 1000);
    b.append(m, 1, 1001, 2000);
    const h = b.h;
    const p = h.actorId("tracker")!;
    h.record(Op.ProduceError, 3_000_000, m, p, 1, -1, 5);
    h.record(Op.ProduceRetry, 3_100_000, m, p, 1, -1, 2);
    b.append(m, 1, 1083, 3_200_000);
    expect(causeChains(new Narrator(h), m, h.lineage(m))).toEqual([
      "0.002000s appended to events-1 at offset 1001 → 3.000000s producer tracker got REQUEST_TIMED_OUT for it from events-1 → " +
        "3.100000s producer tracker re-sent it to events-1 (attempt 2) → 3.200000s appended to events-1 at offset 1083: so m-0 is in the log twice (events-1 offset 1001 and events-1 offset 1083)",
    ]);
  });
});
