// downstream-load: the calls offered to a downstream service stay under `expect.downstream.<service>.maxRate`
// over every sliding window of `window`. The anomaly names the peak, when it happened, and how many of the calls
// in that window were first attempts and how many were retries (by attempt number): a retry storm shows itself.
import { Op, type History } from "../../history/history.ts";
import type { Anomaly } from "../../report/result-types.ts";
import type { Scenario } from "../../scenario/schema.ts";
import { fmtS, verdictOf, type Checker } from "../verdict.ts";

export const downstreamLoad: Checker = (h: History, s: Scenario) => {
  const bounds = s.expect.downstream ?? {};
  const anomalies: Anomaly[] = [];
  let checked = 0;
  for (const name of Object.keys(bounds).sort()) {
    const { maxRate, window } = bounds[name];
    const actor = h.actorId(name);
    checked++;
    if (actor === undefined) continue;
    const rows: number[] = [];
    for (let i = 0; i < h.opCount; i++) if (h.opKind[i] === Op.AppCallStart && h.opAux[i] === actor) rows.push(i);
    const limit = (maxRate * window) / 1e6;
    // Two pointers: calls in (t - window, t] for each call time t.
    let lo = 0, peak = 0, peakHi = -1, firstOver = -1;
    for (let hi = 0; hi < rows.length; hi++) {
      const t = h.opTimeUs[rows[hi]];
      while (h.opTimeUs[rows[lo]] <= t - window) lo++;
      const n = hi - lo + 1;
      if (n > peak) {
        peak = n;
        peakHi = hi;
      }
      if (n > limit && firstOver < 0) firstOver = hi;
    }
    if (peak <= limit) continue;
    const endUs = h.opTimeUs[rows[peakHi]];
    const byAttempt = new Map<number, number>();
    for (let j = peakHi; j >= 0 && h.opTimeUs[rows[j]] > endUs - window; j--) {
      const a = h.opPartition[rows[j]];
      byAttempt.set(a, (byAttempt.get(a) ?? 0) + 1);
    }
    const parts = [...byAttempt.entries()].sort((a, b) => a[0] - b[0]).map(([a, c]) => (a === 1 ? `${c} first attempt(s)` : `${c} attempt #${a}`));
    const retries = [...byAttempt.entries()].filter(([a]) => a > 1).reduce((x, [, c]) => x + c, 0);
    anomalies.push({
      kind: "downstream-overload",
      explanation:
        `${name} was offered ${peak} call(s) in the ${fmtS(window)} ending at ${fmtS(endUs)} (${Math.round((peak * 1e6) / window)}/s, bound ${maxRate}/s), ` +
        `first over the bound at ${fmtS(h.opTimeUs[rows[firstOver]])}; ${retries} of them retries: ${parts.join(", ")}`,
      messageIds: [],
      timesUs: [endUs - window, endUs],
    });
  }
  return verdictOf(
    "downstream-load",
    checked,
    anomalies,
    checked === 0 ? "no bound given (expect.downstream)" : `every service stayed within its load bound (${checked} service(s))`,
    (n) => `${n} service(s) offered more load than their bound`,
  );
};
