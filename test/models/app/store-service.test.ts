import { describe, expect, it } from "vitest";
import { Simulation } from "../../../src/kernel/sim.ts";
import { Rng } from "../../../src/kernel/rng.ts";
import { DedupTable, Store } from "../../../src/models/app/store.ts";
import { CallOutcome, DownstreamService } from "../../../src/models/app/downstream-service.ts";

describe("store", () => {
  it("commits after its latency, keeps data across a crash and restart, and rolls back a transaction cut by a crash", () => {
    const sim = new Simulation();
    const s = new Store("ledger", 0, sim, () => 1000);
    const results: [number, boolean][] = [];
    s.transact(() => s.applyEffect("m-1"), (ok) => results.push([sim.nowUs, ok]));
    sim.run({ untilUs: 5000 });
    expect(results).toEqual([[1000, true]]);
    s.transact(() => s.applyEffect("m-2"), (ok) => results.push([sim.nowUs, ok]));
    sim.after(500, () => s.crash());
    sim.run({ untilUs: 10_000 });
    expect(results[1]).toEqual([6000, false]);
    s.transact(() => s.applyEffect("m-3"), (ok) => results.push([sim.nowUs, ok]));
    sim.run({ untilUs: 20_000 });
    expect(results[2][1]).toBe(false); // refused while down
    s.restart();
    expect(s.effects.get("m-1")).toBe(1); // durable
    expect(s.effects.has("m-2")).toBe(false);
  });

  it("dedup entries expire after their TTL and say so", () => {
    const t = new DedupTable();
    t.mark("k", 7, 1_000, 10_000);
    expect(t.check("k", 10_999).status).toBe("hit");
    expect(t.check("k", 11_000).status).toBe("expired");
    expect(t.check("other", 0).status).toBe("absent");
    t.clear();
    expect(t.check("k", 0).status).toBe("absent");
  });
});

function service(over: { servers?: number; errorRate?: number; rateLimitPerS?: number; t?: number } = {}) {
  const sim = new Simulation();
  const svc = new DownstreamService(
    { name: "payments", servers: over.servers ?? 1, serviceTime: () => over.t ?? 10_000, errorRate: over.errorRate ?? 0, rateLimitPerS: over.rateLimitPerS ?? 0 },
    0, sim, new Rng(1), 1_000_000, 10,
  );
  const answers: [number, CallOutcome][] = [];
  const call = () => svc.call((o) => answers.push([sim.nowUs, o]));
  return { sim, svc, answers, call };
}

describe("downstream service", () => {
  it("serves `servers` calls at once and queues the rest in order", () => {
    const { sim, answers, call } = service({ servers: 2 });
    call(); call(); call();
    sim.run({ untilUs: 1_000_000 });
    expect(answers).toEqual([[10_000, CallOutcome.Ok], [10_000, CallOutcome.Ok], [20_000, CallOutcome.Ok]]);
  });

  it("rejects calls over the rate limit as errors", () => {
    const { sim, svc, answers, call } = service({ servers: 10, rateLimitPerS: 3 });
    for (let i = 0; i < 5; i++) call();
    sim.run({ untilUs: 1_000_000 });
    expect(answers.filter(([, o]) => o === CallOutcome.RateLimited)).toHaveLength(2);
    expect(svc.errors).toBe(2);
    expect(svc.series.offered[0]).toBe(5);
  });

  it("an error outage fails at once, a timeout outage never answers, a brownout adds latency and errors, a slowdown stretches service", () => {
    const s = service();
    s.svc.startOutage("error");
    s.call();
    s.sim.run({ untilUs: 100 });
    expect(s.answers).toEqual([[0, CallOutcome.Error]]);
    s.svc.startOutage("timeout");
    s.call();
    s.sim.run({ untilUs: 500_000 });
    expect(s.answers).toHaveLength(1);
    s.svc.endOutage();
    s.svc.startBrownout(1, 5000);
    s.call();
    s.sim.run({ untilUs: 600_000 });
    expect(s.answers[1]).toEqual([500_000 + 15_000, CallOutcome.Error]);
    s.svc.endBrownout();
    s.svc.startSlowdown(3);
    s.call();
    s.sim.run({ untilUs: 700_000 });
    expect(s.answers[2]).toEqual([600_000 + 30_000, CallOutcome.Ok]);
  });
});
