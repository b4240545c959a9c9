// Parallel processing inside one consumer-group member (processing.concurrency > 1), the pattern of a worker pool
// behind the poll loop done safely (as Confluent's parallel consumer does): the poll loop keeps polling while up to
// `concurrency` records run at once; records of one key (or one partition) never run at the same time unless the
// ordering is `unordered`; once `maxInFlight` records are fetched and unfinished the member pauses its partitions
// (consumer.pause: polls return nothing, but the member keeps polling, so it stays in the group) and resumes below
// the limit. Records finish out of order, so what may be committed per partition is the lowest unfinished offset
// (everything before it is done): a crash replays what was in flight, never skips it (at-least-once).
import { Op, type History } from "../../history/history.ts";
import { tpKey, type TopicPartition } from "./assignors.ts";
import type { CommitOffset } from "./group-coordinator.ts";
import type { ConsumerGroup } from "./consumer-group.ts";
import type { DataPathHost, FetchedRecord } from "./consumer-data-path.ts";

/** What the parallel processor needs from the data path it belongs to. */
export interface ParallelDataPath {
  /** ProcessStart, then the handler (or processing.time); `end` runs when the record is done. */
  startRecord(r: FetchedRecord, end: (r: FetchedRecord) => void): void;
  /** ProcessEnd and the per-record bookkeeping of a finished record. */
  finishRecord(r: FetchedRecord): void;
  /** A fetch or a blocking commit is out. */
  busy(): boolean;
  commit(offsets: CommitOffset[], sync: boolean, then?: () => void): void;
}

/** One partition's records taken from polls: their offsets in order, which finished, and the next one to fetch. */
interface PartitionTrack {
  tp: TopicPartition;
  offsets: number[];
  head: number;
  done: Set<number>;
  next: number;
}

export class ParallelProcessing {
  private waiting: FetchedRecord[] = [];
  private running = 0;
  /** Records fetched and not finished (waiting + running): what maxInFlight bounds. */
  private inFlight = 0;
  private readonly busyLanes = new Set<string>();
  private readonly tracks = new Map<string, PartitionTrack>();
  /** The offset last committed (or sent) per partition, so the poll loop commits only what advanced. */
  private readonly sent = new Map<string, number>();
  private paused = false;
  /** Bumped by a crash or losing every partition: a record started before it finishes into nothing. */
  private epoch = 0;
  private readonly concurrency: number;
  private readonly maxInFlight: number;

  constructor(
    private readonly group: ConsumerGroup,
    private readonly host: DataPathHost,
    private readonly path: ParallelDataPath,
  ) {
    const p = group.spec.processing;
    this.concurrency = p.concurrency;
    this.maxInFlight = p.maxInFlight ?? 2 * p.concurrency;
  }

  private get nowUs(): number {
    return this.group.world.sim.nowUs;
  }

  /** consumer.pause is in force: poll() leaves every partition of this member out of its fetches. */
  isPaused(): boolean {
    return this.paused;
  }

  /** What poll() returned: track it, start what may start, pause at the limit, and poll again at once. */
  accept(records: FetchedRecord[]): void {
    for (const r of records) {
      const key = tpKey(r.tp);
      let t = this.tracks.get(key);
      if (t === undefined) {
        t = { tp: r.tp, offsets: [], head: 0, done: new Set(), next: r.offset };
        this.tracks.set(key, t);
      }
      t.offsets.push(r.offset);
      t.next = r.offset + 1;
      this.waiting.push(r);
      this.inFlight++;
    }
    this.dispatch();
    if (!this.paused && this.inFlight >= this.maxInFlight) {
      this.paused = true;
      this.group.world.history.record(Op.AppMemberPaused, this.nowUs, -1, this.host.actorId, -1, this.inFlight, this.group.actorId);
    }
    this.host.poll();
  }

  /** The lane a record runs in: two records of one lane never run at the same time (undefined: no constraint). */
  private lane(r: FetchedRecord): string | undefined {
    const ordering = this.group.spec.processing.ordering;
    if (ordering === "unordered") return undefined;
    if (ordering === "partition") return tpKey(r.tp);
    return `${tpKey(r.tp)}#${this.group.world.history.msgKey[r.msg]}`;
  }

  private dispatch(): void {
    for (let i = 0; i < this.waiting.length && this.running < this.concurrency; ) {
      const r = this.waiting[i];
      const lane = this.lane(r);
      if (lane !== undefined && this.busyLanes.has(lane)) {
        i++;
        continue;
      }
      this.waiting.splice(i, 1);
      this.running++;
      if (lane !== undefined) this.busyLanes.add(lane);
      const epoch = this.epoch;
      const track = this.tracks.get(tpKey(r.tp));
      this.path.startRecord(r, (done) => this.ended(done, epoch, lane, track));
    }
  }

  private ended(r: FetchedRecord, epoch: number, lane: string | undefined, track: PartitionTrack | undefined): void {
    if (epoch !== this.epoch) return;
    this.running--;
    this.inFlight--;
    if (lane !== undefined) this.busyLanes.delete(lane);
    this.path.finishRecord(r);
    // A partition revoked (and perhaps assigned again) while the record ran: it no longer counts for the new track.
    const t = this.tracks.get(tpKey(r.tp));
    if (t !== undefined && t === track) {
      t.done.add(r.offset);
      while (t.head < t.offsets.length && t.done.has(t.offsets[t.head])) t.done.delete(t.offsets[t.head++]);
      if (t.head > 1024 && t.head * 2 > t.offsets.length) {
        t.offsets = t.offsets.slice(t.head);
        t.head = 0;
      }
    }
    this.dispatch();
    if (this.paused && this.inFlight < this.maxInFlight) {
      this.paused = false;
      this.group.world.history.record(Op.AppMemberResumed, this.nowUs, -1, this.host.actorId, -1, this.inFlight, this.group.actorId);
      // consumer.resume: the next poll fetches again; do not wait out the idle poll.
      if (this.host.inPoll()) this.host.poll();
    }
  }

  /** Per owned partition: the lowest unfinished offset, or past the last record taken when all are done. */
  committable(): CommitOffset[] {
    const out: CommitOffset[] = [];
    for (const t of this.tracks.values()) out.push({ tp: t.tp, offset: t.head < t.offsets.length ? t.offsets[t.head] : t.next });
    return out;
  }

  /** From the poll loop: commit (after-processing modes) what advanced since the last commit. */
  commitIfAdvanced(): void {
    const mode = this.group.spec.commit.mode;
    if ((mode !== "sync-after-processing" && mode !== "async-after-processing") || this.path.busy()) return;
    const offsets = this.committable().filter((o) => o.offset > (this.sent.get(tpKey(o.tp)) ?? -1));
    if (offsets.length === 0) return;
    for (const o of offsets) this.sent.set(tpKey(o.tp), o.offset);
    if (mode === "async-after-processing") return this.path.commit(offsets, false);
    this.path.commit(offsets, true, () => {
      if (this.host.inPoll()) this.host.poll();
    });
  }

  /** A partition given up: its waiting records are dropped; those running finish but count for nobody. */
  forget(tp: TopicPartition): void {
    const key = tpKey(tp);
    this.tracks.delete(key);
    this.sent.delete(key);
    const before = this.waiting.length;
    this.waiting = this.waiting.filter((r) => tpKey(r.tp) !== key);
    this.inFlight -= before - this.waiting.length;
    // Below the limit again: resume (the poll loop that revoked the partition fetches next).
    if (this.paused && this.inFlight < this.maxInFlight) {
      this.paused = false;
      this.group.world.history.record(Op.AppMemberResumed, this.nowUs, -1, this.host.actorId, -1, this.inFlight, this.group.actorId);
    }
  }

  /** A crash or every partition lost: nothing in flight any more, not paused. */
  reset(): void {
    this.epoch++;
    this.waiting = [];
    this.running = 0;
    this.inFlight = 0;
    this.busyLanes.clear();
    this.tracks.clear();
    this.sent.clear();
    if (this.paused) {
      this.paused = false;
      this.group.world.history.record(Op.AppMemberResumed, this.nowUs, -1, this.host.actorId, -1, 0, this.group.actorId);
    }
  }
}

/** Per member of a group that paused at its in-flight limit: pauses and the time paused (to `endUs` if still paused). */
export function memberPauseStats(h: History, groupActor: number, endUs: number): { member: string; pauses: number; pausedUs: number }[] {
  const stats = new Map<number, { member: string; pauses: number; pausedUs: number; since: number }>();
  for (let i = 0; i < h.opCount; i++) {
    const k = h.opKind[i];
    if ((k !== Op.AppMemberPaused && k !== Op.AppMemberResumed) || h.opAux[i] !== groupActor) continue;
    const a = h.opActor[i];
    let s = stats.get(a);
    if (s === undefined) stats.set(a, (s = { member: h.actorNames[a], pauses: 0, pausedUs: 0, since: -1 }));
    if (k === Op.AppMemberPaused) {
      s.pauses++;
      s.since = h.opTimeUs[i];
    } else if (s.since >= 0) {
      s.pausedUs += h.opTimeUs[i] - s.since;
      s.since = -1;
    }
  }
  return [...stats.values()].map((s) => ({ member: s.member, pauses: s.pauses, pausedUs: s.pausedUs + (s.since >= 0 ? endUs - s.since : 0) }));
}
