// Pause windows per consumer from the AppMemberPaused / AppMemberResumed rows, and the chart drawn from them.
import { describe, expect, it } from "vitest";
import { History, Op } from "../../../src/history/history.ts";
import { MAX_WINDOWS, memberPauseWindows, memberPausesMetric } from "../../../src/models/app/member-pauses.ts";
import { chartSpecs, renderReportHtml } from "../../../src/report/html.ts";
import { buildFixtureResult } from "../../report/fixture.ts";

function history(rows: [op: number, member: string, owner: string, t: number][]): History {
  const h = new History();
  for (const [op, member, owner, t] of rows) h.record(op, t, -1, h.actor(member, "consumer"), -1, 0, h.actor(owner, "group"));
  return h;
}

describe("member pause windows", () => {
  it("pairs each pause with its resume, per member, and closes an open pause at the end of the run", () => {
    const h = history([
      [Op.AppMemberPaused, "billing-0", "billing", 1_000],
      [Op.AppMemberPaused, "billing-1", "billing", 1_500],
      [Op.AppMemberResumed, "billing-0", "billing", 3_000],
      [Op.AppMemberPaused, "billing-0", "billing", 10_000],
    ]);
    expect(memberPauseWindows(h, 20_000, 1)).toEqual([
      { member: "billing-0", owner: "billing", pauses: 2, pausedUs: 12_000, windows: [[1_000, 3_000], [10_000, 20_000]] },
      { member: "billing-1", owner: "billing", pauses: 1, pausedUs: 18_500, windows: [[1_500, 20_000]] },
    ]);
  });

  it("draws pauses closer than the merge gap as one band, but keeps their count and time exact", () => {
    const h = history([
      [Op.AppMemberPaused, "w-0", "jobs", 0],
      [Op.AppMemberResumed, "w-0", "jobs", 100],
      [Op.AppMemberPaused, "w-0", "jobs", 150],
      [Op.AppMemberResumed, "w-0", "jobs", 300],
    ]);
    expect(memberPauseWindows(h, 1_000, 100)).toEqual([{ member: "w-0", owner: "jobs", pauses: 2, pausedUs: 250, windows: [[0, 300]] }]);
    expect(memberPauseWindows(h, 1_000, 10)[0].windows).toEqual([[0, 100], [150, 300]]);
  });

  it("keeps at most MAX_WINDOWS bands per member", () => {
    const rows: [number, string, string, number][] = [];
    for (let i = 0; i < MAX_WINDOWS + 50; i++) rows.push([Op.AppMemberPaused, "w-0", "jobs", i * 100], [Op.AppMemberResumed, "w-0", "jobs", i * 100 + 10]);
    const [w] = memberPauseWindows(history(rows), 1e6, 1);
    expect(w.windows.length).toBe(MAX_WINDOWS);
    expect(w.pauses).toBe(MAX_WINDOWS + 50);
    expect(w.pausedUs).toBe((MAX_WINDOWS + 50) * 10);
  });

  it("adds nothing to result.json when no consumer paused", () => {
    expect(memberPausesMetric(new History(), 1e6, 1000)).toEqual({});
  });
});

describe("the pauses chart", () => {
  it("has one band per pause window and row per member, over the fault windows, and renders into the page", () => {
    const result = buildFixtureResult();
    expect(chartSpecs(result)).not.toHaveProperty("pauses");
    result.metrics.memberPauses = [
      { member: "billing-0", owner: "billing", pauses: 3, pausedUs: 4_000_000, windows: [[20_000_000, 23_000_000], [25_000_000, 26_000_000]] },
      { member: "billing-1", owner: "billing", pauses: 1, pausedUs: 2_000_000, windows: [[21_000_000, 23_000_000]] },
    ];
    const spec = chartSpecs(result).pauses as { layer: { mark: { type: string; color?: string }; data: { values: Record<string, unknown>[] } }[] };
    const bands = spec.layer[spec.layer.length - 1];
    expect(bands.mark.type).toBe("rect");
    expect(bands.data.values.map((v) => [v.member, v.fromS, v.toS])).toEqual([
      ["billing-0 (billing)", 20, 23],
      ["billing-0 (billing)", 25, 26],
      ["billing-1 (billing)", 21, 23],
    ]);
    // The fault windows are shaded underneath, as on the other charts.
    expect(spec.layer.some((l) => l.mark.type === "rect" && l.mark.color === "#d62728")).toBe(true);
    expect(renderReportHtml(result)).toContain("Consumers paused at their in-flight limit");
  });
});
