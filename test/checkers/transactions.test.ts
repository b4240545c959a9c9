// no-aborted-reads and zombie-fenced on small hand-made histories, plus the offset-gap rule of no-poll-skip:
// control markers and aborted records leave gaps that are not skips (semantics.md §1).
import { describe, expect, it } from "vitest";
import { HistoryBuilder, Op } from "../../src/history/history.ts";
import { loadScenarioText } from "../../src/scenario/load.ts";
import { noAbortedReads } from "../../src/checkers/no-aborted-reads.ts";
import { zombieFenced } from "../../src/checkers/zombie-fenced.ts";
import { noPollSkip } from "../../src/checkers/poll-skip.ts";

const scenario = loadScenarioText(
  `name: tiny-txn
description: A tiny scenario for transaction checker tests.
duration: 1s
topics: [{ name: t, partitions: 1 }]
producers: [{ name: p, topic: t, rate: 10/s, transactionalId: tx }]
consumerGroups:
  - { name: rc, topic: t, isolationLevel: read_committed }
  - { name: ru, topic: t }
`,
  "tiny-txn.yaml",
);

/** A transactional history builder: instances, transactions, records, markers, reads. */
class TxnHistory {
  readonly b = new HistoryBuilder();
  get h() {
    return this.b.h;
  }
  init(producer: string, pid: number, epoch: number, at: number): this {
    this.h.record(Op.TxnInitProducerId, at, -1, this.h.actor(producer, "producer"), epoch, pid, 0);
    return this;
  }
  begin(producer: string, txn: number, epoch: number, at: number): this {
    this.h.record(Op.TxnBegin, at, -1, this.h.actor(producer, "producer"), epoch, txn);
    return this;
  }
  record(producer: string, key: string, txn: number, epoch: number, offset: number, at: number): number {
    const m = this.b.send(producer, key, "t", at);
    this.h.record(Op.TxnRecord, at, m, this.h.actor(producer, "producer"), 0, txn, epoch);
    this.b.append(m, 0, offset, at + 1);
    return m;
  }
  end(producer: string, txn: number, epoch: number, commit: boolean, at: number, reason = 1): this {
    this.h.record(commit ? Op.TxnCommit : Op.TxnAbort, at, -1, this.h.actor(producer, "producer"), epoch, txn, commit ? -1 : reason);
    return this;
  }
  marker(txn: number, offset: number, commit: boolean, at: number): number {
    const t = this.h.actor("t", "topic");
    const m = this.h.newMessage(t, this.h.key(""), t, at);
    this.h.record(Op.TxnMarker, at, m, t, 0, offset, txn * 2 + (commit ? 1 : 0));
    return m;
  }
  /** The group's member starts at `position` (default: the record's offset) and reads the record at `offset`. */
  read(msg: number, group: string, offset: number, at: number, position = offset): this {
    this.h.record(Op.FetchPosition, at - 1, -2 - this.h.actor("t", "topic"), this.h.actor(`${group}-0`, "consumer"), 0, position, this.h.actor(group, "group"));
    this.b.process(msg, group, `${group}-0`, 0, offset, at, at + 1);
    return this;
  }
}

describe("no-aborted-reads", () => {
  it("holds when the read_committed group reads only committed records", () => {
    const x = new TxnHistory().init("p", 1000, 0, 0).begin("p", 1, 0, 1);
    const a = x.record("p", "k", 1, 0, 0, 2);
    x.end("p", 1, 0, true, 10).marker(1, 1, true, 11);
    x.read(a, "rc", 0, 20);
    const v = noAbortedReads(x.h, scenario);
    expect(v.holds).toBe(true);
    expect(v.checked).toBe(1);
  });

  it("names a read_uncommitted read of an aborted transaction, with the reason it was aborted", () => {
    const x = new TxnHistory().init("p", 1000, 0, 0).begin("p", 1, 0, 1);
    const a = x.record("p", "k", 1, 0, 0, 2);
    x.end("p", 1, 0, false, 10, 1).marker(1, 1, false, 11);
    x.read(a, "ru", 0, 5);
    const v = noAbortedReads(x.h, scenario);
    expect(v.holds).toBe(false);
    expect(v.anomalies[0].kind).toBe("aborted-read");
    expect(v.anomalies[0].explanation).toMatch(/group ru \(isolation.level=read_uncommitted.*transaction 1 of p.*aborted.*the application aborted it/);
  });

  it("flags a control marker handed to an application and a read_committed read before the commit", () => {
    const x = new TxnHistory().init("p", 1000, 0, 0).begin("p", 1, 0, 1);
    const a = x.record("p", "k", 1, 0, 0, 2);
    x.end("p", 1, 0, true, 10);
    const m = x.marker(1, 1, true, 11);
    x.read(a, "rc", 0, 5).read(m, "ru", 1, 20);
    const kinds = noAbortedReads(x.h, scenario).anomalies.map((an) => an.kind).sort();
    expect(kinds).toEqual(["control-marker-read", "read-before-commit"]);
  });

  it("flags a read of a transaction that never ended", () => {
    const x = new TxnHistory().init("p", 1000, 0, 0).begin("p", 1, 0, 1);
    const a = x.record("p", "k", 1, 0, 0, 2);
    x.read(a, "ru", 0, 5);
    expect(noAbortedReads(x.h, scenario).anomalies.map((an) => an.kind)).toEqual(["uncommitted-read"]);
  });
});

describe("zombie-fenced", () => {
  it("holds when the old epoch's transactions all committed before the new instance started", () => {
    const x = new TxnHistory().init("a", 1000, 0, 0).begin("a", 1, 0, 1);
    const r = x.record("a", "k", 1, 0, 0, 2);
    x.end("a", 1, 0, true, 10).marker(1, 1, true, 11);
    x.init("b", 1000, 1, 20);
    x.read(r, "rc", 0, 30);
    const v = zombieFenced(x.h, scenario);
    expect(v.holds).toBe(true);
    expect(v.checked).toBe(2);
  });

  it("names a commit of an epoch after a newer one was issued, and the visible zombie record", () => {
    const x = new TxnHistory().init("a", 1000, 0, 0).begin("a", 1, 0, 1);
    const r = x.record("a", "k", 1, 0, 0, 2);
    x.init("b", 1000, 1, 5);
    x.end("a", 1, 0, true, 10).marker(1, 1, true, 11);
    x.read(r, "rc", 0, 30);
    const v = zombieFenced(x.h, scenario);
    expect(v.holds).toBe(false);
    expect(v.anomalies.map((a) => a.kind).sort()).toEqual(["zombie-commit", "zombie-write-visible"]);
    expect(v.anomalies.find((a) => a.kind === "zombie-commit")!.explanation).toMatch(/epoch 0 had been fenced at .* by InitProducerId by b \(epoch 1\)/);
  });

  it("counts the coordinator's timeout abort with a bumped epoch as a fence", () => {
    const x = new TxnHistory().init("a", 1000, 0, 0).begin("a", 1, 0, 1);
    x.record("a", "k", 1, 0, 0, 2);
    x.end("a", 1, 1, false, 10, 2);
    x.begin("a", 2, 0, 12);
    const r2 = x.record("a", "k", 2, 0, 2, 13);
    x.end("a", 2, 0, true, 20);
    x.read(r2, "rc", 2, 30);
    const v = zombieFenced(x.h, scenario);
    expect(v.holds).toBe(false);
    expect(v.anomalies[0].explanation).toMatch(/transaction.timeout.ms expired/);
  });

  it("ignores read_uncommitted groups (they are no-aborted-reads' business)", () => {
    const x = new TxnHistory().init("a", 1000, 0, 0).begin("a", 1, 0, 1);
    const r = x.record("a", "k", 1, 0, 0, 2);
    x.init("b", 1000, 2, 5);
    x.read(r, "ru", 0, 30);
    expect(zombieFenced(x.h, scenario).holds).toBe(true);
  });
});

describe("offset gaps are not poll skips", () => {
  it("a read_committed group jumping over an aborted record and a marker did not skip", () => {
    const x = new TxnHistory().init("p", 1000, 0, 0).begin("p", 1, 0, 1);
    x.record("p", "k", 1, 0, 0, 2);
    x.end("p", 1, 0, false, 5).marker(1, 1, false, 6);
    x.begin("p", 2, 0, 7);
    const b = x.record("p", "k", 2, 0, 2, 8);
    x.end("p", 2, 0, true, 9).marker(2, 3, true, 10);
    x.read(b, "rc", 2, 20, 0);
    // The position row says 0; the read at offset 2 jumped over the aborted record (0) and the abort marker (1).
    expect(noPollSkip(x.h, scenario).holds).toBe(true);
  });

  it("a jump over a committed record is still a skip", () => {
    const x = new TxnHistory().init("p", 1000, 0, 0).begin("p", 1, 0, 1);
    x.record("p", "k", 1, 0, 0, 2);
    const b = x.record("p", "k", 1, 0, 1, 3);
    x.end("p", 1, 0, true, 9).marker(1, 2, true, 10);
    x.read(b, "rc", 1, 20, 0);
    expect(noPollSkip(x.h, scenario).holds).toBe(false);
  });
});
