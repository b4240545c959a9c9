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

const noHandler = (): void => {};

/** What the network knows of one node: alive, which connection incarnation, paused until when. */
interface NodeState {
  down: boolean;
  incarnation: number;
  pausedUntilUs: number;
  /** Outgoing links by receiver: node names are the same string objects every time, so their hashes are cached. */
  readonly links: Map<string, Link>;
}

interface Link {
  readonly fromName: string;
  readonly toName: string;
  readonly from: NodeState;
  readonly to: NodeState;
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

/** A link as send() sees it; opaque to its users. */
export interface Route {
  readonly fromName: string;
  readonly toName: string;
}

export class Network {
  private readonly nodes = new Map<string, NodeState>();
  private readonly kind: number;
  private readonly rules: LinkRule[] = [];
  private readonly faultRng: Rng;
  // Messages in flight, in columns by slot; the slot number is the delivery event's argument, which the kernel
  // stores as an integer. A packet object per message was most of the allocation on a queue's message path.
  private readonly packetFn: ((a: unknown) => void)[] = [];
  private readonly packetArg: unknown[] = [];
  private readonly packetTo: NodeState[] = [];
  private readonly packetIncarnation: number[] = [];
  /** Free packet slots, chained through packetIncarnation; -1: none. */
  private freePacket = -1;
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

  private node(name: string): NodeState {
    let n = this.nodes.get(name);
    if (n === undefined) {
      n = { down: false, incarnation: 0, pausedUntilUs: 0, links: new Map() };
      this.nodes.set(name, n);
    }
    return n;
  }

  private link(from: string, to: string): Link {
    const sender = this.node(from);
    let link = sender.links.get(to);
    if (link === undefined) {
      // The latency stream is forked by name, so when a link is first used does not change its draws.
      link = { fromName: from, toName: to, from: sender, to: this.node(to), sample: makeSampler(this.latency, this.rng.fork(`net/${from}->${to}`)), lastArrivalUs: 0 };
      sender.links.set(to, link);
    }
    return link;
  }

  /** When a message sent now from `from` to `to` arrives: a latency draw, floored at 0, never before the previous one. */
  arrivalUs(from: string, to: string, extraUs = 0): number {
    return this.linkArrivalUs(this.link(from, to), extraUs);
  }

  private linkArrivalUs(link: Link, extraUs: number): number {
    const delay = Math.max(0, Math.round(link.sample())) + extraUs;
    let at = Math.max(this.sim.nowUs + delay, link.lastArrivalUs);
    const p = Math.max(link.from.pausedUntilUs, link.to.pausedUntilUs);
    if (p > at) at = p;
    link.lastArrivalUs = at;
    return at;
  }

  /** Delivers `arg` to `fn` at the far end of the link, unless a fault or a dead node eats it. */
  send<T>(from: string, to: string, fn: (arg: T) => void, arg: T, id = 0): void {
    this.sendOn(this.link(from, to), fn, arg, id);
  }

  /** The link from `from` to `to`, for a client that sends on it often (see sendOn). */
  route(from: string, to: string): Route {
    return this.link(from, to);
  }

  /** send() on a link looked up once with route(): the same rules, without two name lookups per message. */
  sendOn<T>(route: Route, fn: (arg: T) => void, arg: T, id = 0): void {
    const link = route as Link;
    if (link.from.down || link.to.down) {
      this.dropped++;
      return;
    }
    let copies = 1;
    let extra = 0;
    const rules = this.rules;
    for (let i = 0; i < rules.length; i++) {
      const r = rules[i];
      if (!r.applies(link.fromName, link.toName)) continue;
      if (r.block || (r.loss !== undefined && this.faultRng.bernoulli(r.loss))) {
        this.dropped++;
        return;
      }
      if (r.duplicate !== undefined && this.faultRng.bernoulli(r.duplicate)) copies = 2;
      if (r.extraLatencyUs !== undefined) extra += r.extraLatencyUs;
    }
    for (let c = 0; c < copies; c++) {
      const slot = this.packet(fn as (a: unknown) => void, arg, link.to);
      this.sim.at(this.linkArrivalUs(link, extra), this.deliver, slot, this.kind, id);
    }
  }

  private packet(fn: (a: unknown) => void, arg: unknown, to: NodeState): number {
    let slot = this.freePacket;
    if (slot >= 0) {
      this.freePacket = this.packetIncarnation[slot];
      this.packetFn[slot] = fn;
      this.packetArg[slot] = arg;
      this.packetTo[slot] = to;
    } else {
      slot = this.packetFn.length;
      this.packetFn.push(fn);
      this.packetArg.push(arg);
      this.packetTo.push(to);
    }
    this.packetIncarnation[slot] = to.incarnation;
    return slot;
  }

  private readonly deliver = (slot: number): void => {
    const fn = this.packetFn[slot];
    const arg = this.packetArg[slot];
    const to = this.packetTo[slot];
    const incarnation = this.packetIncarnation[slot];
    // Free first (dropping the references, so delivered arguments can be collected): fn may send again.
    this.packetFn[slot] = noHandler;
    this.packetArg[slot] = undefined;
    this.packetIncarnation[slot] = this.freePacket;
    this.freePacket = slot;
    if (to.down || to.incarnation !== incarnation) {
      this.dropped++;
      return;
    }
    fn(arg);
  };

  /** False when a message from `from` would certainly not reach `to` now (dead node or a partition). */
  canReach(from: string, to: string): boolean {
    if (this.isDown(from) || this.isDown(to)) return false;
    for (const r of this.rules) if (r.block && r.applies(from, to)) return false;
    return true;
  }

  /** A crash: the node and its connections are gone until `setUp`. */
  setDown(node: string): void {
    const n = this.node(node);
    n.down = true;
    n.incarnation++;
  }

  setUp(node: string): void {
    this.node(node).down = false;
  }

  isDown(node: string): boolean {
    return this.nodes.get(node)?.down ?? false;
  }

  /** Holds the node's traffic, both ways, until `untilUs`. */
  pause(node: string, untilUs: number): void {
    const n = this.node(node);
    n.pausedUntilUs = Math.max(untilUs, n.pausedUntilUs);
  }

  isPaused(node: string): boolean {
    return (this.nodes.get(node)?.pausedUntilUs ?? 0) > this.sim.nowUs;
  }

  addRule(rule: LinkRule): void {
    this.rules.push(rule);
  }

  removeRule(id: number): void {
    const i = this.rules.findIndex((r) => r.id === id);
    if (i >= 0) this.rules.splice(i, 1);
  }
}
