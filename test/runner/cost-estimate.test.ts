import { describe, expect, it } from "vitest";
import { loadScenarioText } from "../../src/scenario/load.ts";
import { estimateCost } from "../../src/runner/cost-estimate.ts";
import { DEFAULT_BUDGET, checkCostBeforeRun, runWithBudget } from "../../src/runner/run-budget.ts";
import { Simulation } from "../../src/kernel/sim.ts";
import { runScenario } from "../../src/runner/run-scenario.ts";
import { BrokersimError } from "../../src/scenario/errors.ts";

const base = (extra = "") => `name: x
description: d.
duration: 2s
drain: 2s
topics: [{ name: t, partitions: 3 }]
producers: [{ name: p, topic: t, rate: 200/s }]
consumerGroups: [{ name: g, topic: t, members: 2 }]
${extra}`;

const load = (text: string) => loadScenarioText(text, "x.yaml");

describe("the pre-run cost estimate", () => {
  it("grows with rate × duration and names the producer's fields first", () => {
    const s = load(base().replace("rate: 200/s", "rate: 1000000000/s"));
    const est = estimateCost(s);
    expect(est.events).toBeGreaterThan(1e9);
    expect(est.drivers[0]!.fields).toMatch(/producers\[0\]\.rate \(1000000000\/s\) × duration \(2s\)/);
  });

  it("counts timers that fire whatever the load: SQS short polls every microsecond", () => {
    const s = load(`name: q\ndescription: d.\nduration: 2s\nqueues: [{ name: q, kind: sqs-standard }]\nqueueProducers: [{ name: qp, queue: q, rate: 1/s }]\n` +
      `queueConsumers: [{ name: c, queue: q, count: 10000, waitTime: 0s, emptyPollDelay: 1us }]\n`);
    expect(estimateCost(s).drivers[0]!.fields).toMatch(/queueConsumers\[0\]\.count \(10000\) × run \/ emptyPollDelay \(1µs\)/);
    expect(estimateCost(s).events).toBeGreaterThan(1e10);
  });

  it("caps messages at maxMessages and counts random faults", () => {
    const capped = load(base().replace("rate: 200/s", "rate: 1000000/s, maxMessages: 10"));
    expect(capped.producers[0]!.maxMessages).toBe(10);
    expect(estimateCost(capped).messages).toBe(10);
    const faulty = load(base("cluster: { brokers: 3 }\nfaults: [{ random: crash, targets: [broker-0], rate: 1000000/s, minDuration: 1ms, maxDuration: 2ms }]\n"));
    expect(estimateCost(faulty).drivers[0]!.fields).toMatch(/faults\[0\]\.rate/);
  });

  it("refuses above the budget with the estimate, the fields that drive it and how to go ahead", () => {
    const s = load(base().replace("rate: 200/s", "rate: 100000000/s").replace("duration: 2s", "duration: 1h"));
    let err: BrokersimError | undefined;
    try {
      checkCostBeforeRun(s, "x.yaml");
    } catch (e) {
      err = e as BrokersimError;
    }
    expect(err?.code).toBe("E_TOO_LARGE");
    expect(err!.message).toMatch(/about [\d.]+ G kernel events, above the budget of 20\.0 M/);
    expect(err!.message).toMatch(/producers\[0\]\.rate/);
    expect(err!.hint).toMatch(/--max-events \d+/);
    expect(err!.hint).toMatch(/--allow-large/);
    expect(() => checkCostBeforeRun(s, "x.yaml", { ...DEFAULT_BUDGET, allowLarge: true })).not.toThrow();
    expect(() => checkCostBeforeRun(load(base()), "x.yaml")).not.toThrow();
  });
});

describe("a run that reaches its event budget", () => {
  it("stops cleanly: partial verdicts, the reason and where it stopped, never passed", () => {
    const s = load(base());
    const { result } = runScenario(s, { seed: 1, file: "x.yaml", maxEvents: 500, onSlice: () => undefined });
    expect(result.events).toBe(500);
    expect(result.partial?.reason).toBe("event-budget");
    expect(result.partial!.stoppedAtUs).toBeLessThan(result.partial!.endUs);
    expect(result.passed).toBe(false);
    expect(result.verdicts.every((v) => v.partial === true)).toBe(true);
  });

});

describe("runWithBudget", () => {
  // A clock that ticks every microsecond for a second: a million events.
  const ticking = () => {
    const sim = new Simulation();
    const kind = sim.registerKind("tick");
    const tick = () => void sim.after(1, tick, undefined, kind, 0);
    sim.after(1, tick, undefined, kind, 0);
    return sim;
  };

  it("slicing for progress does not change the run", () => {
    const whole = ticking();
    whole.run({ untilUs: 1_000_000 });
    const sliced = ticking();
    let slices = 0;
    expect(runWithBudget(sliced, 1_000_000, undefined, () => void slices++)).toBeUndefined();
    expect(slices).toBeGreaterThan(2);
    expect(sliced.fingerprint()).toBe(whole.fingerprint());
    expect(sliced.nowUs).toBe(1_000_000);
  });

  it("stops at the event budget, or when the slice callback names a reason (the memory watch)", () => {
    const a = ticking();
    expect(runWithBudget(a, 1_000_000, 300_000)).toMatchObject({ reason: "event-budget" });
    expect(a.processed).toBe(300_000);
    const b = ticking();
    expect(runWithBudget(b, 1_000_000, undefined, () => "heap full")).toMatchObject({ reason: "memory-budget", detail: "heap full" });
    expect(b.nowUs).toBeLessThan(1_000_000);
  });
});

describe("the memory estimate", () => {
  it("refuses 2000 topics of 10,000 partitions by memory, naming the partition replicas", () => {
    const topics = Array.from({ length: 2000 }, (_, i) => `  - { name: t${i}, partitions: 10000 }`).join("\n");
    const s = load(`name: x\ndescription: d.\nduration: 2s\ntopics:\n${topics}\nproducers: [{ name: p, topic: t0, rate: 10/s }]\n`);
    expect(() => checkCostBeforeRun(s, "x.yaml")).toThrow(/GiB of memory, above the budget of 2\.0 GiB[\s\S]*20000000 partition replicas/);
  });
});
