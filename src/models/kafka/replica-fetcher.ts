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

export interface FetchEntry {
  replica: Replica;
  fetchOffset: number;
  leaderEpoch: number;
  truncate: boolean;
}

export interface FetchRequest {
  fetcher: ReplicaFetcher;
  seq: number;
  follower: number;
  followerName: string;
  entries: FetchEntry[];
}

export interface FetchAnswer {
  replica: Replica;
  leaderEpoch: number;
  error: boolean;
  truncateTo?: number;
  chunk?: LogChunk;
  hw: number;
}

export interface FetchResponse {
  fetcher: ReplicaFetcher;
  seq: number;
  answers: FetchAnswer[];
}

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
    const entries: FetchEntry[] = [];
    for (const r of this.replicas) {
      entries.push({ replica: r, fetchOffset: r.log.logEndOffset, leaderEpoch: r.leaderEpoch, truncate: r.needsTruncation });
    }
    this.inFlight = true;
    const req: FetchRequest = { fetcher: this, seq: ++this.seq, follower: this.broker.id, followerName: this.broker.name, entries };
    this.world.net.send(this.broker.name, leader.name, leader.handleFetch.bind(leader), req, this.broker.id);
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
    for (const a of resp.answers) {
      const r = a.replica;
      // The answer is stale if we moved on to another leader or epoch meanwhile.
      if (!this.replicas.has(r) || r.leaderEpoch !== a.leaderEpoch) continue;
      if (a.error) {
        errors = true;
        continue;
      }
      const removed = r.applyFetch(a.truncateTo, a.chunk, a.hw);
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
