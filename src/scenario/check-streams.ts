// Cross-field checks for stream processors: the topology's shape (source first, sink last, one aggregate),
// topics that must exist, window sizes Kafka Streams accepts (whole milliseconds, advance ≤ size), and the
// settings this version cannot model yet, refused with what to use instead.
import type { Scenario } from "./schema.ts";
import type { YamlSource } from "./load-yaml.ts";
import { didYouMean, type ScenarioIssue } from "./errors.ts";
import { formatDurationUs } from "./units.ts";

export function streamsReferenceIssues(s: Scenario, source: YamlSource): ScenarioIssue[] {
  const issues: ScenarioIssue[] = [];
  const topics = new Set(s.topics.map((t) => t.name));
  const taken = new Set<string>([...s.topics, ...s.producers, ...s.consumerGroups].map((x) => x.name));
  (s.processors ?? []).forEach((p, i) => {
    const at = (...path: PropertyKey[]): PropertyKey[] => ["processors", i, ...path];
    if (taken.has(p.applicationId)) {
      issues.push(source.issue(at("applicationId"), `the name "${p.applicationId}" is already used by a topic, producer, group or processor`, { hint: "give every processor its own applicationId", code: "E_REFERENCE" }));
    }
    taken.add(p.applicationId);
    if (p.timeModel === "flink") {
      const agg = p.topology.find((x) => x.aggregate)?.aggregate;
      if (!agg || (agg.window.tumbling === undefined && agg.window.hopping === undefined)) {
        issues.push(
          source.issue(at("timeModel"), "timeModel flink needs an aggregate over tumbling or hopping windows", {
            expected: "kafka-streams, or an aggregate with window tumbling or hopping",
            hint: "Flink's model here covers event-time tumbling and sliding (hopping) windows; use kafka-streams for joins, sliding and session windows",
            code: "E_SCHEMA",
          }),
        );
      }
      if (p.flink.lateOutput !== undefined) topicRef(at("flink", "lateOutput"), p.flink.lateOutput);
      for (const f of ["outOfOrderness", "allowedLateness"] as const) {
        if (p.flink[f] % 1000 !== 0) issues.push(source.issue(at("flink", f), `${formatDurationUs(p.flink[f])} is not a whole number of milliseconds`, { hint: "event time is in milliseconds", code: "E_SCHEMA" }));
      }
    }
    const steps = p.topology;
    const last = steps.length - 1;
    steps.forEach((step, j) => {
      if (step.source !== undefined && j !== 0) issues.push(source.issue(at("topology", j, "source"), "a source must be the first step", { hint: "move it to the top of topology", code: "E_SCHEMA" }));
      if (step.sink !== undefined && j !== last) issues.push(source.issue(at("topology", j, "sink"), "a sink must be the last step", { hint: "move it to the end of topology", code: "E_SCHEMA" }));
      if (step.filter !== undefined) {
        try {
          new RegExp(step.filter.keyMatches);
        } catch {
          issues.push(source.issue(at("topology", j, "filter", "keyMatches"), "not a valid regular expression", { found: JSON.stringify(step.filter.keyMatches), hint: 'e.g. keyMatches: "^key-[0-4]$"', code: "E_SCHEMA" }));
        }
        const op = steps.findIndex((x) => x.aggregate || x.join);
        if (op >= 0 && j > op) {
          issues.push(source.issue(at("topology", j, "filter"), "a filter after the aggregate or join is not supported", { hint: "filter the input before it", code: "E_SCHEMA" }));
        }
      }
      if (step.map !== undefined) {
        try {
          new RegExp(step.map.keyMatches);
        } catch {
          issues.push(source.issue(at("topology", j, "map", "keyMatches"), "not a valid regular expression", { found: JSON.stringify(step.map.keyMatches), hint: 'e.g. keyMatches: "^key-(\\d)"', code: "E_SCHEMA" }));
        }
        const agg = steps.findIndex((x) => x.aggregate);
        if (agg < 0 || j > agg || steps.filter((x) => x.map).length > 1) {
          issues.push(source.issue(at("topology", j, "map"), "a key re-map is supported once, before an aggregate", { hint: "put one - map: {...} between the source (and filters) and the aggregate; joins take no map", code: "E_SCHEMA" }));
        }
        const name = `${p.applicationId}-${step.map.name}-repartition`;
        if (topics.has(name)) issues.push(source.issue(at("topology", j, "map", "name"), `the repartition topic "${name}" is already declared under topics`, { hint: "give the map another name", code: "E_REFERENCE" }));
      }
      if (step.aggregate) issues.push(...aggregateIssues(step.aggregate, at("topology", j, "aggregate"), source));
      if (step.join) {
        const jp = at("topology", j, "join");
        topicRef([...jp, "with"], step.join.with);
        const left = s.topics.find((t) => t.name === steps[0]?.source);
        const right = s.topics.find((t) => t.name === step.join!.with);
        if (left && right && left.partitions !== right.partitions) {
          issues.push(
            source.issue([...jp, "with"], `${right.name} has ${right.partitions} partitions and ${left.name} has ${left.partitions}: a join needs co-partitioned inputs`, {
              hint: "give both topics the same partition count (Kafka Streams refuses to start otherwise)",
              code: "E_SCHEMA",
            }),
          );
        }
        if (right && right.name === steps[0]?.source) issues.push(source.issue([...jp, "with"], "a topic joined with itself is not supported", { hint: "join two different topics", code: "E_SCHEMA" }));
        issues.push(...joinShapeIssues(step.join, jp, source));
        for (const [f, v] of [["window", step.join.window], ["grace", step.join.grace]] as const) {
          if (v !== undefined && v % 1000 !== 0) issues.push(source.issue([...jp, f], `${formatDurationUs(v)} is not a whole number of milliseconds`, { hint: "Kafka timestamps are in milliseconds", code: "E_SCHEMA" }));
        }
      }
    });
    if (steps[0]?.source === undefined) issues.push(source.issue(at("topology", 0), "the first step must be a source", { hint: "start with - source: <topic>", code: "E_SCHEMA" }));
    else topicRef(at("topology", 0, "source"), steps[0].source);
    if (steps[last]?.sink === undefined) issues.push(source.issue(at("topology", last), "the last step must be a sink", { hint: "end with - sink: <topic>", code: "E_SCHEMA" }));
    else {
      topicRef(at("topology", last, "sink"), steps[last].sink);
      if (steps[last].sink === steps[0]?.source) issues.push(source.issue(at("topology", last, "sink"), "the sink is the source topic", { hint: "write results to a topic of their own", code: "E_SCHEMA" }));
    }
    const operators = steps.filter((x) => x.aggregate || x.join).length;
    if (operators !== 1) {
      issues.push(
        source.issue(at("topology"), `a topology needs exactly one aggregate or join step, found ${operators}`, {
          hint: "add - aggregate: { window: { tumbling: 10s }, grace: 0s }, or - join: { with: <topic>, window: 1s, grace: 0s }",
          code: "E_SCHEMA",
        }),
      );
    }
  });
  return issues;

  function topicRef(path: PropertyKey[], name: string): void {
    if (topics.has(name)) return;
    const guess = didYouMean(name, topics);
    issues.push(
      source.issue(path, `no topic named "${name}"`, {
        expected: `one of the topics declared under topics: ${[...topics].join(", ")}`,
        found: JSON.stringify(name),
        hint: guess ? `did you mean \`${guess}\`?` : `declare it under topics, e.g. - { name: ${name}, partitions: 3 }`,
        code: "E_REFERENCE",
      }),
    );
  }
}

function aggregateIssues(a: NonNullable<Scenario["processors"][number]["topology"][number]["aggregate"]>, path: PropertyKey[], source: YamlSource): ScenarioIssue[] {
  const issues: ScenarioIssue[] = [];
  const wholeMs = (sub: PropertyKey[], us: number | undefined, positive: boolean): void => {
    if (us === undefined) return;
    if (us % 1000 !== 0) issues.push(source.issue([...path, ...sub], `${formatDurationUs(us)} is not a whole number of milliseconds`, { hint: "Kafka timestamps and window sizes are in milliseconds", code: "E_SCHEMA" }));
    else if (positive && us === 0) issues.push(source.issue([...path, ...sub], "must be greater than 0", { hint: "e.g. 10s", code: "E_SCHEMA" }));
  };
  const w = a.window;
  wholeMs(["window", "tumbling"], w.tumbling, true);
  wholeMs(["window", "hopping", "size"], w.hopping?.size, true);
  wholeMs(["window", "hopping", "advance"], w.hopping?.advance, true);
  wholeMs(["window", "sliding"], w.sliding, false);
  wholeMs(["window", "session"], w.session, false);
  wholeMs(["grace"], a.grace, false);
  if (w.hopping && w.hopping.advance > w.hopping.size) {
    issues.push(source.issue([...path, "window", "hopping", "advance"], `advance ${formatDurationUs(w.hopping.advance)} is larger than the size ${formatDurationUs(w.hopping.size)}`, { hint: "advance must be at most the window size (equal: a tumbling window)", code: "E_SCHEMA" }));
  }
  return issues;
}

/** A stream–stream join needs its window and grace; a stream–table join has neither, and no outer form. */
function joinShapeIssues(j: NonNullable<Scenario["processors"][number]["topology"][number]["join"]>, path: PropertyKey[], source: YamlSource): ScenarioIssue[] {
  const issues: ScenarioIssue[] = [];
  if (j.table) {
    for (const f of ["window", "grace"] as const) {
      if (j[f] !== undefined) issues.push(source.issue([...path, f], `a stream–table join takes no ${f}`, { hint: "a table record is joined by key with its value at processing time; remove the field, or set table: false for a windowed stream–stream join", code: "E_SCHEMA" }));
    }
    if (j.type === "outer") issues.push(source.issue([...path, "type"], "a stream–table join is inner or left", { expected: "inner or left", found: "outer", hint: "KStream has no outerJoin with a KTable; only stream records trigger output", code: "E_SCHEMA" }));
  } else {
    for (const f of ["window", "grace"] as const) {
      if (j[f] === undefined) issues.push(source.issue(path, `a stream–stream join needs a ${f}`, { expected: `a ${f} duration`, hint: f === "window" ? "e.g. window: 1s (JoinWindows.ofTimeDifference), or table: true for a stream–table join" : "e.g. grace: 0s (ofTimeDifferenceWithNoGrace) or grace: 2s", code: "E_SCHEMA" }));
    }
  }
  return issues;
}
