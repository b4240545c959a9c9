// Human-readable terminal output for runs. Pure string building: main.ts decides where it goes.
import type { RunResult } from "../report/result-types.ts";
import type { Scenario, DurationDistribution } from "../scenario/schema.ts";
import { formatDurationUs, formatRatePerS } from "../scenario/units.ts";
import { resolveIdempotence } from "../scenario/schema-kafka.ts";
import { describeKinds, verdictWord } from "../checkers/anomaly-ledger.ts";
import { noStreamReason } from "../report/no-figure.ts";
import { latencyLines } from "./latency-format.ts";

export function describeDistribution(d: DurationDistribution): string {
  if ("constant" in d) return formatDurationUs(d.constant);
  if ("uniform" in d) return `uniform(${formatDurationUs(d.uniform.min)}..${formatDurationUs(d.uniform.max)})`;
  if ("exponential" in d) return `exponential(mean ${formatDurationUs(d.exponential.mean)})`;
  if ("normal" in d) return `normal(mean ${formatDurationUs(d.normal.mean)}, sd ${formatDurationUs(d.normal.sd)})`;
  if ("lognormal" in d) return `lognormal(median ${formatDurationUs(d.lognormal.median)}, sigma ${d.lognormal.sigma})`;
  if ("pareto" in d) return `pareto(scale ${formatDurationUs(d.pareto.scale)}, shape ${d.pareto.shape})`;
  return `empirical(${d.empirical.values.length} values)`;
}

/** The resolved settings, one line per thing, printed before the run so a replay shows what ran. */
export function describeScenario(s: Scenario): string[] {
  const lines = [
    `duration ${formatDurationUs(s.duration)}, drain ${formatDurationUs(s.drain)}, ` +
      `network latency ${describeDistribution(s.network.latency)}, brokers ${s.cluster.brokers}, ` +
      `append time ${describeDistribution(s.cluster.appendTime)}`,
  ];
  for (const t of s.topics) {
    lines.push(
      `topic ${t.name}: ${t.partitions} partition${t.partitions === 1 ? "" : "s"}, replication factor ${t.replicationFactor}, ` +
        `min.insync.replicas ${t.minInsyncReplicas}${t.uncleanLeaderElection ? ", unclean leader election ON" : ""}`,
    );
  }
  for (const p of s.producers) {
    const steps = p.schedule.map((st) => `${formatRatePerS(st.rate)} from ${formatDurationUs(st.at)}`).join(", ");
    const keys = p.keys.distribution === "zipf" ? `zipf(s=${p.keys.zipfExponent})` : p.keys.distribution;
    lines.push(
      `producer ${p.name} -> ${p.topic}: ${formatRatePerS(p.rate)} ${p.arrivals}${steps ? `, then ${steps}` : ""}, ` +
        `${p.keys.count} keys ${keys}${p.maxMessages !== undefined ? `, at most ${p.maxMessages} messages` : ""}; ` +
        `acks=${p.acks === -1 ? "all" : p.acks}, idempotence ${resolveIdempotence(p) ? "on" : "off"}, retries ${p.retries}, max.in.flight ${p.maxInFlight}`,
    );
  }
  for (const g of s.consumerGroups) {
    lines.push(
      `group ${g.name} <- ${(g.topics ?? [g.topic]).join(", ")}: ${g.members} member${g.members === 1 ? "" : "s"}, ` +
        `${g.protocol === "consumer" ? `protocol consumer (KIP-848), broker assignor ${g.serverAssignor}` : `protocol classic, assignor ${g.assignor}`}` +
        `${g.staticMembership ? " (static)" : ""}, max.poll.records ${g.maxPollRecords}, ` +
        `processing ${describeDistribution(g.processing.time)}, commit ${g.commit.mode}` +
        `${g.commit.mode === "auto" ? ` every ${formatDurationUs(g.commit.interval)}` : ""}`,
    );
  }
  for (const q of s.queues ?? []) lines.push(`queue ${q.name}: ${q.kind}${q.deadLetter ? ", with a dead-letter queue" : ""}`);
  for (const p of s.queueProducers ?? []) lines.push(`queue producer ${p.name} -> ${p.queue}: ${formatRatePerS(p.rate)} ${p.arrivals}, ${p.keys.count} keys`);
  for (const c of s.queueConsumers ?? []) lines.push(`queue consumers ${c.name} <- ${c.queue}: ${c.count}, processing ${describeDistribution(c.processing.time)}`);
  lines.push(...describeFaults(s));
  return lines;
}

const DURATION_FIELDS = new Set(["at", "for", "minDuration", "latency", "extra", "duration", "restartAfter"]);

/** Each scheduled fault in one line, durations in the units a person writes ("crash broker-1 at 10s for 5s"). */
export function describeFaults(s: Scenario): string[] {
  const out: string[] = [];
  for (const f of s.faults as Record<string, unknown>[]) {
    const parts: string[] = [];
    for (const [k, v] of Object.entries(f)) {
      if (v === false) continue;
      if (DURATION_FIELDS.has(k) && typeof v === "number") parts.push(`${k} ${formatDurationUs(v)}`);
      else parts.push(`${k} ${typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? String(v) : JSON.stringify(v)}`);
    }
    out.push(`fault: ${parts.join(", ")}`);
  }
  if (out.length === 0) out.push("faults: none");
  return out;
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + " ".repeat(n - s.length);
}

export function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : pad(cell, widths[c]))).join("  ").trimEnd());
}

/** The root causes, largest first, each with its size and its symptoms per invariant. */
export function formatCauses(r: RunResult, shown = 5): string[] {
  const causes = r.causes ?? [];
  if (causes.length === 0) return [];
  const out = ["", `root causes (${causes.length}; every anomaly of every invariant, grouped; the symptoms follow per invariant):`];
  for (const c of causes.slice(0, shown)) {
    const when = c.firstUs === null ? "" : c.firstUs === c.lastUs ? ` at ${formatDurationUs(c.firstUs)}` : ` from ${formatDurationUs(c.firstUs)} to ${formatDurationUs(c.lastUs!)}`;
    out.push(`  ${c.messages} message${c.messages === 1 ? "" : "s"}, ${c.anomalies} anomal${c.anomalies === 1 ? "y" : "ies"}${when}: ${c.cause}`);
    out.push(`      symptoms: ${c.symptoms.map((x) => `${x.invariant} ${x.kind} ${x.count}`).join(", ")}`);
  }
  if (causes.length > shown) out.push(`  ... ${causes.length - shown} more causes in result.json`);
  return out;
}

export function formatRunSummary(r: RunResult): string[] {
  const out: string[] = [];
  out.push(...formatCauses(r));
  out.push("", "verdicts:");
  const rows = [["  invariant", "verdict", "checked", "anomalies", "summary"]];
  for (const v of r.verdicts) {
    const summary = v.notChecked !== undefined && v.holds ? `not checked: ${v.notChecked}` : v.summary;
    rows.push([`  ${v.invariant}`, verdictWord(v), v.notChecked !== undefined && v.holds ? "—" : String(v.checked), String(v.anomalyCount), summary]);
  }
  out.push(...table(rows));
  for (const v of r.verdicts) {
    if (v.anomalyKinds && v.anomalyKinds.length > 1) out.push(`    ${v.invariant}: ${v.anomalyCount} anomalies: ${describeKinds(v.anomalyKinds)}`);
    for (const a of v.anomalies.slice(0, 3)) out.push(`    ${v.invariant}: ${a.kind}: ${a.explanation}`);
    if (v.anomalyCount > 3) out.push(`    ${v.invariant}: ... ${v.anomalyCount - 3} more in anomalies.jsonl`);
  }
  if (r.expectations.length > 0) {
    out.push("", "expectations:");
    for (const e of r.expectations) out.push(`  ${e.met ? "ok  " : "FAIL"}  ${e.expectation}  (${e.detail})`);
  }
  out.push(...latencyLines(r));
  const m = r.metrics;
  const l = m.endToEndLatencyUs;
  out.push("", "metrics:", ...streamMetricLines(r));
  for (let i = 0; i < m.maxLag.length; i++) {
    out.push(`  lag ${m.maxLag[i].group}`.padEnd(22) + `max ${m.maxLag[i].records}  at end ${m.finalLag[i].records}`);
    const g = m.groups?.find((x) => x.group === m.maxLag[i].group);
    if (g && (g.rebalances > 0 || g.partitionUnownedUs > 0)) {
      out.push(
        `  rebalances ${g.group}`.padEnd(22) +
          `${g.rebalances} (${g.protocol}), ${formatDurationUs(g.rebalanceUs)} rebalancing, partitions unowned ${formatDurationUs(g.partitionUnownedUs)} in total`,
      );
    }
    if (g?.memberPauses && g.memberPauses.length > 0) {
      const parts = g.memberPauses.map((p) => `${p.member} ${p.pauses}× ${formatDurationUs(p.pausedUs)}`);
      out.push(`  paused ${g.group}`.padEnd(22) + `at maxInFlight (consumer.pause): ${parts.join(", ")}`);
    }
    if (g && g.recovery.length > 0) {
      const parts = g.recovery.map((r) => `${r.fault} ${r.recoveredAfterUs === null ? "not recovered" : formatDurationUs(r.recoveredAfterUs)}`);
      out.push(`  recovery ${g.group}`.padEnd(22) + `lag <= ${g.lagThreshold} again after: ${parts.join("; ")}`);
    }
  }
  for (const q of m.queues ?? []) {
    const l = q.ledger;
    out.push(
      `  queue ${q.queue}`.padEnd(22) +
        `wait mean ${formatDurationUs(Math.round(q.waitMeanExactUs))} p99 ${formatDurationUs(q.queueWaitUs.p99)}  processing mean ${formatDurationUs(q.processingUs.mean)}  ` +
        `avg depth ${q.timeAvgDepth.toFixed(2)}  redeliveries ${q.redeliveries}` +
        (l ? `  sent ${l.sent}: acked ${l.acked}, in DLQ ${l.inDeadLetterQueue}, dropped ${l.dropped}, dedup ${l.deduplicated}, left ${l.waiting + l.inFlight}` : `  enqueued ${q.enqueued}`),
    );
    const paused = (m.memberPauses ?? []).filter((p) => p.owner === q.queue);
    if (paused.length > 0) out.push(`  paused ${q.queue}`.padEnd(22) + `at maxInFlight (no ReceiveMessage): ${paused.map((p) => `${p.member} ${p.pauses}× ${formatDurationUs(p.pausedUs)}`).join(", ")}`);
  }
  out.push(`  simulated ${formatDurationUs(r.simulatedUs)} in ${r.events} events, fingerprint ${r.fingerprint}`);
  return out;
}

/** Stream latency, counts and rates, with "—" and the reason where a zero would mislead. */
function streamMetricLines(r: RunResult): string[] {
  const m = r.metrics;
  const l = m.endToEndLatencyUs;
  const why = noStreamReason(r);
  if (why.produced !== undefined) {
    const queues = m.queues ?? [];
    return queues.length > 0
      ? [`  stream              — (${why.produced}; the queues' own counts follow)`]
      : [`  stream              — (${why.produced})`];
  }
  return [
    why.processed !== undefined
      ? `  end-to-end latency  — (${why.processed}: no record was processed)`
      : `  end-to-end latency  p50 ${formatDurationUs(l.p50)}  p90 ${formatDurationUs(l.p90)}  p99 ${formatDurationUs(l.p99)}  ` +
        `max ${formatDurationUs(l.max)}  (${l.count} processed)`,
    `  messages            produced ${m.produced}  acknowledged ${m.acknowledged}  processed ${why.processed === "no consumer group" ? "— (no consumer group)" : m.consumed}`,
    `  throughput          produced ${m.producedPerS.toFixed(1)}/s  processed ${why.processed === "no consumer group" ? "—" : `${m.consumedPerS.toFixed(1)}/s`}`,
  ];
}
