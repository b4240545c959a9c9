// Things a fault can hit, by the name scenarios use ("broker-1", "billing-0", "checkout"). Models register
// their nodes here; the fault schedule and the random injectors look them up, so the fault layer never needs
// to know what kind of thing it is crashing.

export type FaultTargetKind = "broker" | "consumer" | "producer" | "queue-consumer" | "schema-registry" | "store";

export interface FaultTarget {
  readonly name: string;
  readonly kind: FaultTargetKind;
  /** Stops the node at once: in-flight work is abandoned, timers stop, the network drops what reaches it. */
  crash(opts: { loseUnflushed: boolean }): void;
  /** Brings a crashed node back (fresh process; durable state per the model). */
  restart(): void;
  /** Freezes the node for a while (a long GC pause): no progress, no heartbeats, then it carries on. */
  pause(durationUs: number): void;
}

export class FaultTargets {
  private readonly byName = new Map<string, FaultTarget>();

  register(target: FaultTarget): void {
    if (this.byName.has(target.name)) throw new Error(`fault target "${target.name}" registered twice`);
    this.byName.set(target.name, target);
  }

  get(name: string): FaultTarget | undefined {
    return this.byName.get(name);
  }

  /** Names in registration order (deterministic). */
  names(kind?: FaultTargetKind): string[] {
    return [...this.byName.values()].filter((t) => kind === undefined || t.kind === kind).map((t) => t.name);
  }
}
