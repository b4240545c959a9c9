// Links between nodes (clients and brokers). Each directed link has its own latency stream, forked from the
// run's seed by the link's name, and behaves like a TCP connection: messages on one link arrive in the order
// they were sent, even when a later one drew a shorter latency (it waits behind the earlier one).
import type { Simulation } from "../kernel/sim.ts";
import type { Rng } from "../kernel/rng.ts";
import { makeSampler, type DistributionSpec } from "../kernel/distributions.ts";

interface Link {
  sample: () => number;
  lastArrivalUs: number;
}

export class Network {
  private readonly links = new Map<string, Link>();
  private readonly kind: number;

  constructor(
    private readonly sim: Simulation,
    private readonly rng: Rng,
    private readonly latency: DistributionSpec,
  ) {
    this.kind = sim.registerKind("net.deliver");
  }

  private link(from: string, to: string): Link {
    const name = `${from}->${to}`;
    let link = this.links.get(name);
    if (!link) {
      link = { sample: makeSampler(this.latency, this.rng.fork(`net/${name}`)), lastArrivalUs: 0 };
      this.links.set(name, link);
    }
    return link;
  }

  /** When a message sent now from `from` to `to` arrives: a latency draw, floored at 0, never before the previous one. */
  arrivalUs(from: string, to: string): number {
    const link = this.link(from, to);
    const delay = Math.max(0, Math.round(link.sample()));
    const at = Math.max(this.sim.nowUs + delay, link.lastArrivalUs);
    link.lastArrivalUs = at;
    return at;
  }

  /** Delivers `arg` to `fn` at the far end of the link. `id` identifies the payload in the run fingerprint. */
  send<T>(from: string, to: string, fn: (arg: T) => void, arg: T, id = 0): void {
    this.sim.at(this.arrivalUs(from, to), fn as (a: unknown) => void, arg, this.kind, id);
  }
}
