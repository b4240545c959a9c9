import { describe, expect, it } from "vitest";
import { StreamTask } from "../../src/streams/stream-task.ts";
import { StreamTableJoin } from "../../src/streams/table-join.ts";
import type { StoreChange } from "../../src/streams/window-aggregation.ts";
import type { Changelog } from "../../src/streams/changelog.ts";

/** A changelog stand-in: the committed records, in offset order. */
function fakeChangelog(records: StoreChange[]): Changelog {
  return {
    endOffset: () => records.length,
    startOffset: () => 0,
    replay: (_p: number, from = 0) => records.slice(from),
    compactedRecords: () => ({ before: records.length, after: records.length }),
  } as unknown as Changelog;
}

const put = (key: string, msg: number): StoreChange => ({ storeKey: key, entry: { kind: "table", key, msg, ts: msg } as never, streamTimeMs: msg });

describe("a stream task's stores", () => {
  it("each instance has its own copy: a zombie's writes never reach the owner's store", () => {
    const log: StoreChange[] = [put("k", 1)];
    const task = new StreamTask(0, () => new StreamTableJoin("inner"), fakeChangelog(log));
    task.moveTo({ name: "a", crashes: 0 }, 1000);
    task.processor.process("right", "k", 5, 5); // a's uncommitted write
    task.moveTo({ name: "z", crashes: 0 }, 1000); // a zombie processes a record of the task
    expect(task.processor.store.get("k")!.msg).toBe(1); // restored from the committed changelog
    task.processor.process("right", "k", 9, 9);
    const plan = task.moveTo({ name: "a", crashes: 0 }, 1000);
    expect(task.processor.store.get("k")!.msg).toBe(5); // a kept its own copy, untouched by z
    expect(plan.records).toBe(0);
  });

  it("a former owner catches up from its checkpoint; a crash or a wipe means a fresh store from the log start", () => {
    const log: StoreChange[] = [put("k", 1)];
    const task = new StreamTask(0, () => new StreamTableJoin("inner"), fakeChangelog(log));
    task.moveTo({ name: "a", crashes: 0 }, 1000);
    task.moveTo({ name: "b", crashes: 0 }, 1000);
    log.push(put("k", 2), put("x", 3));
    expect(task.moveTo({ name: "a", crashes: 0 }, 1000).records).toBe(2);
    expect([...task.processor.store.keys()]).toEqual(["k", "x"]);
    expect(task.processor.store.get("k")!.msg).toBe(2);
    task.moveTo({ name: "b", crashes: 0 }, 1000);
    expect(task.moveTo({ name: "a", crashes: 1 }, 1000).records).toBe(3);
    task.wipe("a");
    expect(task.owner).toBeUndefined();
    expect(task.moveTo({ name: "a", crashes: 1 }, 1000).records).toBe(3);
  });
});
