// A client's cached topic metadata: how many partitions it believes each topic has. Kafka clients fetch
// metadata at start-up and then at least every metadata.max.age.ms (default 5 min); an InvalidMetadataException
// (NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION, ...) also asks for an early refresh (`requestUpdate`).
// Adding partitions raises no error on the existing ones, so a client learns of new partitions only at its
// next periodic refresh: until then a producer keeps hashing keys over the old count and a group leader keeps
// assigning the old partitions.
//
// Timers run only when the scenario can add partitions at all; otherwise the counts cannot change and a run is
// exactly what it was without this model.
import { Op } from "../../history/history.ts";
import type { World } from "../../runner/world.ts";

/** Whether any timed event in the scenario adds partitions (the only way a partition count changes). */
export function partitionsCanGrow(world: World): boolean {
  return world.scenario?.faults?.some((f) => "addPartitions" in f) ?? false;
}

export interface PartitionCounts {
  partitionCount(topic: string): number;
}

export class ClientMetadata {
  private readonly known = new Map<string, number>();
  private timer = 0;
  private kind = -1;
  private generation = 0;

  constructor(
    private readonly world: World,
    private readonly actorId: number,
    private readonly topics: readonly string[],
    private readonly cluster: PartitionCounts,
    private readonly maxAgeUs: number,
    /** Called for each topic whose partition count changed at a refresh, after the cache holds the new count. */
    private readonly onChange: (topic: string, count: number, before: number) => void,
    /** The client's own timers (a consumer's stop at a crash and wait out a pause); default: plain sim timers. */
    private readonly clientTimer?: (delayUs: number, fn: () => void) => number,
  ) {
    for (const t of topics) this.known.set(t, cluster.partitionCount(t));
  }

  partitionCount(topic: string): number {
    return this.known.get(topic) ?? this.cluster.partitionCount(topic);
  }

  /** The client (re)started: it fetches metadata now and then every metadata.max.age. */
  start(): void {
    this.stop();
    this.refresh();
    if (!partitionsCanGrow(this.world)) return;
    if (this.kind < 0) this.kind = this.world.sim.registerKind("client.metadata-refresh");
    this.schedule();
  }

  stop(): void {
    if (this.timer && !this.clientTimer) this.world.sim.cancel(this.timer);
    this.timer = 0;
    this.generation++;
  }

  /** An error that invalidates metadata: refresh at once (and restart the max-age clock). */
  requestUpdate(): void {
    if (this.timer === 0 && this.kind < 0) return this.refresh();
    this.stop();
    this.refresh();
    if (this.kind >= 0) this.schedule();
  }

  private schedule(): void {
    const generation = this.generation;
    if (this.clientTimer) this.timer = this.clientTimer(this.maxAgeUs, () => this.tick(generation));
    else this.timer = this.world.sim.after(this.maxAgeUs, this.tick, generation, this.kind, this.actorId);
  }

  private readonly tick = (generation: number): void => {
    if (generation !== this.generation) return;
    this.timer = 0;
    this.refresh();
    this.schedule();
  };

  private refresh(): void {
    const now = this.world.sim.nowUs;
    for (const t of this.topics) {
      const before = this.known.get(t) ?? 0;
      const count = this.cluster.partitionCount(t);
      if (count === before) continue;
      this.known.set(t, count);
      const topicActor = this.world.history.actorId(t) ?? -1;
      this.world.history.record(Op.MetadataRefresh, now, -1, this.actorId, count, before, topicActor);
      this.onChange(t, count, before);
    }
  }
}
