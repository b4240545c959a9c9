// Schema errors for every application-layer field: each names the line, the field path and what was expected.
import { describe, expect, it } from "vitest";
import { loadScenarioText } from "../../src/scenario/load.ts";
import { ScenarioError } from "../../src/scenario/errors.ts";
import { issuesOf } from "./issues-of.ts";

const doc = (handler: string, extra = "") => `name: t
description: A test.
duration: 10s
topics: [{ name: orders, partitions: 3 }]
producers: [{ name: p, topic: orders, rate: 10/s }]
services: [{ name: payments }]
stores: [{ name: ledger }]
consumerGroups:
  - name: g
    topic: orders
    handler:
      - ${handler}
${extra}`;

function hintOf(yaml: string): string {
  try {
    loadScenarioText(yaml, "t.yaml");
    return "";
  } catch (e) {
    if (e instanceof ScenarioError) return e.issues.map((i) => `${i.expected ?? ""} | ${i.hint ?? ""}`).join("\n");
    throw e;
  }
}

describe("application-layer scenario fields", () => {
  it("fill resilience4j, AWS and Spring defaults", () => {
    const s = loadScenarioText(doc("call: { service: payments, retry: {}, circuitBreaker: {} }", "    errorHandling: {}\n"), "t.yaml");
    const g = s.consumerGroups[0];
    const step = g.handler![0] as { call: { timeout: number; retry: object; circuitBreaker: object } };
    expect(step.call.retry).toEqual({ maxAttempts: 3, base: 100_000, cap: 10_000_000, jitter: "full" });
    expect(step.call.circuitBreaker).toMatchObject({ slidingWindowType: "count", slidingWindowSize: 100, minimumNumberOfCalls: 100, failureRateThreshold: 50, slowCallRateThreshold: 100, slowCallDurationThreshold: 60_000_000, waitDurationInOpenState: 60_000_000, permittedNumberOfCallsInHalfOpenState: 10, automaticTransitionFromOpenToHalfOpenEnabled: false });
    expect(g.errorHandling).toEqual({ mode: "blocking", backOff: { interval: 0, maxRetries: 9 }, deadLetter: true, retryTopics: { attempts: 3, delay: 1_000_000, multiplier: 2 } });
    expect(s.services[0]).toMatchObject({ servers: 8, errorRate: 0 });
    expect(s.stores[0].commitLatency).toEqual({ constant: 2000 });
  });

  it("names an unknown service with its line and a suggestion", () => {
    expect(issuesOf(doc("call: { service: paymnts }"))).toMatch(/^12:\d+ consumerGroups\[0\]\.handler\[0\]\.call\.service: no service named "paymnts"/);
    expect(hintOf(doc("call: { service: paymnts }"))).toContain("did you mean `payments`?");
  });

  it("names an unknown store in effect and dedup steps", () => {
    expect(issuesOf(doc("effect: { store: ledgr }"))).toMatch(/^12:\d+ consumerGroups\[0\]\.handler\[0\]\.effect\.store: no store named "ledgr"/);
    expect(issuesOf(doc("dedup: { store: nope }"))).toMatch(/handler\[0\]\.dedup\.store: no store named "nope"/);
  });

  it("rejects an atomic dedup in memory or without an effect on the same store after it", () => {
    expect(issuesOf(doc("dedup: { atomic: true }"))).toMatch(/dedup\.atomic: an atomic dedup needs a store shared with the effect/);
    expect(issuesOf(doc("dedup: { store: ledger, atomic: true }"))).toMatch(/dedup\.atomic: atomic: true needs an effect step on store ledger/);
  });

  it("rejects a bad jitter mode, a cap below the base, a threshold over 100 and a zero timeout", () => {
    expect(issuesOf(doc("call: { service: payments, retry: { jitter: random } }"))).toMatch(/^12:\d+ consumerGroups\[0\]\.handler\[0\].*jitter/);
    expect(issuesOf(doc("call: { service: payments, retry: { base: 2s, cap: 1s } }"))).toMatch(/retry\.cap: the back-off cap is below its base/);
    expect(issuesOf(doc("call: { service: payments, circuitBreaker: { failureRateThreshold: 150 } }"))).toMatch(/failureRateThreshold/);
    expect(issuesOf(doc("call: { service: payments, timeout: 0 }"))).toMatch(/timeout/);
  });

  it("rejects an unknown step and an unknown field in a step", () => {
    expect(issuesOf(doc("sleep: 1ms"))).toMatch(/^12:\d+ consumerGroups\[0\]\.handler\[0\]/);
    expect(issuesOf(doc("fail: { keys: [a], often: true }"))).toMatch(/handler\[0\].*often/);
  });

  it("rejects a fail window that ends before it starts, and errorHandling without a handler", () => {
    expect(issuesOf(doc("fail: { window: { from: 5s, to: 2s } }"))).toMatch(/fail\.window\.to: the window ends before it starts/);
    const noHandler = doc("process: 1ms", "  - { name: h, topic: orders, errorHandling: { mode: skip } }\n");
    expect(issuesOf(noHandler)).toMatch(/consumerGroups\[1\]\.errorHandling: errorHandling needs a handler/);
  });

  it("rejects an unknown error-handling mode", () => {
    expect(issuesOf(doc("process: 1ms", "    errorHandling: { mode: retry }\n"))).toMatch(/^13:\d+ consumerGroups\[0\]\.errorHandling\.mode/);
  });

  it("rejects bad service and store fields", () => {
    const bad = (svc: string) => doc("process: 1ms").replace("services: [{ name: payments }]", `services: [${svc}]`);
    expect(issuesOf(bad("{ name: payments, servers: 0 }"))).toMatch(/^6:\d+ services\[0\]\.servers/);
    expect(issuesOf(bad("{ name: payments, errorRate: 2 }"))).toMatch(/services\[0\]\.errorRate/);
    expect(issuesOf(bad("{ name: payments, rateLimit: fast }"))).toMatch(/services\[0\]\.rateLimit/);
    expect(issuesOf(doc("process: 1ms").replace("stores: [{ name: ledger }]", "stores: [{ name: ledger, latency: 1ms }]"))).toMatch(/^7:\d+ stores\[0\]/);
    expect(issuesOf(doc("process: 1ms").replace("stores: [{ name: ledger }]", "stores: [{ name: orders }]"))).toMatch(/stores\[0\]\.name: the name "orders" is already used under topics/);
  });

  it("checks service faults, store crashes, redrive and expect.downstream references", () => {
    const f = (fault: string) => doc("effect: { store: ledger }", `faults:\n  - ${fault}\n`);
    expect(issuesOf(f("{ at: 1s, outage: paymentz, for: 1s }"))).toMatch(/^14:\d+ faults\[0\]\.outage: no service named "paymentz"/);
    expect(issuesOf(f("{ at: 1s, brownout: { service: nope } }"))).toMatch(/faults\[0\]\.brownout\.service: no service named "nope"/);
    expect(issuesOf(f("{ at: 1s, slowdown: { service: payments, factor: 0 } }"))).toMatch(/faults\[0\]/);
    expect(issuesOf(f("{ at: 1s, crash: ledger, for: 1s }"))).toBe("");
    expect(issuesOf(f("{ random: outage, targets: [payments, paymnts], rate: 1/min }"))).toMatch(/^14:\d+ faults\[0\]\.targets\[1\]: no service named "paymnts"/);
    expect(issuesOf(f("{ random: outage, targets: [payments], rate: 1/min }"))).toBe("");
    expect(issuesOf(f("{ at: 1s, redrive: { from: orders.DLQ, to: orders } }"))).toMatch(/faults\[0\]\.redrive\.from: no dead-letter topic named "orders\.DLQ"/);
    expect(issuesOf(f("{ at: 1s, redrive: { from: orders.DLT, to: refunds } }"))).toMatch(/faults\[0\]\.redrive\.to: records of orders\.DLT go back to orders/);
    expect(issuesOf(doc("process: 1ms", "expect: { downstream: { paymnts: { maxRate: 10/s } } }\n"))).toMatch(/expect\.downstream\.paymnts: no service named "paymnts"/);
    expect(issuesOf(doc("process: 1ms", "expect: { downstream: { payments: { maxRate: lots } } }\n"))).toMatch(/expect\.downstream\.payments\.maxRate/);
  });
});
