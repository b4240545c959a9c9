// Installs a scenario's `faults:` list on the world: timed faults at their times and random injectors as
// seeded Poisson processes. Each fault records a fault-start and fault-end row in the history and a window
// in world.faultWindows, which the report draws as a shaded band on every time chart.
import { Op } from "../history/history.ts";
import type { World } from "../runner/world.ts";
import type { LinkRule } from "../net/network.ts";
import type { FaultSpec } from "../scenario/schema-faults.ts";
import { formatDurationUs } from "../scenario/units.ts";
import { isAppFault, type AppFaultSpec } from "../models/app/app-system.ts";

export class FaultSchedule {
  private nextRuleId = 1;
  private readonly kind: number;

  constructor(
    private readonly world: World,
    /** Operations the schedule performs on the cluster (addPartitions). */
    private readonly admin?: { addPartitions(topic: string, count: number): void },
  ) {
    this.kind = world.sim.registerKind("fault");
  }

  install(faults: FaultSpec[]): void {
    faults.forEach((f, i) => {
      if (isAppFault(f)) this.world.sim.at(f.at, () => this.startApp(f, i), undefined, this.kind, i);
      else if ("random" in f) this.installRandom(f, i);
      else this.world.sim.at(f.at, () => this.start(f, i), undefined, this.kind, i);
    });
  }

  private actorOf(name: string): number {
    return this.world.history.actorId(name) ?? -1;
  }

  private window(label: string, startUs: number, endUs: number): void {
    this.world.faultWindows.push({ label, startUs, endUs: Math.min(endUs, this.world.endUs) });
  }

  private mark(kind: Op.FaultStart | Op.FaultEnd, actor: number, index: number): void {
    this.world.history.record(kind, this.world.sim.nowUs, -1, actor, -1, -1, index);
  }

  /** Runs `end` after `forUs` (or never), recording the window either way. */
  private span(label: string, actor: number, index: number, forUs: number | undefined, end: () => void): void {
    const now = this.world.sim.nowUs;
    this.mark(Op.FaultStart, actor, index);
    const endUs = forUs === undefined ? this.world.endUs : now + forUs;
    this.window(label, now, endUs);
    if (forUs !== undefined) {
      this.world.sim.at(endUs, () => {
        end();
        this.mark(Op.FaultEnd, actor, index);
      }, undefined, this.kind, index);
    }
  }

  /** Service faults and the redrive operation belong to the application layer; the schedule only times them. */
  private startApp(f: AppFaultSpec, i: number): void {
    const s = this.world.app!.startFault(f, i);
    this.span(s.label, s.actor, i, s.forUs, s.end);
  }

  private start(f: Exclude<FaultSpec, { random: unknown } | AppFaultSpec>, i: number): void {
    const w = this.world;
    if ("crash" in f) {
      const t = w.targets.get(f.crash)!;
      t.crash({ loseUnflushed: f.loseUnflushed });
      const label = `crash ${f.crash}${f.loseUnflushed ? " (unflushed data lost)" : ""}`;
      this.span(label, this.actorOf(f.crash), i, f.for, () => t.restart());
    } else if ("restart" in f) {
      w.targets.get(f.restart)!.restart();
      this.mark(Op.FaultEnd, this.actorOf(f.restart), i);
      // Close the window of the crash this restart ends.
      for (const win of w.faultWindows) if (win.label.startsWith(`crash ${f.restart}`) && win.endUs >= w.sim.nowUs) win.endUs = w.sim.nowUs;
    } else if ("pause" in f) {
      w.targets.get(f.pause)!.pause(f.for);
      this.span(`pause ${f.pause}`, this.actorOf(f.pause), i, f.for, () => {});
    } else if ("addPartitions" in f) {
      // An operation, not a fault: a marker on the charts (the cluster records partitions-added), nothing to heal.
      const { topic, count } = f.addPartitions;
      this.admin?.addPartitions(topic, count);
      this.window(`add partitions ${topic} → ${count}`, w.sim.nowUs, w.sim.nowUs);
    } else if ("partition" in f) {
      const part = f.partition;
      let rule: LinkRule;
      let label: string;
      if ("groups" in part) {
        const groupOf = new Map<string, number>();
        part.groups.forEach((g, gi) => g.forEach((n) => groupOf.set(n, gi)));
        rule = { id: this.nextRuleId++, block: true, applies: (a, b) => { const x = groupOf.get(a), y = groupOf.get(b); return x !== undefined && y !== undefined && x !== y; } };
        label = `partition ${part.groups.map((g) => `[${g.join(",")}]`).join(" | ")}`;
      } else {
        const from = new Set(part.from), to = new Set(part.to);
        rule = { id: this.nextRuleId++, block: true, applies: (a, b) => from.has(a) && to.has(b) };
        label = `one-way partition ${part.from.join(",")} → ${part.to.join(",")}`;
      }
      w.net.addRule(rule);
      this.span(label, -1, i, f.for, () => w.net.removeRule(rule.id));
    } else {
      const nodes = f.between ? new Set(f.between) : undefined;
      const applies = (a: string, b: string): boolean => !nodes || nodes.has(a) || nodes.has(b);
      const rule: LinkRule = { id: this.nextRuleId++, applies };
      let label: string;
      if ("latency" in f) {
        rule.extraLatencyUs = f.latency;
        label = `latency +${formatDurationUs(f.latency)}`;
      } else if ("loss" in f) {
        rule.loss = f.loss;
        label = `loss ${Math.round(f.loss * 1000) / 10}%`;
      } else {
        rule.duplicate = f.duplicate;
        label = `duplication ${Math.round(f.duplicate * 1000) / 10}%`;
      }
      if (f.between) label += ` (${f.between.join(",")})`;
      w.net.addRule(rule);
      this.span(label, -1, i, f.for, () => w.net.removeRule(rule.id));
    }
  }

  /** A seeded Poisson process of faults on random targets, each lasting between minDuration and maxDuration. */
  private installRandom(f: Extract<FaultSpec, { random: unknown }>, i: number): void {
    const w = this.world;
    const rng = w.rng.fork(`faults/random-${i}`);
    const stopUs = f.stop ?? w.stopUs;
    const busy = new Set<string>();
    const next = (fromUs: number): void => {
      const at = Math.round(fromUs + rng.exponential(1e6 / f.rate));
      if (at >= stopUs || at >= w.endUs) return;
      w.sim.at(at, fire, undefined, this.kind, i);
    };
    const fire = (): void => {
      const now = w.sim.nowUs;
      const free = f.targets.filter((t) => !busy.has(t));
      const durUs = Math.round(rng.uniform(f.minDuration, Math.max(f.minDuration, f.maxDuration)));
      if (free.length > 0) {
        const name = rng.pick(free);
        busy.add(name);
        const done = (): void => void busy.delete(name);
        if (f.random === "outage" || f.random === "brownout") {
          const spec = f.random === "outage"
            ? { at: now, outage: name, mode: "error" as const, for: durUs }
            : { at: now, brownout: { service: name, errorRate: f.probability ?? 0.5, latency: f.latency ?? 200_000 }, for: durUs };
          const s = w.app!.startFault(spec, i);
          this.span(`${s.label} (random)`, s.actor, i, durUs, () => { s.end(); done(); });
        } else if (f.random === "crash") {
          const t = w.targets.get(name)!;
          t.crash({ loseUnflushed: false });
          this.span(`crash ${name} (random)`, this.actorOf(name), i, durUs, () => { t.restart(); done(); });
        } else if (f.random === "pause") {
          w.targets.get(name)!.pause(durUs);
          this.span(`pause ${name} (random)`, this.actorOf(name), i, durUs, done);
        } else if (f.random === "isolate") {
          const rule: LinkRule = { id: this.nextRuleId++, block: true, applies: (a, b) => (a === name) !== (b === name) };
          w.net.addRule(rule);
          this.span(`isolate ${name} (random)`, this.actorOf(name), i, durUs, () => { w.net.removeRule(rule.id); done(); });
        } else {
          // Link faults on every link touching the picked node: a slow NIC, a lossy switch port.
          const rule: LinkRule = { id: this.nextRuleId++, applies: (a, b) => a === name || b === name };
          let label: string;
          if (f.random === "latency") {
            rule.extraLatencyUs = f.latency!;
            label = `latency +${formatDurationUs(f.latency!)} at ${name} (random)`;
          } else if (f.random === "loss") {
            rule.loss = f.probability!;
            label = `loss ${Math.round(f.probability! * 1000) / 10}% at ${name} (random)`;
          } else {
            rule.duplicate = f.probability!;
            label = `duplication ${Math.round(f.probability! * 1000) / 10}% at ${name} (random)`;
          }
          w.net.addRule(rule);
          this.span(label, this.actorOf(name), i, durUs, () => { w.net.removeRule(rule.id); done(); });
        }
      }
      next(now);
    };
    next(f.start);
  }
}
