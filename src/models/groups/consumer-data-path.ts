// The data path of one Kafka consumer: where it reads each owned partition from (positions, auto.offset.reset),
// the fetch to the partition leader, the hand-off of what poll() returned to the processing thread, and the
// offset commits that record progress at the coordinator. Group membership (which partitions are owned, when
// to rebalance) is the member's business (consumer.ts); this side only reads `owned` and asks the member to
// poll again, so it can be read without the group protocol in mind.
import { MAX_SAMPLE, makeSampler } from "../../kernel/distributions.ts";
import { Op } from "../../history/history.ts";
import type { Rng } from "../../kernel/rng.ts";
import { tpKey, type TopicPartition } from "./assignors.ts";
import { commitMsgFor, type CommitOffset } from "./group-coordinator.ts";
import type { ConsumerGroup } from "./consumer-group.ts";
import { parkFetch } from "./consumer-fetch.ts";
import { readCommittedInto } from "./read-committed.ts";
import { SKIPPED } from "../kafka/partition.ts";
import type { ReadProcessWrite } from "./read-process-write.ts";
import type { AppConsumer } from "../app/app-system.ts";
import { ParallelProcessing } from "./parallel-processing.ts";
import { withDecodeFailures } from "../../schema/undecodable.ts";

export interface FetchedRecord {
  tp: TopicPartition;
  offset: number;
  msg: number;
}

interface FetchRequest {
  inc: number;
  seq: number;
  tps: TopicPartition[];
  leader: string;
}

interface FetchResponse {
  seq: number;
  records: FetchedRecord[];
}

/** What the data path needs from the member it belongs to (the member's process timers and its poll loop). */
export interface DataPathHost {
  readonly name: string;
  readonly actorId: number;
  owned(): readonly TopicPartition[];
  /** The process's current incarnation: a fetch sent by an earlier one is not served. */
  incarnation(): number;
  /** A timer of the member process (dropped by a crash, held by a pause). */
  after<T>(delayUs: number, fn: (arg: T) => void, arg: T, kind?: number): number;
  /** A network answer handler of the member process. */
  deliver<T>(fn: (r: T) => void): (r: T) => void;
  inPoll(): boolean;
  poll(): void;
  /** poll() returned records: the user thread leaves the poll loop to process them. */
  pollReturned(): void;
  /** Sends an OffsetCommit under the member's current id and generation; false when no coordinator is known. */
  sendCommit(offsets: CommitOffset[], sync: boolean): boolean;
  crash(): void;
}

/**
 * What a stream processor (src/streams/) does with each record its member processes: `before` returns extra
 * time the record waits first (a task restoring its state store), `after` applies the record when processing ends.
 */
export interface RecordProcessingHook {
  before(host: DataPathHost, r: FetchedRecord): number;
  after(host: DataPathHost, r: FetchedRecord, eos?: ReadProcessWrite): void;
  /** Exactly-once: the hook sends its outputs through the member's transactional producer itself. */
  readonly writesOwnOutputs?: boolean;
  /** Exactly-once: the member's transaction aborted and it rewound to the committed offsets. */
  aborted?(host: DataPathHost): void;
  /** Exactly-once: commit the transaction at most this often (commit.interval.ms) instead of after every batch. */
  readonly commitIntervalUs?: number;
}

/** Whether `tp` is among `owned` (by topic and partition, as tpKey compares them). */
function owns(owned: readonly TopicPartition[], tp: TopicPartition): boolean {
  for (let i = 0; i < owned.length; i++) if (owned[i].partition === tp.partition && owned[i].topic === tp.topic) return true;
  return false;
}

export class ConsumerDataPath {
  private readonly positions = new Map<string, number>();
  /** Next offset to commit per partition: lastProcessed + 1. */
  private readonly processed = new Map<string, CommitOffset>();
  private queue: FetchedRecord[] = [];
  private working = false;
  private nextAutoCommitUs = 0;
  /** The continuation of the blocking (commitSync) commit in flight. */
  private awaitingCommit: (() => void) | undefined;
  /** The fetch in flight (0: none); a response or timeout for another number is stale. */
  private fetchSeq = 0;
  private fetchInFlight = 0;
  /** The request timeout of the fetch in flight; cancelled when its answer comes (0: none). */
  private fetchTimer = 0;
  private nextPartition = 0;
  private readonly processSample: () => number;
  /** isolation.level=read_committed: fetches stop at the last stable offset and pass over aborted records. */
  private readonly readCommitted: boolean;
  /** Exactly-once read-process-write (the group's `transactional`): set by the member. */
  eos: ReadProcessWrite | undefined;
  private readonly k: { process: number; fetch: number };
  /** The group's `handler:` steps and error handling; undefined keeps the plain `processing.time` path. */
  private readonly app: AppConsumer | undefined;
  /** processing.concurrency > 1: records run in parallel behind the poll loop (parallel-processing.ts). */
  private readonly parallel: ParallelProcessing | undefined;
  /** processing.batch: one sampled time for each poll's records together. */
  private readonly batchSample: (() => number) | undefined;

  constructor(
    private readonly group: ConsumerGroup,
    rng: Rng,
    private readonly host: DataPathHost,
  ) {
    this.processSample = makeSampler(group.spec.processing.time, rng);
    this.readCommitted = group.spec.isolationLevel === "read_committed";
    const sim = group.world.sim;
    this.k = {
      process: sim.registerKind("consumer.process-end"),
      fetch: sim.registerKind("consumer.fetch-timeout"),
    };
    this.app = withDecodeFailures(group.world.app?.forMember(group.spec, host, group.actorId, group.kafka), () => group.world.schemas?.deserializerFor(group.spec.name));
    this.parallel = group.spec.processing.concurrency > 1 ? new ParallelProcessing(group, host, this) : undefined;
    const batch = group.spec.processing.batch;
    this.batchSample = batch === undefined ? undefined : makeSampler(batch.time, rng.fork("batch"));
  }

  private get h() {
    return this.group.world.history;
  }
  private get spec() {
    return this.group.spec;
  }
  private get nowUs(): number {
    return this.group.world.sim.nowUs;
  }

  start(): void {
    this.nextAutoCommitUs = this.nowUs + this.spec.commit.interval;
  }

  /** A crash: whatever the fetch in flight returns is not for this process any more. */
  dropFetch(): void {
    this.fetchInFlight = 0;
    this.eos?.crash();
    this.app?.crashed?.();
  }

  /** A restart starts from nothing: positions come back from the coordinator's committed offsets. */
  reset(): void {
    this.positions.clear();
    this.processed.clear();
    this.queue = [];
    this.working = false;
    this.awaitingCommit = undefined;
    this.fetchInFlight = 0;
    this.parallel?.reset();
    this.eos?.restart();
  }

  /** One poll chain at a time: while a fetch or a blocking commit is out, its answer resumes the poll loop. */
  busy(): boolean {
    return this.fetchInFlight !== 0 || this.awaitingCommit !== undefined;
  }

  awaitingSyncCommit(): boolean {
    return this.awaitingCommit !== undefined;
  }

  // ---------- positions ----------

  /** A newly owned partition starts at its committed offset, else where auto.offset.reset says. */
  assigned(tp: TopicPartition, topicActor: number): void {
    const committed = this.group.coordinator.committed.get(tpKey(tp));
    if (committed !== undefined) {
      this.positions.set(tpKey(tp), committed);
      this.h.record(Op.FetchPosition, this.nowUs, commitMsgFor(topicActor), this.host.actorId, tp.partition, committed, this.group.actorId);
    } else this.resetPosition(tp);
  }

  /** A partition given up: its position and processed offset go with it. */
  forget(tp: TopicPartition): void {
    this.positions.delete(tpKey(tp));
    this.processed.delete(tpKey(tp));
    this.parallel?.forget(tp);
  }

  /** Partitions lost: records fetched but not yet processed are dropped. */
  dropQueue(): void {
    this.queue = [];
    this.parallel?.reset();
  }

  /** Backpressure (processing.maxInFlight): the member has paused its partitions. */
  backpressurePaused(): boolean {
    return this.parallel?.isPaused() ?? false;
  }

  /** auto.offset.reset: no committed offset, or the position (`outOfRange`) fell off the log. */
  private resetPosition(tp: TopicPartition, outOfRange?: number): boolean {
    const topicActor = this.h.actorId(tp.topic) ?? -1;
    const now = this.nowUs;
    const policy = this.spec.autoOffsetReset;
    if (outOfRange !== undefined) this.h.record(Op.OffsetOutOfRange, now, commitMsgFor(topicActor), this.host.actorId, tp.partition, outOfRange, this.group.actorId);
    if (policy === "none") {
      this.h.record(Op.OffsetResetFailed, now, commitMsgFor(topicActor), this.host.actorId, tp.partition, outOfRange ?? -1, this.group.actorId);
      // NoOffsetForPartitionException escapes poll(): the application stops.
      this.host.crash();
      return false;
    }
    const p = this.group.partition(tp);
    // ListOffsets: latest = the high watermark (the LSO under read_committed), earliest = the log start offset (past what retention deleted).
    const position = policy === "latest" ? (this.readCommitted ? p.lastStableOffset : p.highWatermark) : p.log.logStartOffset;
    this.positions.set(tpKey(tp), position);
    this.h.record(Op.OffsetReset, now, commitMsgFor(topicActor), this.host.actorId, tp.partition, position, this.group.actorId);
    return true;
  }

  /** The positions (what has been consumed) of the owned partitions: what auto-commit saves. */
  positionOffsets(): CommitOffset[] {
    return this.host
      .owned()
      .filter((tp) => this.positions.has(tpKey(tp)))
      .map((tp) => ({ tp, offset: this.positions.get(tpKey(tp))! }));
  }

  /** What processing finished: what the after-processing commit modes save. */
  processedOffsets(): CommitOffset[] {
    if (this.parallel) return this.parallel.committable();
    return [...this.processed.values()];
  }

  /**
   * exactly_once_v2 with a commit interval: a transaction left open is committed before partitions are given
   * up (Kafka Streams commits its tasks on revocation), so the next owner restores and resumes from it.
   */
  commitOpenTransaction(): void {
    if (this.eos?.hasUncommitted()) this.eos.commitBatch(this.processedOffsets(), () => undefined, () => this.rewind());
  }

  /** What the rebalance-listener commit saves before giving these partitions up (consumed or processed). */
  revocationOffsets(tps: TopicPartition[]): CommitOffset[] {
    // Exactly-once members commit offsets only inside their transactions.
    if (this.spec.transactional) return [];
    const keys = new Set(tps.map(tpKey));
    return (this.spec.commit.mode === "auto" ? this.positionOffsets() : this.processedOffsets()).filter((o) => keys.has(tpKey(o.tp)));
  }

  // ---------- fetch ----------

  fetch(tps: TopicPartition[]): void {
    const name = this.host.name;
    const leader = this.group.leaderNameFor(name, tps[0]);
    const seq = ++this.fetchSeq;
    this.fetchInFlight = seq;
    this.group.world.net.send(name, leader, this.onFetchAtBroker, { inc: this.host.incarnation(), seq, tps, leader }, this.host.actorId);
    // request.timeout.ms (30 s by default): a fetch to a broker that died is given up and retried.
    this.fetchTimer = this.host.after(this.spec.fetchMaxWait + this.spec.requestTimeout, this.fetchTimeout, seq, this.k.fetch);
  }

  private readonly fetchTimeout = (seq: number): void => {
    if (this.fetchInFlight !== seq) return;
    this.fetchInFlight = 0;
    this.host.poll();
  };

  private readAvailable(tps: TopicPartition[]): FetchedRecord[] {
    const out: FetchedRecord[] = [];
    const max = this.spec.maxPollRecords;
    const n = tps.length;
    for (let i = 0; i < n && out.length < max; i++) {
      const tp = tps[(this.nextPartition + i) % n];
      const key = tpKey(tp);
      let offset = this.positions.get(key);
      if (offset === undefined) continue;
      const p = this.group.partition(tp);
      if (p.isOutOfRange?.(offset)) {
        if (!this.resetPosition(tp, offset)) return [];
        offset = this.positions.get(key)!;
      }
      if (this.readCommitted) {
        offset = readCommittedInto(p, tp, offset, max, out);
        continue;
      }
      while (offset < p.highWatermark && out.length < max) {
        const msg = p.readUncommitted(offset);
        if (msg === -1) break;
        out.push({ tp, offset, msg });
        offset++;
      }
    }
    this.nextPartition = (this.nextPartition + 1) % Math.max(1, n);
    return out;
  }

  private readonly onFetchAtBroker = (req: FetchRequest): void => {
    if (req.inc !== this.host.incarnation()) return;
    // Most fetches find records at once: answer without building the long poll's closures.
    const records = this.readAvailable(req.tps);
    if (records.length > 0) return this.respond(req, records);
    parkFetch(
      this.group.world.sim,
      req.tps.map((tp) => this.group.partition(tp)),
      () => this.readAvailable(req.tps),
      this.spec.fetchMaxWait,
      this.k.fetch,
      this.host.actorId,
      (later) => this.respond(req, later),
    );
  };

  /** host.deliver(fetchResponse) for the incarnation that made it: one wrapper per incarnation, not one per answer. */
  private fetchResponseHandler: ((res: FetchResponse) => void) | undefined;
  private fetchResponseInc = -1;

  private respond(req: FetchRequest, records: FetchedRecord[]): void {
    const inc = this.host.incarnation();
    if (this.fetchResponseHandler === undefined || this.fetchResponseInc !== inc) {
      this.fetchResponseHandler = this.host.deliver(this.fetchResponse);
      this.fetchResponseInc = inc;
    }
    this.group.world.net.send(req.leader, this.host.name, this.fetchResponseHandler, { seq: req.seq, records }, this.host.actorId);
  }

  private readonly fetchResponse = (res: FetchResponse): void => {
    if (res.seq !== this.fetchInFlight) return;
    this.fetchInFlight = 0;
    // Answered: the timeout would only fire as a no-op, 30 s later, after a heap's worth of other timers.
    this.group.world.sim.cancel(this.fetchTimer);
    this.fetchTimer = 0;
    const now = this.nowUs;
    const out: FetchedRecord[] = [];
    const values = this.group.world.schemas?.deserializerFor(this.spec.name);
    const inc = this.host.incarnation();
    // Data for partitions revoked or repositioned while the fetch was out is dropped, as the client does.
    for (const r of res.records) {
      const key = tpKey(r.tp);
      if (this.positions.get(key) !== r.offset) continue;
      // A control marker or an aborted record (read_committed): the position moves past it, nothing is returned.
      if (r.msg === SKIPPED) {
        this.positions.set(key, r.offset + 1);
        continue;
      }
      // Schema registry (src/schema): an undecodable record is skipped (1) or stops the poll at it (2).
      const verdict = values === undefined ? 0 : values.deserialize(this.host, r.msg, out.length);
      if (verdict === 2) break;
      this.positions.set(key, r.offset + 1);
      if (verdict === 1) continue;
      this.h.record(Op.Deliver, now, r.msg, this.host.actorId, r.tp.partition, r.offset, this.group.actorId);
      out.push(r);
    }
    if (this.host.incarnation() !== inc) return;
    if (out.length === 0) return this.host.poll();
    this.host.pollReturned();
    if (this.spec.commit.mode === "before-processing") {
      // At-most-once: commit what poll returned, then process.
      const offsets = this.host
        .owned()
        .filter((tp) => out.some((r) => tpKey(r.tp) === tpKey(tp)))
        .map((tp) => ({ tp, offset: this.positions.get(tpKey(tp))! }));
      return this.commit(offsets, true, () => this.handOff(out));
    }
    this.handOff(out);
  };

  private handOff(records: FetchedRecord[]): void {
    if (this.parallel) return this.parallel.accept(records);
    if (this.batchSample) return this.processBatch(records);
    this.queue.push(...records);
    if (!this.working) this.processNext();
    // An unbounded hand-off queue (the common pattern, and the common bug): the poll loop never waits for the worker.
    if (this.spec.processing.handoff === "async") this.host.poll();
  }

  // ---------- processing ----------

  private processNext(): void {
    this.working = true;
    this.startRecord(this.queue[0], this.processEnd);
  }

  /** processing.batch: every record of the poll starts together and ends together after one batch time. */
  private processBatch(records: FetchedRecord[]): void {
    this.working = true;
    this.queue = records;
    const now = this.nowUs;
    for (const r of records) this.h.record(Op.ProcessStart, now, r.msg, this.host.actorId, r.tp.partition, r.offset, this.group.actorId);
    const t = Math.max(0, Math.round(Math.min(this.batchSample!() * this.group.slowdownFactor(), MAX_SAMPLE)));
    this.host.after(t, this.batchEnd, records, this.k.process);
  }

  private readonly batchEnd = (records: FetchedRecord[]): void => {
    for (const r of records) {
      this.finishRecord(r);
      if (owns(this.host.owned(), r.tp)) this.processed.set(tpKey(r.tp), { tp: r.tp, offset: r.offset + 1 });
      this.eos?.onProcessed(r);
    }
    this.queue = [];
    this.working = false;
    this.batchDone();
  };

  /** ProcessStart, then the handler (or processing.time); `end` runs when the record is done. */
  startRecord(r: FetchedRecord, end: (r: FetchedRecord) => void): void {
    this.h.record(Op.ProcessStart, this.nowUs, r.msg, this.host.actorId, r.tp.partition, r.offset, this.group.actorId);
    if (this.app !== undefined) return this.app.process({ msg: r.msg, topic: r.tp.topic, partition: r.tp.partition, offset: r.offset }, () => end(r));
    const t = Math.max(0, Math.round(Math.min(this.processSample() * this.group.slowdownFactor(), MAX_SAMPLE))) + (this.group.recordHook?.before(this.host, r) ?? 0);
    this.host.after(t, end, r, this.k.process);
  }

  /** ProcessEnd and what every finished record feeds (stream processors, metrics). */
  finishRecord(r: FetchedRecord): void {
    const now = this.nowUs;
    this.h.record(Op.ProcessEnd, now, r.msg, this.host.actorId, r.tp.partition, r.offset, this.group.actorId);
    this.group.recordHook?.after(this.host, r, this.eos);
    this.group.world.metrics.onProcessed(now, now - this.h.msgCreatedUs[r.msg]);
  }

  private readonly processEnd = (r: FetchedRecord): void => {
    this.finishRecord(r);
    this.queue.shift();
    if (owns(this.host.owned(), r.tp)) this.processed.set(tpKey(r.tp), { tp: r.tp, offset: r.offset + 1 });
    this.eos?.onProcessed(r);
    if (this.queue.length > 0) return this.processNext();
    this.working = false;
    this.batchDone();
  };

  /** The continuation of a commitSync after a batch, made once (a batch ends every few records). */
  private readonly pollAgain = (): void => this.host.poll();

  private batchDone(): void {
    if (this.eos && !this.eos.commitDue()) return this.host.poll();
    if (this.eos) return this.eos.commitBatch(this.processedOffsets(), () => this.host.poll(), () => this.rewind());
    const mode = this.spec.commit.mode;
    const async = this.spec.processing.handoff === "async";
    const offsets = this.processedOffsets();
    if (mode === "sync-after-processing" && offsets.length > 0) return this.commit(offsets, true, async ? undefined : this.pollAgain);
    if (mode === "async-after-processing" && offsets.length > 0) this.commit(offsets, false);
    if (!async || !this.host.inPoll()) this.host.poll();
  }

  /** The read-process-write transaction aborted: back to the committed offsets, forget what was processed. */
  private rewind(): void {
    this.processed.clear();
    this.group.recordHook?.aborted?.(this.host);
    for (const tp of this.host.owned()) {
      const committed = this.group.coordinator.committed.get(tpKey(tp));
      if (committed !== undefined) this.positions.set(tpKey(tp), committed);
    }
  }

  // ---------- commits ----------

  /** auto.commit.interval: the poll loop commits the positions when the interval has passed. */
  autoCommitIfDue(): void {
    const now = this.nowUs;
    if (this.spec.commit.mode === "auto" && now >= this.nextAutoCommitUs) {
      this.nextAutoCommitUs = now + this.spec.commit.interval;
      this.commit(this.positionOffsets(), false);
    }
    this.parallel?.commitIfAdvanced();
    // Exactly-once with a commit interval: the poll loop commits a transaction left open once the interval passed.
    if (this.eos?.idleCommitDue() && !this.working) this.eos.commitBatch(this.processedOffsets(), () => undefined, () => this.rewind());
  }

  /** commitSync (`sync`: `then` runs once answered) or commitAsync; nothing to commit runs `then` at once. */
  commit(offsets: CommitOffset[], sync: boolean, then?: () => void): void {
    if (offsets.length === 0) {
      then?.();
      return;
    }
    if (sync) this.awaitingCommit = then ?? (() => undefined);
    if (!this.host.sendCommit(offsets, sync)) {
      // No coordinator: an async commit is simply lost; a sync commit retries after retry.backoff.
      if (sync) this.host.after(100_000, () => this.commit(offsets, true, then), undefined);
    }
  }

  /** The blocking commit was answered (whatever the error): the user thread carries on. */
  syncCommitAnswered(): void {
    const then = this.awaitingCommit;
    this.awaitingCommit = undefined;
    then?.();
  }
}
