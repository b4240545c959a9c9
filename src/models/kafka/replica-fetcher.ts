// A follower broker's fetcher thread for one leader broker: one fetch request at a time covering every
// partition this broker follows on that leader (so replication costs events per round trip, not per record).
// A fetch carries each partition's fetch offset (= the follower's LEO, which is how the leader learns it) and
// leader epoch. After a leader-epoch change the first answer says where to truncate. Errors back off for
// replica.fetch.backoff; a fetch lost to a partition times out after replica.socket.timeout.
import { Op } from "../../history/history.ts";
import type { World } from "../../runner/world.ts";
import type { LogChunk } from "./partition-log.ts";
import type { Replica } from "./replica.ts";
import type { Broker } from "./broker.ts";

/**
 * One fetch for every partition the follower fetches from this leader, as parallel columns (one entry per
 * partition, in the fetcher's order): a fetch goes out on every answer, so objects per partition were most of
 * the replication's garbage.
 */
export interface FetchRequest {
  fetcher: ReplicaFetcher;
  seq: number;
  follower: number;
  followerName: string;
  replicas: Replica[];
  /** The follower's LEO per partition. */
  fetchOffsets: number[];
  leaderEpochs: number[];
  /** The follower must first learn where to truncate (after a leader-epoch change). */
  truncate: boolean[];
}

/** The answer, entry by entry for the request's partitions (`replicas` and `leaderEpochs` are the request's). */
export interface FetchResponse {
  fetcher: ReplicaFetcher;
  seq: number;
  replicas: Replica[];
  leaderEpochs: number[];
  /** The leader's high watermark, or ANSWER_ERROR (not the leader, or another epoch). */
  hw: number[];
  /** Where the follower must truncate its log, or NO_TRUNCATION. */
  truncateTo: number[];
  chunks: (LogChunk | undefined)[];
}

export const ANSWER_ERROR = -1;
export const NO_TRUNCATION = -1;

export class ReplicaFetcher {
  private readonly replicas = new Set<Replica>();
  private inFlight = false;
  private seq = 0;
  private timer = 0;
  private backoffTimer = 0;
  private readonly kinds: { timeout: number; backoff: number };

  constructor(
    private readonly broker: Broker,
    readonly leader: number,
    private readonly world: World,
  ) {
    this.kinds = { timeout: world.sim.registerKind("fetcher.timeout"), backoff: world.sim.registerKind("fetcher.backoff") };
  }

  add(r: Replica): void {
    this.replicas.add(r);
    this.kick();
  }

  remove(r: Replica): void {
    this.replicas.delete(r);
  }

  private kick(): void {
    if (this.inFlight || this.backoffTimer !== 0 || this.replicas.size === 0 || !this.broker.alive) return;
    const leader = this.broker.cluster.brokers[this.leader];
    if (!leader.alive) {
      // Connection refused: try again after the backoff.
      this.backOff();
      return;
    }
    const replicas: Replica[] = [];
    const fetchOffsets: number[] = [];
    const leaderEpochs: number[] = [];
    const truncate: boolean[] = [];
    for (const r of this.replicas) {
      replicas.push(r);
      fetchOffsets.push(r.log.logEndOffset);
      leaderEpochs.push(r.leaderEpoch);
      truncate.push(r.needsTruncation);
    }
    this.inFlight = true;
    const req: FetchRequest = { fetcher: this, seq: ++this.seq, follower: this.broker.id, followerName: this.broker.name, replicas, fetchOffsets, leaderEpochs, truncate };
    this.world.net.send(this.broker.name, leader.name, leader.onFetchRequest, req, this.broker.id);
    const cfg = this.broker.cluster.config;
    this.timer = this.world.sim.after(cfg.replicaSocketTimeoutUs + cfg.replicaFetchWaitMaxUs, this.timedOut, req.seq, this.kinds.timeout, this.broker.id);
  }

  private readonly timedOut = (seq: number): void => {
    if (seq !== this.seq || !this.inFlight) return;
    this.inFlight = false;
    this.backOff();
  };

  private backOff(): void {
    if (this.backoffTimer !== 0) return;
    this.backoffTimer = this.world.sim.after(this.broker.cluster.config.replicaFetchBackoffUs, this.backoffDone, undefined, this.kinds.backoff, this.broker.id);
  }

  private readonly backoffDone = (): void => {
    this.backoffTimer = 0;
    this.kick();
  };

  readonly onResponse = (resp: FetchResponse): void => {
    if (resp.seq !== this.seq || !this.inFlight || !this.broker.alive) return;
    this.inFlight = false;
    this.world.sim.cancel(this.timer);
    const h = this.world.history;
    let errors = false;
    for (let i = 0; i < resp.replicas.length; i++) {
      const r = resp.replicas[i];
      // The answer is stale if we moved on to another leader or epoch meanwhile.
      if (!this.replicas.has(r) || r.leaderEpoch !== resp.leaderEpochs[i]) continue;
      const hw = resp.hw[i];
      if (hw === ANSWER_ERROR) {
        errors = true;
        continue;
      }
      const truncateTo = resp.truncateTo[i];
      const removed = r.applyFetch(truncateTo === NO_TRUNCATION ? undefined : truncateTo, resp.chunks[i], hw);
      if (removed > 0) {
        h.record(Op.Truncate, this.world.sim.nowUs, removed, this.broker.actorId, r.partition.partition, r.log.logEndOffset, r.partition.topicActor);
      }
    }
    if (errors) this.backOff();
    else this.kick();
  };

  /** The leader's connection reset (it crashed): the fetch in flight is gone. */
  connectionLost(): void {
    if (!this.inFlight) return;
    this.inFlight = false;
    this.seq++;
    this.world.sim.cancel(this.timer);
    this.backOff();
  }

  stop(): void {
    this.seq++;
    this.inFlight = false;
    this.world.sim.cancel(this.timer);
    this.world.sim.cancel(this.backoffTimer);
    this.backoffTimer = 0;
    this.replicas.clear();
  }
}
