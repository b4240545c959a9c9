// A realistic RunResult for report tests: 60 s at 200 ms buckets (300 buckets), two consumer groups,
// a broker crash from 20 s to 26 s that stalls consumption (nulls in the latency series), and a failing
// no-loss verdict with anomalies. Built from a tiny seeded generator so every test sees the same numbers.
import type { Anomaly, RunResult } from "../../src/report/result-types.ts";

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FixtureOptions {
  description?: string;
  name?: string;
}

const SECOND = 1_000_000;

export function buildFixtureResult(options: FixtureOptions = {}): RunResult {
  const rand = mulberry32(42);
  const bucketUs = 200_000;
  const durationUs = 60 * SECOND;
  const buckets = durationUs / bucketUs;
  const faultStartUs = 20 * SECOND;
  const faultEndUs = 26 * SECOND;
  const dt = bucketUs / SECOND;

  const groups = [
    { name: "billing", capacity: (tUs: number) => (tUs < faultStartUs || tUs >= faultEndUs ? 2600 : 1950), lag: 0, values: [] as number[], max: 0 },
    { name: "analytics", capacity: () => 3200, lag: 0, values: [] as number[], max: 0 },
  ];
  const t: number[] = [];
  const p50: (number | null)[] = [];
  const p99: (number | null)[] = [];
  const pmax: (number | null)[] = [];
  const producedPerS: number[] = [];
  const consumedPerS: number[] = [];
  let produced = 0;
  let consumed = 0;

  for (let i = 0; i < buckets; i++) {
    const tUs = i * bucketUs;
    t.push(tUs);
    // The producer ramps up over the first second, then runs at ~2000 msg/s with noise.
    const rate = tUs < SECOND ? 2000 * (tUs / SECOND) : 2000 + (rand() - 0.5) * 300;
    const producedNow = Math.round(rate * dt);
    produced += producedNow;
    producedPerS.push(producedNow / dt);
    // Leader election after the crash: nobody consumes for the first second of the fault.
    const stalled = tUs >= faultStartUs && tUs < faultStartUs + SECOND;
    let consumedNow = 0;
    for (const g of groups) {
      const available = g.lag + producedNow;
      const take = stalled ? 0 : Math.min(available, Math.round(g.capacity(tUs) * dt));
      g.lag = available - take;
      g.max = Math.max(g.max, g.lag);
      g.values.push(g.lag);
      consumedNow += take;
    }
    consumed += consumedNow;
    consumedPerS.push(consumedNow / dt);
    if (consumedNow === 0) {
      // No message finished in this bucket, so there is no latency to report: a gap, not a zero.
      p50.push(null);
      p99.push(null);
      pmax.push(null);
    } else {
      const queueUs = (groups[0].lag / 2600) * SECOND;
      const base = 2_500 + rand() * 1_500 + queueUs * 0.5;
      p50.push(Math.round(base));
      p99.push(Math.round(base * 4 + 6_000 + rand() * 4_000 + queueUs));
      pmax.push(Math.round(base * 8 + 15_000 + rand() * 25_000 + queueUs * 1.3));
    }
  }

  const anomalies: Anomaly[] = Array.from({ length: 6 }, (_, k) => ({
    kind: "lost-write",
    explanation: `acknowledged at ${(20.1 + k * 0.013).toFixed(3)} s but never delivered to billing: offset ${88_210 + k} was committed by auto-commit before billing-1 processed it, then billing-1 crashed`,
    messageIds: [40_112 + k * 3],
    keys: [`customer-${(k * 37) % 1000}`],
    partition: 7,
    offsets: [88_210 + k],
    timesUs: [20_100_000 + k * 13_000, 20_400_000 + k * 13_000],
  }));
  anomalies.push({
    kind: "lost-write",
    explanation: "a batch of acknowledged records vanished when the crashed broker's uncommitted tail was truncated",
    messageIds: Array.from({ length: 14 }, (_, k) => 40_400 + k),
    keys: ["customer-3", "customer-17", "customer-998"],
    partition: 2,
    offsets: Array.from({ length: 14 }, (_, k) => 91_000 + k),
    timesUs: [20_012_345],
  });

  const latencies = p99.filter((v): v is number => v !== null);
  return {
    brokersim: "0.1.0",
    scenario: {
      name: options.name ?? "auto-commit-crash",
      description:
        options.description ??
        "A consumer auto-commits, then crashes mid-batch; the records it had not finished are lost.",
      file: "scenarios/auto-commit-crash.yaml",
      resolved: {
        name: "auto-commit-crash",
        durationUs,
        cluster: { brokers: 3 },
        topics: [{ name: "orders", partitions: 12, replicationFactor: 3, minInsyncReplicas: 2 }],
        producers: [{ name: "checkout", topic: "orders", ratePerS: 2000, acks: "all" }],
        consumerGroups: [
          { name: "billing", topic: "orders", members: 4, commit: { mode: "auto", intervalUs: 5_000_000 } },
          { name: "analytics", topic: "orders", members: 2, commit: { mode: "manual" } },
        ],
        faults: [{ atUs: faultStartUs, crash: "broker-2", restartAfterUs: faultEndUs - faultStartUs }],
        expect: { hold: ["per-key-order", "no-loss"], latency: { p99Us: 200_000 } },
      },
    },
    seed: 1234,
    fingerprint: "9f3c2a71d04be85e",
    events: 1_482_337,
    simulatedUs: durationUs,
    verdicts: [
      {
        invariant: "per-key-order",
        holds: true,
        checked: 1000,
        anomalyCount: 0,
        anomalies: [],
        summary: "Every key was processed in the order it was produced (1,000 keys).",
      },
      {
        invariant: "no-loss",
        holds: false,
        checked: produced,
        anomalyCount: 37,
        anomalies,
        summary: "37 acknowledged messages were never processed by billing.",
      },
    ],
    expectations: [
      { expectation: "hold: per-key-order", met: true, detail: "holds over 1,000 keys" },
      { expectation: "hold: no-loss", met: false, detail: "violated: 37 lost writes, first at 20.012 s" },
      { expectation: "latency p99 <= 200ms", met: true, detail: "p99 was 41.2 ms" },
    ],
    passed: false,
    metrics: {
      endToEndLatencyUs: {
        count: consumed,
        mean: 5_300,
        p50: 3_400,
        p90: 9_800,
        p99: 41_200,
        p999: 310_000,
        max: Math.max(...latencies, 1_480_000),
      },
      produced,
      acknowledged: produced - 4,
      consumed,
      producedPerS: produced / 60,
      consumedPerS: consumed / 60,
      maxLag: groups.map((g) => ({ group: g.name, records: g.max })),
      finalLag: groups.map((g) => ({ group: g.name, records: g.lag })),
      series: {
        bucketUs,
        t,
        latencyP50Us: p50,
        latencyP99Us: p99,
        latencyMaxUs: pmax,
        producedPerS,
        consumedPerS,
        lag: groups.map((g) => ({ group: g.name, values: g.values })),
      },
      faults: [{ label: "crash broker-2", startUs: faultStartUs, endUs: faultEndUs }],
    },
    replay: "npx brokersim run scenarios/auto-commit-crash.yaml --seed 1234",
  };
}
