// Links between nodes (clients, brokers, the controller). Each directed link has its own latency stream,
// forked from the run's seed by the link's name, and behaves like a TCP connection: messages on one link
// arrive in the order they were sent, even when a later one drew a shorter latency.
//
// Faults are a rule pipeline applied per message (as in turmoil): a blocked link (partition) drops it; loss
// drops it with a probability; duplication delivers it twice; a latency spike adds delay. A crashed node
// drops everything that reaches it, including what was sent before it restarted (the connection is gone).
// A paused node (long GC) neither sends nor receives until the pause ends; its traffic waits, in order.
import type { Simulation } from "../kernel/sim.ts";
import type { Rng } from "../kernel/rng.ts";
import { makeSampler, type DistributionSpec } from "../kernel/distributions.ts";

interface Link {
  sample: () => number;
  lastArrivalUs: number;
}

/** A network fault in force. `applies(from, to)` selects the links it acts on. */
export interface LinkRule {
  readonly id: number;
  applies(from: string, to: string): boolean;
  /** Drop every message (a partition). */
  block?: boolean;
  loss?: number;
  duplicate?: number;
  extraLatencyUs?: number;
}

interface Packet {
  fn: (a: unknown) => void;
  arg: unknown;
  to: string;
  incarnation: number;
}

export class Network {
  /**
   * By sender, then receiver: node names are the same string objects every time, so their hashes are cached;
   * a `${from}->${to}` key was built and hashed afresh for every message.
   */
  private readonly links = new Map<string, Map<string, Link>>();
  private readonly kind: number;
  private readonly rules: LinkRule[] = [];
  private readonly down = new Set<string>();
  private readonly incarnations = new Map<string, number>();
  private readonly pausedUntil = new Map<string, number>();
  private readonly faultRng: Rng;
  /** Messages dropped by faults or dead nodes, for tests and the report. */
  dropped = 0;

  constructor(
    private readonly sim: Simulation,
    private readonly rng: Rng,
    private readonly latency: DistributionSpec,
  ) {
    this.kind = sim.registerKind("net.deliver");
    this.faultRng = rng.fork("net/faults");
  }

  private link(from: string, to: string): Link {
    let out = this.links.get(from);
    if (!out) this.links.set(from, (out = new Map()));
    let link = out.get(to);
    if (!link) {
      link = { sample: makeSampler(this.latency, this.rng.fork(`net/${from}->${to}`)), lastArrivalUs: 0 };
      out.set(to, link);
    }
    return link;
  }

  /** When a message sent now from `from` to `to` arrives: a latency draw, floored at 0, never before the previous one. */
  arrivalUs(from: string, to: string, extraUs = 0): number {
    const link = this.link(from, to);
    const delay = Math.max(0, Math.round(link.sample())) + extraUs;
    let at = Math.max(this.sim.nowUs + delay, link.lastArrivalUs);
    if (this.pausedUntil.size > 0) {
      const p = Math.max(this.pausedUntil.get(from) ?? 0, this.pausedUntil.get(to) ?? 0);
      if (p > at) at = p;
    }
    link.lastArrivalUs = at;
    return at;
  }

  /** Delivers `arg` to `fn` at the far end of the link, unless a fault or a dead node eats it. */
  send<T>(from: string, to: string, fn: (arg: T) => void, arg: T, id = 0): void {
    if (this.down.has(from) || this.down.has(to)) {
      this.dropped++;
      return;
    }
    let copies = 1;
    let extra = 0;
    for (const r of this.rules) {
      if (!r.applies(from, to)) continue;
      if (r.block || (r.loss !== undefined && this.faultRng.bernoulli(r.loss))) {
        this.dropped++;
        return;
      }
      if (r.duplicate !== undefined && this.faultRng.bernoulli(r.duplicate)) copies = 2;
      if (r.extraLatencyUs !== undefined) extra += r.extraLatencyUs;
    }
    const packet: Packet = { fn: fn as (a: unknown) => void, arg, to, incarnation: this.incarnations.get(to) ?? 0 };
    for (let c = 0; c < copies; c++) this.sim.at(this.arrivalUs(from, to, extra), this.deliver, packet, this.kind, id);
  }

  private readonly deliver = (p: Packet): void => {
    if (this.down.has(p.to) || (this.incarnations.get(p.to) ?? 0) !== p.incarnation) {
      this.dropped++;
      return;
    }
    p.fn(p.arg);
  };

  /** False when a message from `from` would certainly not reach `to` now (dead node or a partition). */
  canReach(from: string, to: string): boolean {
    if (this.down.has(from) || this.down.has(to)) return false;
    for (const r of this.rules) if (r.block && r.applies(from, to)) return false;
    return true;
  }

  /** A crash: the node and its connections are gone until `setUp`. */
  setDown(node: string): void {
    this.down.add(node);
    this.incarnations.set(node, (this.incarnations.get(node) ?? 0) + 1);
  }

  setUp(node: string): void {
    this.down.delete(node);
  }

  isDown(node: string): boolean {
    return this.down.has(node);
  }

  /** Holds the node's traffic, both ways, until `untilUs`. */
  pause(node: string, untilUs: number): void {
    this.pausedUntil.set(node, Math.max(untilUs, this.pausedUntil.get(node) ?? 0));
  }

  isPaused(node: string): boolean {
    return (this.pausedUntil.get(node) ?? 0) > this.sim.nowUs;
  }

  addRule(rule: LinkRule): void {
    this.rules.push(rule);
  }

  removeRule(id: number): void {
    const i = this.rules.findIndex((r) => r.id === id);
    if (i >= 0) this.rules.splice(i, 1);
  }
}
