// every-commit-published, no-phantom-events and per-aggregate-order on small hand-made histories.
import { describe, expect, it } from "vitest";
import { HistoryBuilder, Op } from "../../src/history/history.ts";
import { loadScenarioText } from "../../src/scenario/load.ts";
import { everyCommitPublished } from "../../src/checkers/every-commit-published.ts";
import { noPhantomEvents } from "../../src/checkers/no-phantom-events.ts";
import { perAggregateOrder } from "../../src/checkers/per-aggregate-order.ts";

function scenarioWith(publish: string) {
  return loadScenarioText(
    `name: tiny-publish
description: A tiny scenario for publishing checker tests.
duration: 1s
topics: [{ name: outbox.event.order, partitions: 1 }]
services: [{ name: orders, rate: 10/s, publish: ${publish} }]
consumerGroups: [{ name: g, topic: outbox.event.order }]
faults: [{ at: 500ms, crash: orders }]
`,
    "tiny-publish.yaml",
  );
}

class PublishHistory {
  readonly b = new HistoryBuilder();
  get h() {
    return this.b.h;
  }
  private get svc() {
    return this.h.actor("orders", "producer");
  }
  event(key: string, at: number): number {
    const t = this.h.actor("outbox.event.order", "topic");
    return this.h.newMessage(this.svc, this.h.key(key), t, at);
  }
  commit(msg: number, id: number, lsn: number, at: number): this {
    this.h.record(Op.DbCommit, at, msg, this.svc, id, lsn, id);
    return this;
  }
  rollback(msg: number, id: number, at: number): this {
    this.h.record(Op.DbRollback, at, msg, this.svc, id, -1, id);
    return this;
  }
  publish(msg: number, offset: number, at: number): this {
    this.h.record(Op.ProduceAttempt, at, msg, this.svc, 0);
    this.b.append(msg, 0, offset, at + 1);
    return this;
  }
  relayRead(msg: number, cursor: number, at: number): this {
    this.h.record(Op.RelayRead, at, msg, this.h.actor("orders-relay", "producer"), 1, cursor);
    return this;
  }
  crash(at: number): this {
    this.h.record(Op.FaultStart, at, -1, this.svc, -1, -1, 0);
    return this;
  }
}

describe("every-commit-published", () => {
  const dual = scenarioWith("{ strategy: dual-write }");
  it("holds when every committed event was appended", () => {
    const x = new PublishHistory();
    const e = x.event("order-1", 0);
    x.commit(e, 1, 1, 10).publish(e, 0, 11);
    const v = everyCommitPublished(x.h, dual);
    expect(v.holds).toBe(true);
    expect(v.checked).toBe(1);
  });

  it("names the transaction and the crash that lost a dual write's event", () => {
    const x = new PublishHistory();
    const e = x.event("order-1", 0);
    x.commit(e, 7, 3, 490_000).crash(500_000);
    const v = everyCommitPublished(x.h, dual);
    expect(v.holds).toBe(false);
    expect(v.anomalies[0].explanation).toMatch(/transaction 7 of orders \(aggregate order-1, row id 7, LSN 3\) committed at 0.490s .* the service crashed at 0.500s, 10.0ms after the commit/);
  });

  it("names the relay read that moved an id cursor past a row that committed later", () => {
    const x = new PublishHistory();
    const low = x.event("order-1", 0);
    const high = x.event("order-2", 1);
    x.commit(high, 2, 1, 10).relayRead(high, 2, 20).publish(high, 0, 21).commit(low, 1, 2, 30);
    const v = everyCommitPublished(x.h, scenarioWith("{ strategy: outbox-polling, cursor: id }"));
    expect(v.holds).toBe(false);
    expect(v.anomalies[0].explanation).toMatch(/row id 1.*the relay had read m-1 at .* moved its id cursor to 2, past id 1, before this row committed/);
  });
});

describe("no-phantom-events", () => {
  const s = scenarioWith("{ strategy: dual-write, order: publish-then-commit }");
  it("holds when rolled-back transactions published nothing", () => {
    const x = new PublishHistory();
    const e = x.event("order-1", 0);
    x.rollback(e, 1, 10);
    expect(noPhantomEvents(x.h, s).holds).toBe(true);
  });

  it("names an event published for a transaction that rolled back", () => {
    const x = new PublishHistory();
    const e = x.event("order-1", 0);
    x.publish(e, 0, 5).rollback(e, 1, 10);
    const v = noPhantomEvents(x.h, s);
    expect(v.holds).toBe(false);
    expect(v.anomalies[0].kind).toBe("phantom-event");
    expect(v.anomalies[0].explanation).toMatch(/m-0 \(aggregate order-1\) was published at outbox.event.order\/0@0 .* transaction 1 of orders .* rolled back/);
  });
});

describe("per-aggregate-order", () => {
  const s = scenarioWith("{ strategy: outbox-polling }");
  it("holds when an aggregate's events are processed in commit order, and ignores redeliveries", () => {
    const x = new PublishHistory();
    const a = x.event("order-1", 0);
    const b = x.event("order-1", 1);
    x.commit(a, 1, 1, 10).commit(b, 2, 2, 11).publish(a, 0, 20).publish(b, 1, 21);
    x.b.process(a, "g", "g-0", 0, 0, 30, 31).process(b, "g", "g-0", 0, 1, 32, 33).process(a, "g", "g-0", 0, 0, 40, 41);
    const v = perAggregateOrder(x.h, s);
    expect(v.holds).toBe(true);
    expect(v.checked).toBe(2);
  });

  it("names both events and that the earlier commit reached the topic later", () => {
    const x = new PublishHistory();
    const a = x.event("order-1", 0);
    const b = x.event("order-1", 1);
    x.commit(b, 2, 1, 10).commit(a, 1, 2, 11);
    // a has the lower id but committed second (LSN 2); b (LSN 1) is published after it.
    x.publish(a, 0, 20).publish(b, 1, 21);
    x.b.process(a, "g", "g-0", 0, 0, 30, 31).process(b, "g", "g-0", 0, 1, 32, 33);
    const v = perAggregateOrder(x.h, s);
    expect(v.holds).toBe(false);
    expect(v.anomalies[0].messageIds).toEqual([a, b]);
    expect(v.anomalies[0].explanation).toMatch(/processed m-1 \(aggregate order-1, LSN 1\) .* after m-0 \(LSN 2\) .* although it committed first: m-1 reached the topic later/);
  });
});

describe("duplicates-explained and re-published events", () => {
  it("explains a repeat when the log holds the message twice, and still flags a repeat from one copy", async () => {
    const { duplicatesExplained } = await import("../../src/checkers/duplicates-explained.ts");
    const s = scenarioWith("{ strategy: outbox-cdc }");
    const x = new PublishHistory();
    const e = x.event("order-1", 0);
    x.commit(e, 1, 1, 5).publish(e, 0, 10).publish(e, 1, 20);
    x.b.process(e, "g", "g-0", 0, 0, 30, 31).process(e, "g", "g-0", 0, 1, 40, 41);
    const v = duplicatesExplained(x.h, s);
    expect(v.holds).toBe(true);
    expect(v.anomalies[0].explanation).toMatch(/written twice in the log: appended at outbox.event.order\/0@0 .* and again at outbox.event.order\/0@1 .*sent again by .* re-publishing/);
    const y = new PublishHistory();
    const f = y.event("order-1", 0);
    y.commit(f, 1, 1, 5).publish(f, 0, 10);
    y.b.process(f, "g", "g-0", 0, 0, 30, 31).process(f, "g", "g-0", 0, 0, 40, 41);
    expect(duplicatesExplained(y.h, s).holds).toBe(false);
  });
});
