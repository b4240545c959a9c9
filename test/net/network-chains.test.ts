import { describe, expect, it } from "vitest";
import { Simulation } from "../../src/kernel/sim.ts";
import { Rng } from "../../src/kernel/rng.ts";
import { Network } from "../../src/net/network.ts";

// Packets that would be dispatched one right after the other (same arrival time, nothing scheduled between)
// run in one event; the run must be the same event for event: order, clock, event count, fingerprint, hook.
function setup(latencyUs: number) {
  const sim = new Simulation();
  const n = new Network(sim, new Rng(1), { constant: latencyUs });
  const got: string[] = [];
  const hooked: string[] = [];
  sim.onDispatch = (t, kind, id) => void hooked.push(`${sim.kindName(kind)}:${id}@${t}`);
  const recv = (x: string): void => void got.push(`${x}@${sim.nowUs}`);
  return { sim, n, got, hooked, recv };
}

/** The same (time, kind, id) sequence dispatched as plain events, one queue round trip each. */
function plainFingerprint(events: [number, string, number][]): string {
  const sim = new Simulation();
  for (const [t, kind, id] of events) sim.at(t, () => {}, undefined, sim.registerKind(kind), id);
  sim.run();
  return sim.fingerprint();
}

describe("network packet chains", () => {
  it("two sends at the same arrival time with nothing scheduled between run in one queued event, counted as two", () => {
    const { sim, n, got, hooked, recv } = setup(0);
    n.send("a", "q", recv, "delete", 7);
    n.send("a", "q", recv, "receive", 8);
    sim.run();
    expect(got).toEqual(["delete@0", "receive@0"]);
    expect(sim.processed).toBe(2);
    expect(sim.inlineDispatched).toBe(1);
    expect(hooked).toEqual(["net.deliver:7@0", "net.deliver:8@0"]);
    expect(sim.fingerprint()).toBe(plainFingerprint([[0, "net.deliver", 7], [0, "net.deliver", 8]]));
  });

  it("joins packets of different links: each still goes to its own receiver", () => {
    const { sim, n, got, recv } = setup(500);
    n.send("q", "consumer", recv, "delivery", 1);
    n.send("q", "producer", recv, "confirm", 2);
    sim.run();
    expect(got).toEqual(["delivery@500", "confirm@500"]);
    expect(sim.inlineDispatched).toBe(1);
  });

  it("an event scheduled between two sends keeps them apart, so it still runs between them", () => {
    const { sim, n, got, recv } = setup(0);
    n.send("a", "q", recv, "first");
    sim.at(0, () => got.push("timer@0"));
    n.send("a", "q", recv, "second");
    sim.run();
    expect(got).toEqual(["first@0", "timer@0", "second@0"]);
    expect(sim.inlineDispatched).toBe(0);
  });

  it("what a chained packet schedules at the same time runs after the rest of the chain, as by sequence", () => {
    const { sim, n, got, recv } = setup(0);
    n.send("a", "q", (x: string) => {
      recv(x);
      sim.at(sim.nowUs, () => got.push("scheduled-by-first@0"));
    }, "first");
    n.send("a", "q", recv, "second");
    sim.run();
    expect(got).toEqual(["first@0", "second@0", "scheduled-by-first@0"]);
  });

  it("a send made while a chain runs starts a new event after everything scheduled before it", () => {
    const { sim, n, got, recv } = setup(0);
    n.send("a", "q", () => {
      got.push("request@0");
      n.send("q", "a", recv, "answer");
    }, undefined);
    n.send("b", "q", recv, "other");
    sim.run();
    expect(got).toEqual(["request@0", "other@0", "answer@0"]);
    expect(sim.processed).toBe(3);
    expect(sim.inlineDispatched).toBe(1);
  });

  it("a node that crashes between two chained packets drops the later one only", () => {
    const { sim, n, got, recv } = setup(0);
    n.send("a", "q", (x: string) => {
      recv(x);
      n.setDown("b");
    }, "crash-b");
    n.send("a", "b", recv, "to-b");
    n.send("a", "q", recv, "to-q");
    sim.run();
    expect(got).toEqual(["crash-b@0", "to-q@0"]);
    expect(n.dropped).toBe(1);
    expect(sim.processed).toBe(3);
  });

  it("different arrival times are never chained", () => {
    const sim = new Simulation();
    const n = new Network(sim, new Rng(1), { uniform: { min: 0, max: 1000 } });
    const got: number[] = [];
    for (let i = 0; i < 20; i++) n.send(`c${i}`, "q", () => void got.push(sim.nowUs), undefined);
    sim.run();
    expect(got).toEqual([...got].sort((a, b) => a - b));
    expect(sim.processed).toBe(20);
  });

  it("a duplicating rule's packet arrives twice and heads no chain", () => {
    const { sim, n, got, recv } = setup(0);
    n.addRule({ id: 1, duplicate: 1, applies: (a) => a === "a" });
    n.send("a", "q", recv, "dup");
    n.send("b", "q", recv, "after");
    sim.run();
    expect(got).toEqual(["dup@0", "dup@0", "after@0"]);
  });

  it("an event budget stops after the chain that reaches it, and the next run resumes exactly", () => {
    const { sim, n, got, recv } = setup(0);
    n.send("a", "q", recv, "one");
    n.send("a", "q", recv, "two");
    n.send("a", "q", recv, "three", 3);
    sim.at(10, () => got.push("later@10"));
    expect(sim.run({ maxEvents: 1 }).events).toBe(3);
    expect(got).toEqual(["one@0", "two@0", "three@0"]);
    expect(sim.step()).toBe(true);
    expect(got.at(-1)).toBe("later@10");
  });
});
