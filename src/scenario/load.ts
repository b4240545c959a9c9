// Loads a scenario file: YAML → schema (types, units, defaults) → cross-references that the schema alone
// cannot see (names that must exist, names that must be unique, expectations that contradict each other).
import { zScenario, type Scenario } from "./schema.ts";
import { loadYamlFileLocated, loadYamlLocated, throwIfIssues, type LoadOptions, type YamlSource } from "./load-yaml.ts";
import { didYouMean, type ScenarioIssue } from "./errors.ts";
import { formatDurationUs } from "./units.ts";
import { groupIssues } from "./load-groups.ts";
import { queueReferenceIssues } from "./check-queues.ts";
import { kafkaReferenceIssues } from "./check-kafka.ts";
import { degenerateValueIssues } from "./check-degenerate.ts";
import { transactionIssues } from "./schema-txn.ts";
import { publishIssues } from "./schema-publish.ts";
import { appReferenceIssues } from "./check-app.ts";
import { streamsReferenceIssues } from "./check-streams.ts";
import { coverageIssues } from "../explore/coverage.ts";
import { swarmPrepare } from "../explore/swarm.ts";
import { dirname } from "node:path";
import { resolveSchemaRegistry } from "./check-schema-registry.ts";

export function checkReferences(s: Scenario, source: YamlSource): ScenarioIssue[] {
  const issues: ScenarioIssue[] = [];
  const topics = new Set(s.topics.map((t) => t.name));
  const topicRef = (path: PropertyKey[], name: string): void => {
    if (topics.has(name)) return;
    const guess = didYouMean(name, topics);
    issues.push(
      source.issue(path, `no topic named "${name}"`, {
        expected: `one of the topics declared under topics: ${[...topics].join(", ")}`,
        found: JSON.stringify(name),
        hint: guess ? `did you mean \`${guess}\`?` : `declare it under topics, e.g. - { name: ${name}, partitions: 3 }`,
      }),
    );
  };
  s.producers.forEach((p, i) => topicRef(["producers", i, "topic"], p.topic));
  s.consumerGroups.forEach((g, i) => issues.push(...groupIssues(g, i, s, source, topicRef)));

  // Names identify actors in the history and the report, so they must be unique across kinds.
  const seen = new Map<string, string>();
  const unique = (kind: string, list: { name: string }[]): void => {
    list.forEach((item, i) => {
      const prev = seen.get(item.name);
      if (prev !== undefined) {
        issues.push(
          source.issue([kind, i, "name"], `the name "${item.name}" is already used by ${prev}`, {
            hint: "give every topic, producer and consumer group its own name",
            code: "E_REFERENCE",
          }),
        );
      } else seen.set(item.name, `${kind}[${i}]`);
    });
  };
  unique("topics", s.topics);
  unique("producers", s.producers);
  unique("consumerGroups", s.consumerGroups);
  unique("services", s.services);
  unique("queues", s.queues);
  unique("queueProducers", s.queueProducers);
  unique("queueConsumers", s.queueConsumers);
  issues.push(...queueReferenceIssues(s, source));
  issues.push(...kafkaReferenceIssues(s, source));
  issues.push(...degenerateValueIssues(s, source));
  issues.push(...transactionIssues(s, source));
  issues.push(...publishIssues(s, source));
  issues.push(...appReferenceIssues(s, source));
  issues.push(...streamsReferenceIssues(s, source));

  s.producers.forEach((p, i) =>
    p.schedule.forEach((step, j) => {
      if (step.at >= s.duration) {
        issues.push(
          source.issue(["producers", i, "schedule", j, "at"], `this step starts at ${formatDurationUs(step.at)}, after producers stop`, {
            expected: `a time before the scenario's duration (${formatDurationUs(s.duration)})`,
            hint: "lengthen duration or move the step earlier",
            code: "E_SCHEMA",
          }),
        );
      }
    }),
  );

  const both = s.expect.hold.filter((x) => s.expect.violate.includes(x));
  for (const inv of both) {
    issues.push(
      source.issue(["expect", "violate", s.expect.violate.indexOf(inv)], `"${inv}" is listed under both hold and violate`, {
        hint: "an invariant is either expected to hold or expected to break; keep one",
        code: "E_SCHEMA",
      }),
    );
  }
  if (s.expect.latencyViolated && !s.expect.latency) {
    issues.push(
      source.issue(["expect", "latencyViolated"], "latencyViolated is set but no latency bounds are given", {
        hint: "add expect.latency, e.g. latency: { p99: 200ms }",
        code: "E_SCHEMA",
      }),
    );
  }
  if (s.expect.latency && Object.values(s.expect.latency).every((v) => v === undefined)) {
    issues.push(source.issue(["expect", "latency"], "no bound given", { hint: "e.g. latency: { p99: 200ms }", code: "E_SCHEMA" }));
  }
  issues.push(...coverageIssues(s.coverage, source));
  return issues;
}

/** Swarm values ({oneOf}, {range}) are drawn with the file's own seed unless the caller draws them itself. */
function withSwarm(opts?: LoadOptions): LoadOptions {
  return opts?.prepare ? opts : { ...opts, ...swarmPrepare(undefined, () => {}) };
}

export function loadScenarioFile(path: string, opts?: LoadOptions): Scenario {
  const { value, source } = loadYamlFileLocated(path, zScenario, withSwarm(opts));
  throwIfIssues(checkReferences(value, source));
  throwIfIssues(resolveSchemaRegistry(value, source, dirname(path)));
  return value;
}

export function loadScenarioText(text: string, file: string, opts?: LoadOptions): Scenario {
  const { value, source } = loadYamlLocated(text, file, zScenario, withSwarm(opts));
  throwIfIssues(checkReferences(value, source));
  throwIfIssues(resolveSchemaRegistry(value, source, dirname(file)));
  return value;
}
