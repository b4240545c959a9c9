// failRecord: the one entry point for a record that failed outside the handler (e.g. it could not be decoded).
// A non-retryable cause goes straight to the recoverer, as Spring does for deserialization errors.
import { describe, expect, it } from "vitest";
import { Simulation } from "../../../src/kernel/sim.ts";
import { Rng } from "../../../src/kernel/rng.ts";
import { History, Op } from "../../../src/history/history.ts";
import { FaultTargets } from "../../../src/faults/targets.ts";
import { AppSystem } from "../../../src/models/app/app-system.ts";
import { loadScenarioText } from "../../../src/scenario/load.ts";
import { cmdDlq } from "../../../src/cli/dlq.ts";
import { mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import type { World } from "../../../src/runner/world.ts";

function world(errorHandling: string) {
  const scenario = loadScenarioText(
    `name: t
description: test.
duration: 1s
topics: [{ name: orders, partitions: 1 }]
producers: [{ name: p, topic: orders, rate: 1/s }]
consumerGroups:
  - { name: g, topic: orders, handler: [{ process: 1ms }], errorHandling: ${errorHandling} }
`,
    "t.yaml",
  );
  const sim = new Simulation();
  const history = new History();
  const w = { scenario, sim, rng: new Rng(1), history, targets: new FaultTargets(), faultWindows: [], stopUs: 1e6, endUs: 2e6, metrics: { bucketUs: 100_000, bucketCount: 20 } } as unknown as World;
  const app = new AppSystem(w);
  const p = history.actor("p", "producer");
  const msg = history.newMessage(p, history.key("k"), history.actor("orders", "topic"), 0);
  const member = history.actor("g-0", "consumer");
  const group = history.actor("g", "group");
  const consumer = app.forMember(scenario.consumerGroups[0], { name: "g-0", actorId: member, after: (d, fn, arg) => sim.after(d, fn, arg), incarnation: () => 0 }, group)!;
  return { app, sim, history, msg, consumer };
}

describe("failRecord", () => {
  it("sends an undecodable record straight to <topic>.DLT without retries", () => {
    const x = world("{ mode: blocking }");
    let finished = 0;
    x.consumer.failRecord({ msg: x.msg, topic: "orders", partition: 0, offset: 7 }, { step: -1, stepKind: "deserialize", error: "DeserializationException: unknown magic byte", retryable: false }, () => finished++);
    x.sim.run({ untilUs: 1e6 });
    expect(finished).toBe(1);
    const row = x.app.deadLetters[0];
    expect(row).toMatchObject({ destination: "orders.DLT", originalOffset: 7, attempts: 1, exception: "DeserializationException: unknown magic byte", step: "-1:deserialize" });
    let dlt = 0;
    for (let i = 0; i < x.history.opCount; i++) if (x.history.opKind[i] === Op.AppDeadLetter) dlt++;
    expect(dlt).toBe(1);
  });

  it("stop halts at it; skip moves on and counts it", () => {
    const stop = world("{ mode: stop }");
    let finished = 0;
    stop.consumer.failRecord({ msg: stop.msg, topic: "orders", partition: 0, offset: 1 }, { step: -1, stepKind: "deserialize", error: "E", retryable: false }, () => finished++);
    expect(finished).toBe(0);
    expect(stop.app.finish().stalled).toBe(1);
    const skip = world("{ mode: skip }");
    skip.consumer.failRecord({ msg: skip.msg, topic: "orders", partition: 0, offset: 1 }, { step: -1, stepKind: "deserialize", error: "E", retryable: false }, () => finished++);
    expect(finished).toBe(1);
    expect(skip.app.finish().skipped).toBe(1);
  });
});

describe("brokersim dlq", () => {
  it("prints the triage by cause and by key from a result.json", () => {
    const x = world("{ mode: blocking }");
    x.consumer.failRecord({ msg: x.msg, topic: "orders", partition: 0, offset: 7 }, { step: -1, stepKind: "deserialize", error: "DeserializationException", retryable: false }, () => undefined);
    const dir = mkdtempSync(join(tmpdir(), "dlq-"));
    const file = join(dir, "result.json");
    writeFileSync(file, JSON.stringify({ metrics: { app: x.app.finish() } }));
    let out = "";
    expect(cmdDlq(file, false, (s) => (out += s))).toBe(0);
    expect(out).toMatch(/orders\.DLT {2}-1:deserialize: DeserializationException: 1 record\(s\), 1 key\(s\)/);
    expect(out).toMatch(/orders\.DLT +-1:deserialize: DeserializationException +k +1 +m-0 at 0\.000s +1/);
    let json = "";
    cmdDlq(file, true, (s) => (json += s));
    expect(JSON.parse(json)[0]).toMatchObject({ destination: "orders.DLT", key: "k", count: 1 });
    expect(() => cmdDlq(join(dir, "missing.json"), false, () => undefined)).toThrow(/cannot read/);
  });
});
