import { describe, expect, it } from "vitest";
import { loadScenarioText } from "../../src/scenario/load.ts";
import { issuesOf } from "./issues-of.ts";

const doc = (processor: string, producerExtra = "") => `name: t
description: A test.
duration: 10s
topics: [{ name: clicks, partitions: 2 }, { name: counts, partitions: 2 }]
producers: [{ name: p, topic: clicks, rate: 10/s${producerExtra} }]
processors:
  - ${processor}
`;
const topo = "topology: [{ source: clicks }, { aggregate: { window: { tumbling: 10s }, grace: 0s } }, { sink: counts }]";
const with_ = (fields: string, topology = topo) => `{ applicationId: app, ${fields}${fields ? ", " : ""}${topology} }`;

describe("processor settings", () => {
  it("default to Kafka Streams' values", () => {
    const s = loadScenarioText(doc(with_("")), "t.yaml");
    expect(s.processors[0]).toMatchObject({
      instances: 1,
      processingGuarantee: "at_least_once",
      numStandbyReplicas: 0,
      timeModel: "kafka-streams",
      sessionTimeout: 45_000_000,
    });
    expect(s.processors[0].topology[1].aggregate).toMatchObject({ function: "count", suppress: "none", store: "aggregate-store", grace: 0 });
  });

  it("accepts a producer's event-time skew and clock skew", () => {
    const s = loadScenarioText(doc(with_(""), ", eventTime: { skew: { uniform: { min: 0ms, max: 2s } }, clockSkew: 300ms }"), "t.yaml");
    expect(s.producers[0].eventTime).toEqual({ skew: { uniform: { min: 0, max: 2_000_000 } }, clockSkew: 300_000 });
  });

  it("accepts exactly_once_v2 (commit.interval then defaults to every processed batch) and refuses an unknown guarantee with its line", () => {
    const s = loadScenarioText(doc(with_("processingGuarantee: exactly_once_v2")), "t.yaml");
    expect(s.processors[0].processingGuarantee).toBe("exactly_once_v2");
    expect(s.processors[0].commitInterval).toBeUndefined();
    const out = issuesOf(doc(with_("processingGuarantee: exactly_once")));
    expect(out).toMatch(/^7:48 processors\[0\]\.processingGuarantee: /);
    expect(out).toContain("exactly_once_v2");
  });

  it("accepts the flink time model over tumbling windows, and refuses it for session windows or an unknown late output topic", () => {
    expect(loadScenarioText(doc(with_("timeModel: flink, flink: { outOfOrderness: 2s, allowedLateness: 1s, lateOutput: counts }")), "t.yaml").processors[0].flink).toEqual({
      outOfOrderness: 2_000_000,
      allowedLateness: 1_000_000,
      autoWatermarkInterval: 200_000,
      lateOutput: "counts",
    });
    const session = "topology: [{ source: clicks }, { aggregate: { window: { session: 1s }, grace: 0s } }, { sink: counts }]";
    expect(issuesOf(doc(with_("timeModel: flink", session)))).toContain("timeModel flink needs an aggregate over tumbling or hopping windows");
    expect(issuesOf(doc(with_("timeModel: flink, flink: { lateOutput: late }")))).toContain('processors[0].flink.lateOutput: no topic named "late"');
  });

  it("names an unknown source or sink topic, with a guess", () => {
    const out = issuesOf(doc(with_("", "topology: [{ source: click }, { aggregate: { window: { tumbling: 10s }, grace: 0s } }, { sink: counts }]")));
    expect(out).toContain('processors[0].topology[0].source: no topic named "click"');
    expect(issuesOf(doc(with_("", "topology: [{ source: clicks }, { aggregate: { window: { tumbling: 10s }, grace: 0s } }, { sink: nowhere }]")))).toContain('topology[2].sink: no topic named "nowhere"');
  });

  it("wants a source first, a sink last, exactly one aggregate", () => {
    expect(issuesOf(doc(with_("", "topology: [{ sink: counts }, { source: clicks }]")))).toContain("a source must be the first step");
    expect(issuesOf(doc(with_("", "topology: [{ source: clicks }, { sink: counts }]")))).toContain("exactly one aggregate or join step, found 0");
    expect(issuesOf(doc(with_("", "topology: [{ source: clicks }, { aggregate: { window: { tumbling: 1s }, grace: 0s } }]")))).toContain("the last step must be a sink");
    expect(issuesOf(doc(with_("", "topology: [{ source: clicks }, { source: clicks, sink: counts }]")))).toContain("each step needs exactly one of source, filter, map, aggregate, join, sink");
  });

  it("wants exactly one window kind, in whole milliseconds, with advance ≤ size", () => {
    const agg = (a: string) => issuesOf(doc(with_("", `topology: [{ source: clicks }, { aggregate: ${a} }, { sink: counts }]`)));
    expect(agg("{ window: { tumbling: 1s, session: 1s }, grace: 0s }")).toContain("exactly one of tumbling, hopping, sliding, session");
    expect(agg("{ window: { tumbling: 1500us }, grace: 0s }")).toContain("window.tumbling: 1.5ms is not a whole number of milliseconds");
    expect(agg("{ window: { hopping: { size: 5s, advance: 10s } }, grace: 0s }")).toContain("advance 10s is larger than the size 5s");
    expect(agg("{ window: { tumbling: 0s }, grace: 0s }")).toContain("must be greater than 0");
  });

  it("requires grace to be chosen, as the current Kafka Streams APIs do", () => {
    expect(issuesOf(doc(with_("", "topology: [{ source: clicks }, { aggregate: { window: { tumbling: 1s } } }, { sink: counts }]")))).toContain("aggregate.grace");
  });

  it("rejects a bad filter expression, unknown fields and a name already taken", () => {
    expect(issuesOf(doc(with_("", "topology: [{ source: clicks }, { filter: { keyMatches: '[' } }, { aggregate: { window: { tumbling: 1s }, grace: 0s } }, { sink: counts }]")))).toContain("not a valid regular expression");
    expect(issuesOf(doc(with_("instancez: 2")))).toContain("instancez");
    expect(issuesOf(doc(`{ applicationId: clicks, ${topo} }`))).toContain('the name "clicks" is already used');
    expect(issuesOf(doc(with_("suppress: always")))).toContain("suppress");
  });

  it("lets faults name processor instances", () => {
    const s = loadScenarioText(doc(with_("instances: 2")) + "faults: [{ at: 5s, crash: app-1 }]\n", "t.yaml");
    expect(s.faults).toHaveLength(1);
  });

});

describe("stream–table join settings", () => {
  const topics = "topics: [{ name: clicks, partitions: 2 }, { name: users, partitions: 2 }, { name: counts, partitions: 2 }]";
  const tdoc = (join: string) => doc(with_("", `topology: [{ source: clicks }, { join: ${join} }, { sink: counts }]`)).replace(/^topics: .*$/m, topics);
  it("accepts table: true without window or grace, inner or left", () => {
    const s = loadScenarioText(tdoc("{ with: users, table: true, type: left }"), "t.yaml");
    const j = s.processors[0].topology[1].join!;
    expect([j.with, j.table, j.type, j.window, j.grace]).toEqual(["users", true, "left", undefined, undefined]);
  });
  it("refuses a window, a grace or an outer type on a table join, and a stream–stream join without window or grace", () => {
    expect(issuesOf(tdoc("{ with: users, table: true, window: 1s }"))).toContain("processors[0].topology[1].join.window: a stream–table join takes no window");
    expect(issuesOf(tdoc("{ with: users, table: true, grace: 1s }"))).toContain("a stream–table join takes no grace");
    expect(issuesOf(tdoc("{ with: users, table: true, type: outer }"))).toContain("processors[0].topology[1].join.type: a stream–table join is inner or left");
    const missing = issuesOf(tdoc("{ with: users }"));
    expect(missing).toContain("a stream–stream join needs a window");
    expect(missing).toContain("a stream–stream join needs a grace");
  });
});

