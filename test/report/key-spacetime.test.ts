import { describe, expect, it } from "vitest";
import { HistoryBuilder } from "../../src/history/history.ts";
import { keyHistories, keySpacetimeSection, keysNamedByAnomalies, MAX_KEY_MESSAGES } from "../../src/report/key-spacetime.ts";
import type { AnomalyRecord } from "../../src/checkers/anomaly-ledger.ts";
import { escapeHtml } from "../../src/report/html.ts";
import { buildFixtureResult } from "./fixture.ts";

const S = 1_000_000;
const anomaly = (invariant: string, kind: string, messageIds: number[], keys?: string[]): AnomalyRecord => ({ invariant, kind, explanation: "x", messageIds, ...(keys ? { keys } : {}) });

/** Key k1: #0 and #1 sent in order, #1 processed first by billing-1, #0 delivered twice (billing-2, then billing-1). */
function reordered() {
  const b = new HistoryBuilder();
  const m0 = b.send("checkout", "k1", "orders", 1 * S);
  const m1 = b.send("checkout", "k1", "orders", 1.1 * S);
  const other = b.send("checkout", "k2", "orders", 1.2 * S);
  b.append(m0, 2, 10, 1.5 * S).append(m1, 2, 9, 1.2 * S).append(other, 0, 3, 1.25 * S);
  b.process(m1, "billing", "billing-1", 2, 9, 2 * S, 2.1 * S);
  b.process(m0, "billing", "billing-2", 2, 10, 2.2 * S, 2.3 * S);
  b.process(m0, "billing", "billing-1", 2, 10, 3 * S, 3.1 * S);
  return { h: b.h, m0, m1, other };
}

describe("key space-time histories", () => {
  it("takes keys from order and duplicate anomalies first, from their messages when they name no key", () => {
    const { h, m0, other } = reordered();
    const keys = keysNamedByAnomalies(
      [anomaly("no-loss", "lost", [other], ["k2"]), anomaly("no-duplicates", "duplicate", [m0]), anomaly("per-key-order", "reorder-within-key", [m0], ["k1"])],
      (m) => h.keyOf(m),
    );
    // no-loss is not an order or duplicate invariant; per-key-order comes before no-duplicates.
    expect(keys).toEqual([{ key: "k1", reason: "per-key-order: reorder-within-key, no-duplicates: duplicate", messages: [m0] }]);
  });

  it("draws each message of the key from its send to where it was stored and on to each delivery", () => {
    const { h, m0, m1 } = reordered();
    const [k] = keyHistories(h, [{ key: "k1", reason: "per-key-order", messages: [m1] }]);
    expect(k.nodes).toEqual([
      { name: "checkout", kind: "producer" },
      { name: "orders-2", kind: "store" },
      { name: "billing-1", kind: "consumer" },
      { name: "billing-2", kind: "consumer" },
    ]);
    expect(k.messages.map((m) => m.msg)).toEqual([m0, m1]);
    const first = k.messages[0];
    expect(first).toMatchObject({ seq: 0, producer: 0, sentUs: 1 * S, flagged: false, stored: [{ node: 1, atUs: 1.5 * S, offset: 10 }] });
    expect(first.delivered).toEqual([{ node: 3, atUs: 2.2 * S }, { node: 2, atUs: 3 * S }]);
    expect(k.messages[1].flagged).toBe(true);
    expect(k.omitted).toBe(0);
  });

  it("keeps a window of at most MAX_KEY_MESSAGES messages around the first named one", () => {
    const b = new HistoryBuilder();
    const ids = Array.from({ length: MAX_KEY_MESSAGES * 3 }, (_, i) => b.send("p", "hot", "t", i));
    const target = ids[MAX_KEY_MESSAGES * 2];
    const [k] = keyHistories(b.h, [{ key: "hot", reason: "r", messages: [target] }]);
    expect(k.messages).toHaveLength(MAX_KEY_MESSAGES);
    expect(k.messages[0].msg).toBe(target - 2);
    expect(k.omitted).toBe(MAX_KEY_MESSAGES * 2);
  });

  it("draws one line per node and one arrow group per message, the named ones flagged", () => {
    const { h, m1 } = reordered();
    const result = buildFixtureResult();
    result.metrics.keyHistories = keyHistories(h, [{ key: "k1", reason: "per-key-order: reorder-within-key", messages: [m1] }]);
    const html = keySpacetimeSection(result, escapeHtml);
    expect(html.match(/<g class="node-line">/g)).toHaveLength(4);
    expect(html.match(/<g class="key-message/g)).toHaveLength(2);
    expect(html.match(/<g class="key-message flagged"/g)).toHaveLength(1);
    // m0: one arrow to its partition and two deliveries.
    expect(html.match(/data-message="0">[^]*?<\/g>/)![0].match(/marker-end/g)).toHaveLength(3);
    expect(keySpacetimeSection(buildFixtureResult(), escapeHtml)).toBe("");
  });
});
