// What every simulated client process needs from the kernel to survive faults honestly: callbacks scheduled
// by an earlier incarnation (before a crash) are dropped, and anything due while the process is frozen in a
// long GC pause runs when the pause ends, not before. Models extend this and schedule through `after` and
// wrap network handlers with `deliver`.
import type { Simulation } from "../../kernel/sim.ts";

interface Scheduled {
  inc: number;
  fn: (arg: unknown) => void;
  arg: unknown;
}

export abstract class ConsumerProcess {
  /** Bumped on crash: callbacks scheduled by an earlier incarnation are ignored. */
  protected incarnation = 0;
  protected pausedUntilUs = 0;
  alive = true;
  private readonly timerKind: number;

  constructor(
    protected readonly sim: Simulation,
    readonly actorId: number,
  ) {
    this.timerKind = sim.registerKind("consumer.timer");
  }

  private readonly dispatch = (s: Scheduled): void => {
    if (s.inc !== this.incarnation || !this.alive) return;
    if (this.sim.nowUs < this.pausedUntilUs) {
      this.sim.at(this.pausedUntilUs, this.dispatch, s, this.timerKind, this.actorId);
      return;
    }
    s.fn.call(this, s.arg);
  };

  /** Runs `fn.call(this, arg)` after the delay, unless the process crashed meanwhile; a pause postpones it. */
  protected after<T>(delayUs: number, fn: (arg: T) => void, arg: T, kind = this.timerKind): number {
    return this.sim.after(delayUs, this.dispatch, { inc: this.incarnation, fn, arg } as Scheduled, kind, this.actorId);
  }

  /** Wraps a network response handler so a crashed or paused process handles it correctly. */
  protected deliver<T>(fn: (r: T) => void): (r: T) => void {
    const inc = this.incarnation;
    return (r: T) => this.delivered(inc, fn, r);
  }

  /**
   * What deliver(fn)(r) does for a handler made under incarnation `inc`, without the wrapper, and without the
   * record dispatch() takes unless a pause makes it wait (answers arrive once per request: no garbage per answer).
   */
  protected delivered<T>(inc: number, fn: (r: T) => void, r: T): void {
    if (inc !== this.incarnation || !this.alive) return;
    if (this.sim.nowUs < this.pausedUntilUs) {
      this.sim.at(this.pausedUntilUs, this.dispatch, { inc, fn, arg: r } as Scheduled, this.timerKind, this.actorId);
      return;
    }
    fn.call(this, r);
  }
}
