import { describe, expect, it } from "vitest";
import { Simulation } from "../../src/kernel/sim.ts";
import { Rng } from "../../src/kernel/rng.ts";
import { Network } from "../../src/net/network.ts";

function net() {
  const sim = new Simulation();
  const n = new Network(sim, new Rng(1), { constant: 1000 });
  const got: string[] = [];
  const recv = (x: string): void => void got.push(`${x}@${sim.nowUs}`);
  return { sim, n, got, recv };
}

describe("network faults", () => {
  it("a partition rule drops messages between its groups and lets others through", () => {
    const { sim, n, got, recv } = net();
    n.addRule({ id: 1, block: true, applies: (a, b) => a === "x" && b === "y" });
    n.send("x", "y", recv, "blocked");
    n.send("y", "x", recv, "other-way");
    sim.run();
    expect(got).toEqual(["other-way@1000"]);
    expect(n.canReach("x", "y")).toBe(false);
    n.removeRule(1);
    expect(n.canReach("x", "y")).toBe(true);
  });

  it("a crashed node receives nothing, not even messages sent before it restarted", () => {
    const { sim, n, got, recv } = net();
    n.send("x", "y", recv, "in-flight");
    n.setDown("y");
    n.setUp("y");
    n.send("x", "y", recv, "after");
    sim.run();
    expect(got).toEqual(["after@1000"]);
  });

  it("a paused node's traffic waits for the pause to end, in order", () => {
    const { sim, n, got, recv } = net();
    n.pause("y", 5000);
    n.send("x", "y", recv, "a");
    n.send("x", "y", recv, "b");
    sim.run();
    expect(got).toEqual(["a@5000", "b@5000"]);
  });

  it("latency spikes add delay; duplication delivers twice; loss drops", () => {
    const { sim, n, got, recv } = net();
    n.addRule({ id: 1, applies: () => true, extraLatencyUs: 4000, duplicate: 1 });
    n.send("x", "y", recv, "d");
    sim.run();
    expect(got).toEqual(["d@5000", "d@5000"]);
    n.removeRule(1);
    n.addRule({ id: 2, applies: () => true, loss: 1 });
    n.send("x", "y", recv, "lost");
    sim.run();
    expect(got).toHaveLength(2);
    expect(n.dropped).toBe(1);
  });
});
