// Cross-reference checks for consumer groups that the schema alone cannot see: topic names, `topic` vs
// `topics`, heartbeat vs session timeout, event targets, and settings Kafka itself would reject.
import type { Scenario } from "./schema.ts";
import type { YamlSource } from "./load-yaml.ts";
import type { ScenarioIssue } from "./errors.ts";
import { formatDurationUs } from "./units.ts";

type Group = Scenario["consumerGroups"][number];

export function groupIssues(
  g: Group,
  i: number,
  s: Scenario,
  source: YamlSource,
  topicRef: (path: PropertyKey[], name: string) => void,
): ScenarioIssue[] {
  const issues: ScenarioIssue[] = [];
  const at = (path: PropertyKey[]): PropertyKey[] => ["consumerGroups", i, ...path];
  if (g.topic === undefined && g.topics === undefined) {
    issues.push(source.issue(at(["name"]), `group "${g.name}" subscribes to no topic`, { hint: "add topic: NAME, or topics: [A, B]", code: "E_SCHEMA" }));
  } else if (g.topic !== undefined && g.topics !== undefined) {
    issues.push(source.issue(at(["topics"]), "give either topic or topics, not both", { hint: "move the single topic into the topics list", code: "E_SCHEMA" }));
  }
  if (g.topic !== undefined) topicRef(at(["topic"]), g.topic);
  g.topics?.forEach((t, j) => topicRef(at(["topics", j]), t));
  g.memberTopics?.forEach((list, m) => list.forEach((t, j) => topicRef(at(["memberTopics", m, j]), t)));
  if (g.heartbeatInterval >= g.sessionTimeout) {
    issues.push(
      source.issue(at(["heartbeatInterval"]), `heartbeat.interval (${formatDurationUs(g.heartbeatInterval)}) must be lower than session.timeout (${formatDurationUs(g.sessionTimeout)})`, {
        hint: "Kafka rejects this; keep the heartbeat at most a third of the session timeout",
        code: "E_SCHEMA",
      }),
    );
  }
  if (g.protocol === "consumer" && source.valueAt(at(["assignor"])) !== undefined) {
    issues.push(
      source.issue(at(["assignor"]), `assignor (partition.assignment.strategy) is a classic-protocol setting; group "${g.name}" uses protocol: consumer`, {
        hint: "with the consumer protocol the broker assigns: drop assignor and choose serverAssignor: uniform or range",
        code: "E_SCHEMA",
      }),
    );
  }
  if (g.protocol === "classic" && source.valueAt(at(["serverAssignor"])) !== undefined) {
    issues.push(
      source.issue(at(["serverAssignor"]), `serverAssignor applies only to protocol: consumer; group "${g.name}" uses the classic protocol`, {
        hint: "add protocol: consumer, or choose a client-side assignor with assignor:",
        code: "E_SCHEMA",
      }),
    );
  }
  if (g.consumerHeartbeatInterval >= g.consumerSessionTimeout) {
    issues.push(
      source.issue(at(["consumerHeartbeatInterval"]), `group.consumer.heartbeat.interval (${formatDurationUs(g.consumerHeartbeatInterval)}) must be lower than group.consumer.session.timeout (${formatDurationUs(g.consumerSessionTimeout)})`, {
        hint: "Kafka's broker rejects this; keep the heartbeat well below the session timeout",
        code: "E_SCHEMA",
      }),
    );
  }
  const end = s.duration + s.drain;
  g.events.forEach((e, j) => {
    if (e.at >= end) {
      issues.push(
        source.issue(at(["events", j, "at"]), `this event is at ${formatDurationUs(e.at)}, after the run ends`, {
          expected: `a time before duration + drain (${formatDurationUs(end)})`,
          code: "E_SCHEMA",
        }),
      );
    }
    const pp = e.pausePartitions;
    if (pp) {
      const topic = pp.topic ?? g.topics?.[0] ?? g.topic;
      if (pp.topic !== undefined) topicRef(at(["events", j, "pausePartitions", "topic"]), pp.topic);
      const count = s.topics.find((t) => t.name === topic)?.partitions;
      pp.partitions.forEach((p, k) => {
        if (count !== undefined && p >= count) {
          issues.push(
            source.issue(at(["events", j, "pausePartitions", "partitions", k]), `topic ${topic} has no partition ${p}`, {
              expected: `a partition number below ${count}`,
              code: "E_REFERENCE",
            }),
          );
        }
      });
    }
  });
  return issues;
}
