// A database table the handlers use (a `stores:` entry): a dedup table of idempotency keys with a TTL, and the
// effects applied to it. Every transaction takes a commit latency; a crashed store fails the transactions in
// flight (rolled back) and refuses new ones until it restarts, with its data kept (it is durable). A member's
// in-memory dedup table is the same DedupTable without the store around it, and is lost when the member crashes.
import type { Simulation } from "../../kernel/sim.ts";
import type { FaultTarget } from "../../faults/targets.ts";

export interface DedupEntry {
  msg: number;
  writtenUs: number;
  expiresUs: number;
}

/** Idempotency keys and when they expire. An expired entry is remembered only to say why a check missed. */
export class DedupTable {
  private readonly entries = new Map<string, DedupEntry>();

  /** "hit": seen and live; "expired": seen but the TTL ran out; "absent": never recorded (or forgotten). */
  check(key: string, nowUs: number): { status: "hit" | "expired" | "absent"; entry?: DedupEntry } {
    const e = this.entries.get(key);
    if (e === undefined) return { status: "absent" };
    return { status: nowUs < e.expiresUs ? "hit" : "expired", entry: e };
  }

  mark(key: string, msg: number, nowUs: number, ttlUs: number): void {
    this.entries.set(key, { msg, writtenUs: nowUs, expiresUs: nowUs + ttlUs });
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}

export type StoreCallback = (ok: boolean) => void;

export class Store implements FaultTarget {
  readonly kind = "store" as const;
  readonly dedup = new DedupTable();
  /** Effect applications per effect key (a counter table: an upsert applied twice counts 2). */
  readonly effects = new Map<string, number>();
  private up = true;
  /** Bumped on crash: a transaction begun before it is rolled back. */
  private epoch = 0;
  private readonly k: number;

  constructor(
    readonly name: string,
    readonly actorId: number,
    private readonly sim: Simulation,
    private readonly commitLatency: () => number,
  ) {
    this.k = sim.registerKind("store.commit");
  }

  get isUp(): boolean {
    return this.up;
  }

  /**
   * Runs `body` as one transaction: it takes effect at commit time, after the commit latency, and only if the
   * store stayed up; `done(false)` when it was down or crashed meanwhile (nothing applied).
   */
  transact(body: () => void, done: StoreCallback): void {
    if (!this.up) {
      this.sim.after(0, done, false, this.k, this.actorId);
      return;
    }
    const epoch = this.epoch;
    this.sim.after(Math.max(0, Math.round(this.commitLatency())), () => {
      if (!this.up || this.epoch !== epoch) return done(false);
      body();
      done(true);
    }, undefined, this.k, this.actorId);
  }

  applyEffect(effectKey: string): number {
    const n = (this.effects.get(effectKey) ?? 0) + 1;
    this.effects.set(effectKey, n);
    return n;
  }

  crash(): void {
    if (!this.up) return;
    this.up = false;
    this.epoch++;
  }

  restart(): void {
    this.up = true;
  }

  /** A paused database answers late: modelled as a crash-free stall is not needed here; pause = brief outage. */
  pause(durationUs: number): void {
    if (!this.up) return;
    this.crash();
    this.sim.after(durationUs, () => this.restart(), undefined, this.k, this.actorId);
  }
}
