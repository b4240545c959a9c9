import { describe, expect, it } from "vitest";
import { PartitionLog } from "../../src/models/kafka/partition-log.ts";

/** What a log holds per record, written out in full: the reference the log's per-batch storage must match. */
interface RecordRow {
  msg: number;
  epoch: number;
  pid: number;
  seq: number;
  producerEpoch: number;
  batchStart: boolean;
}

function rowsOf(batch: number[], epoch: number, pid: number, baseSequence: number, producerEpoch: number): RecordRow[] {
  return batch.map((msg, i) => ({ msg, epoch, pid, seq: baseSequence < 0 ? -1 : (baseSequence + i) | 0, producerEpoch, batchStart: i === 0 }));
}

function expectSame(log: PartitionLog, rows: RecordRow[]): void {
  expect(log.logEndOffset).toBe(rows.length);
  for (let o = 0; o < rows.length; o++) {
    const r = rows[o];
    expect(log.msgAt(o)).toBe(r.msg);
    expect(log.epochAt(o)).toBe(r.epoch);
    expect(log.pidAt(o)).toBe(r.pid);
    expect(log.seqAt(o)).toBe(r.seq);
    expect(log.producerEpochAt(o)).toBe(r.producerEpoch);
    expect(log.isBatchStart(o)).toBe(r.batchStart);
    expect(log.isControlAt(o)).toBe(r.pid >= 0 && r.seq < 0);
  }
  expect(log.lastEpoch).toBe(rows.length === 0 ? -1 : rows[rows.length - 1].epoch);
  const ranges: [number, number][] = [];
  rows.forEach((r, o) => {
    if (o === 0 || rows[o - 1].epoch !== r.epoch) ranges.push([r.epoch, o]);
  });
  expect(log.epochRanges()).toEqual(ranges);
  const last = rows.length === 0 ? -1 : rows[rows.length - 1].epoch;
  let start = rows.length;
  while (start > 0 && rows[start - 1].epoch === last) start--;
  expect(log.epochStartOffset(last)).toBe(start);
}

describe("partition log", () => {
  it("answers per record what was written per batch, through replication in chunks and truncation", () => {
    let state = 12345;
    const next = (n: number): number => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state % n;
    };
    for (let round = 0; round < 8; round++) {
      const leader = new PartitionLog("t", 0);
      const follower = new PartitionLog("t", 0);
      let rows: RecordRow[] = [];
      let msg = 0;
      for (let step = 0; step < 45; step++) {
        const action = next(10);
        if (action < 6) {
          const batch = Array.from({ length: 1 + next(5) }, () => msg++);
          const control = next(8) === 0;
          const pid = next(3) - 1;
          // Sequences near Int.MAX wrap the way a 32-bit column does.
          const seq = control ? -1 : pid < 0 ? -1 : next(4) === 0 ? 2147483647 - next(3) : next(100);
          const epoch = Math.floor(step / 12);
          const producerEpoch = next(3);
          leader.appendBatch(batch, epoch, pid, seq, producerEpoch);
          rows = rows.concat(rowsOf(batch, epoch, pid, seq, producerEpoch));
        } else if (action < 8 && follower.logEndOffset < leader.logEndOffset) {
          const c = leader.chunk(follower.logEndOffset, 1 + next(6))!;
          follower.appendChunk(c);
        } else if (action === 8 && rows.length > 0) {
          const to = next(rows.length + 1);
          leader.truncateTo(to);
          rows = rows.slice(0, to);
          if (follower.logEndOffset > to) follower.truncateTo(to);
        }
        expectSame(leader, rows);
        expectSame(follower, rows.slice(0, follower.logEndOffset));
        expect(follower.divergenceFrom(leader)).toBe(follower.logEndOffset);
      }
    }
  });

  it("ships a chunk that starts inside a batch with the sequences it had there", () => {
    const leader = new PartitionLog("t", 0);
    leader.appendBatch([1, 2, 3, 4], 2, 7, 10, 1);
    const follower = new PartitionLog("t", 0);
    follower.appendBatch([1, 2], 2, 7, 10, 1);
    follower.appendChunk(leader.chunk(2, 10)!);
    expect([0, 1, 2, 3].map((o) => follower.seqAt(o))).toEqual([10, 11, 12, 13]);
    expect(follower.isBatchStart(2)).toBe(false);
  });
});
