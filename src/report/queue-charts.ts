// The queue part of the report: per-queue charts over time (messages waiting — a dead-letter queue's line is
// its DLQ size —, in flight, age of the oldest message, mean queue wait next to mean processing time,
// redeliveries) and a table per queue with wait vs processing percentiles, Little's law, the producers'
// confirm latency (send → SendMessage answer / publisher confirm) and the ledger (where every message sent to
// the queue ended). charts.ts passes its chart builder in, so there is no cycle.
import type { QueueRunMetrics, RunResult } from "./result-types.ts";
import type { TimeChartOptions } from "./charts.ts";

const PALETTE = ["#4c78a8", "#f58518", "#54a24b", "#b279a2", "#9d755d", "#e45756", "#72b7b2", "#eeca3b"];

export const QUEUE_CHART_TITLES: Record<string, string> = {
  "queue-depth": "Messages waiting per queue (time-averaged; a dead-letter queue's line is its size)",
  "queue-in-flight": "Messages in flight per queue (delivered, not yet acknowledged)",
  "queue-oldest-age": "Age of the oldest message per queue",
  "queue-wait-vs-processing": "Mean queue wait vs mean processing time",
  "queue-redeliveries": "Redeliveries per queue",
};

const r3 = (v: number | null | undefined): number | null => (typeof v === "number" && Number.isFinite(v) ? Number(v.toFixed(3)) : null);

export function queueChartSpecs(result: RunResult, chart: (o: TimeChartOptions) => object): Record<string, object> {
  const queues = result.metrics.queues ?? [];
  if (queues.length === 0) return {};
  const { series, faults } = result.metrics;
  const totalS = result.simulatedUs / 1e6;
  // Queue series share the run's bucket width (both come from chooseBucketUs over the same span).
  const tS = series.t.map((t) => Number((t / 1e6).toFixed(6)));
  const n = Math.min(tS.length, queues[0].series.depth.length);
  const perQueue = (pick: (q: QueueRunMetrics, i: number) => number | null, y: string, fmt: string): TimeChartOptions => ({
    rows: tS.slice(0, n).map((t, i) => Object.fromEntries([["t", t], ...queues.map((q, j) => [`q${j}`, pick(q, i)])])),
    series: queues.map((q, j) => ({ field: `q${j}`, label: q.queue, color: PALETTE[j % PALETTE.length] })),
    yTitle: y,
    tooltipFormat: fmt,
    faults,
    totalS,
  });
  const wait = queues.flatMap((q, j) => [
    { field: `w${j}`, label: `${q.queue} wait`, color: PALETTE[(2 * j) % PALETTE.length] },
    { field: `p${j}`, label: `${q.queue} processing`, color: PALETTE[(2 * j + 1) % PALETTE.length] },
  ]);
  const ms = (us: number | null | undefined): number | null => (us === null || us === undefined ? null : r3(us / 1000));
  return {
    "queue-depth": chart(perQueue((q, i) => r3(q.series.depth[i]), "messages waiting", ",.2f")),
    "queue-in-flight": chart(perQueue((q, i) => r3(q.series.inFlight[i]), "messages in flight", ",.2f")),
    "queue-oldest-age": chart(perQueue((q, i) => r3(q.series.oldestAgeUs[i] / 1e6), "oldest message age (s)", ",.3f")),
    "queue-wait-vs-processing": chart({
      rows: tS.slice(0, n).map((t, i) =>
        Object.fromEntries([["t", t], ...queues.flatMap((q, j) => [[`w${j}`, ms(q.series.queueWaitMeanUs[i])], [`p${j}`, ms(q.series.processingMeanUs[i])]])]),
      ),
      series: wait,
      yTitle: "mean per bucket (ms)",
      tooltipFormat: ",.3f",
      faults,
      totalS,
    }),
    "queue-redeliveries": chart(perQueue((q, i) => r3(q.series.redeliveriesPerS[i]), "redeliveries (msg/s)", ",.1f")),
  };
}

const fmtMs = (us: number): string => (us / 1000).toFixed(us < 10_000 ? 3 : 1);

/** The queues section: one table of wait vs processing and Little's law, one ledger table. Empty without queues. */
export function queuesSection(result: RunResult, escapeHtml: (s: string) => string): string {
  const queues = result.metrics.queues ?? [];
  if (queues.length === 0) return "";
  const cell = (v: string | number): string => `<td class="num">${typeof v === "number" ? String(v) : v}</td>`;
  const rows = queues
    .map((q) => {
      const w = q.queueWaitUs;
      const p = q.processingUs;
      const cf = q.confirmLatencyUs;
      const confirm = cf && cf.count > 0 ? `${cell(fmtMs(cf.p50))}${cell(fmtMs(cf.p99))}` : `${cell("–")}${cell("–")}`;
      return `<tr><td><code>${escapeHtml(q.queue)}</code></td><td>${escapeHtml(q.kind)}</td>${cell(q.deliveries)}${cell(q.redeliveries)}${cell(fmtMs(q.waitMeanExactUs))}${cell(
        fmtMs(w.p50),
      )}${cell(fmtMs(w.p99))}${cell(fmtMs(p.mean))}${cell(fmtMs(p.p99))}${cell(q.timeAvgDepth.toFixed(3))}${cell(q.littlesLaw.predictedDepth.toFixed(3))}${cell(
        q.timeAvgInFlight.toFixed(3),
      )}${cell(q.maxDepth)}${confirm}</tr>`;
    })
    .join("");
  const ledgerRows = queues
    .filter((q) => q.ledger)
    .map((q) => {
      const l = q.ledger!;
      const vanished = l.vanished > 0 ? `<td class="num"><span class="badge bad">${l.vanished}</span></td>` : cell(0);
      return `<tr><td><code>${escapeHtml(q.queue)}</code></td>${cell(l.sent)}${cell(l.acked)}${cell(l.inDeadLetterQueue)}${cell(l.dropped)}${cell(
        l.deduplicated,
      )}${cell(l.waiting)}${cell(l.inFlight)}${cell(l.notDelivered)}${vanished}</tr>`;
    })
    .join("");
  const triage = queues
    .flatMap((q) => (q.deadLetters ?? []).map((d) => `<tr><td><code>${escapeHtml(q.queue)}</code></td><td>m-${d.msg}</td><td>${escapeHtml(d.key)}</td><td>${escapeHtml(d.xDeath)}</td></tr>`))
    .join("");
  const triageSection = triage
    ? `<h3>Dead-letter triage: messages held in a dead-letter queue at the end, with their x-death headers</h3>
<p class="muted">One x-death entry per (queue, reason), most recent first; the dlq-correctness evidence adds each message's receive history.</p>
<div class="scroll"><table><thead><tr><th>held by</th><th>message</th><th>key</th><th>x-death</th></tr></thead><tbody>${triage}</tbody></table></div>`
    : "";
  return `<section><h2>Queues</h2>
<p class="muted">Queue wait runs from enqueue (or return) to delivery; processing from handler start to end. Little's law: time-averaged
depth ≈ delivery rate × mean wait. Confirm: send → the producer's answer (RabbitMQ waits for the fsync batch or the quorum commit).</p>
<div class="scroll"><table><thead><tr><th>queue</th><th>kind</th><th class="num">deliveries</th><th class="num">redeliveries</th>
<th class="num">wait mean (ms)</th><th class="num">wait p50</th><th class="num">wait p99</th><th class="num">processing mean (ms)</th>
<th class="num">processing p99</th><th class="num">avg depth</th><th class="num">λ·W</th><th class="num">avg in flight</th><th class="num">max depth</th>
<th class="num">confirm p50 (ms)</th><th class="num">confirm p99</th></tr></thead>
<tbody>${rows}</tbody></table></div>
<h3>Ledger: where every message sent to each queue ended</h3>
<div class="scroll"><table><thead><tr><th>sent to</th><th class="num">sent</th><th class="num">acknowledged</th><th class="num">in DLQ</th>
<th class="num">dropped</th><th class="num">deduplicated</th><th class="num">still waiting</th><th class="num">in flight</th>
<th class="num">send lost</th><th class="num">vanished</th></tr></thead><tbody>${ledgerRows || `<tr><td colspan="10" class="muted">No queue producers.</td></tr>`}</tbody></table></div>
${triageSection}</section>`;
}
