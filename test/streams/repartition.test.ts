import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { loadScenarioText } from "../../src/scenario/load.ts";
import { runScenario } from "../../src/runner/run-scenario.ts";
import { Op } from "../../src/history/history.ts";
import { issuesOf } from "../scenario/issues-of.ts";

const file = "scenarios/streams-repartition-rekey.yaml";
const text = readFileSync(file, "utf8");

describe("a key re-map through a repartition topic", () => {
  it("re-keys every record into <applicationId>-<name>-repartition, reads it back in the same group and counts under the new keys", () => {
    const { result, history: h } = runScenario(loadScenarioText(text, file), { seed: 1, file });
    const topic = h.actorId("counts-by-group-rekey-repartition")!;
    expect(topic).toBeDefined();
    const app = h.actorId("counts-by-group")!;
    let inputs = 0;
    const repartitioned: number[] = [];
    const readBack = new Set<number>();
    for (let i = 0; i < h.opCount; i++) {
      const m = h.opMsg[i];
      if (h.opKind[i] === Op.Append && h.actorNames[h.msgTopic[m]] === "orders") inputs++;
      if (h.opKind[i] === Op.Append && h.msgTopic[m] === topic) repartitioned.push(m);
      if (h.opKind[i] === Op.ProcessStart && h.opAux[i] === app && h.msgTopic[m] === topic) readBack.add(m);
    }
    expect(repartitioned.length).toBe(inputs);
    for (const m of repartitioned) expect(h.keyOf(m)).toMatch(/^group-\d$/);
    expect(readBack.size).toBe(repartitioned.length);
    const v = result.verdicts.find((x) => x.invariant === "window-results-match")!;
    expect(v.holds).toBe(true);
    expect(v.checked).toBe(30);
  });

  it("under exactly_once_v2 the repartition records are in the transaction: a crash counts nothing twice", () => {
    const eos = text.replace("    commitInterval: 1s", "    processingGuarantee: exactly_once_v2\n    sessionTimeout: 6s\n    heartbeatInterval: 2s").replace("expect:", "faults: [{ at: 12s, crash: counts-by-group-1 }]\nexpect:");
    const { result } = runScenario(loadScenarioText(eos, file), { seed: 1, file });
    expect(result.verdicts.find((x) => x.invariant === "window-results-match")!.holds).toBe(true);
    const alo = text.replace("    commitInterval: 1s", "    commitInterval: 1s\n    sessionTimeout: 6s\n    heartbeatInterval: 2s").replace("expect:", "faults: [{ at: 12s, crash: counts-by-group-1 }]\nexpect:");
    const r = runScenario(loadScenarioText(alo, file), { seed: 1, file }).result.verdicts.find((x) => x.invariant === "window-results-match")!;
    expect(r.holds).toBe(false);
    expect(r.anomalies.some((a) => a.kind === "window-double-count")).toBe(true);
  });

  it("refuses a bad pattern, a map after the aggregate or with a join", () => {
    const bad = text.replace('keyMatches: "^key-(\\\\d)\\\\d*$"', 'keyMatches: "(("');
    expect(issuesOf(bad)).toContain("processors[0].topology[1].map.keyMatches: not a valid regular expression");
    const after = text.replace(/      - map: (.*)\n      - aggregate: (.*)\n/, "      - aggregate: $2\n      - map: $1\n");
    expect(issuesOf(after)).toContain("a key re-map is supported once, before an aggregate");
    expect(issuesOf(text.replace("keyMatches:", "keyMatch:"))).toContain("processors[0].topology[1].map");
  });
});
