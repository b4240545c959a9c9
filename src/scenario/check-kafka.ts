// Cross-reference checks for the Kafka cluster, producer and fault fields: names a fault uses must exist,
// replication settings must fit the cluster, and producer settings Kafka would reject are rejected here.
import { memberJoinTimes } from "./check-degenerate.ts";
import type { Scenario } from "./schema.ts";
import type { YamlSource } from "./load-yaml.ts";
import { didYouMean, type ScenarioIssue } from "./errors.ts";
import { formatDurationUs } from "./units.ts";
import { publishNodeNames } from "./schema-publish.ts";

/** Every node name a fault may use: brokers, producers, consumer members, the controller. */
export function faultNodeNames(s: Scenario): string[] {
  const names = Array.from({ length: s.cluster.brokers }, (_, i) => `broker-${i}`);
  names.push("controller");
  if (s.schemaRegistry !== undefined) names.push("schema-registry");
  for (const p of s.producers) names.push(p.name);
  // Members from the start and those `scale` events add (when they may be hit is checked in check-degenerate.ts).
  names.push(...memberJoinTimes(s).keys());
  // Stream processor instances are consumer members "<applicationId>-<i>" (src/streams/application.ts).
  for (const p of s.processors ?? []) for (let i = 0; i < p.instances; i++) names.push(`${p.applicationId}-${i}`);
  // Queue consumers register as fault targets "<name>-<i>" (src/models/queue/queue-system.ts).
  for (const c of s.queueConsumers ?? []) for (let i = 0; i < c.count; i++) names.push(`${c.name}-${i}`);
  // Publishing services and their CDC connectors (src/models/publish/).
  for (const sv of s.services ?? []) if (sv.publish !== undefined) names.push(...publishNodeNames(sv));
  // Stores are fault targets by their name (crash = the database is unavailable; its data is kept).
  for (const st of s.stores ?? []) names.push(st.name);
  return names;
}

export function kafkaReferenceIssues(s: Scenario, source: YamlSource): ScenarioIssue[] {
  const issues: ScenarioIssue[] = [];
  s.topics.forEach((t, i) => {
    if (t.replicationFactor > s.cluster.brokers) {
      issues.push(
        source.issue(["topics", i, "replicationFactor"], `replication factor ${t.replicationFactor} is more than the ${s.cluster.brokers} broker(s)`, {
          hint: `raise cluster.brokers to ${t.replicationFactor} or lower replicationFactor`,
          code: "E_REFERENCE",
        }),
      );
    }
    if (t.minInsyncReplicas > t.replicationFactor) {
      issues.push(
        source.issue(["topics", i, "minInsyncReplicas"], `min.insync.replicas ${t.minInsyncReplicas} exceeds the replication factor ${t.replicationFactor}`, {
          hint: "acks=all could never succeed; use at most the replication factor",
          code: "E_SCHEMA",
        }),
      );
    }
  });
  s.producers.forEach((p, i) => {
    if (p.idempotence === true) {
      const bad = [p.acks !== -1 ? "acks must be all" : "", p.maxInFlight > 5 ? "maxInFlight must be at most 5" : "", p.retries === 0 ? "retries must be > 0" : ""].filter(Boolean);
      if (bad.length > 0) {
        issues.push(
          source.issue(["producers", i, "idempotence"], `enable.idempotence=true conflicts with the other settings: ${bad.join("; ")}`, {
            hint: "Kafka throws ConfigException here; drop `idempotence: true` to let it turn off silently, or fix the settings",
            code: "E_SCHEMA",
          }),
        );
      }
    }
    if (p.deliveryTimeout < p.lingerMs + p.requestTimeout) {
      issues.push(
        source.issue(["producers", i, "deliveryTimeout"], `delivery.timeout ${formatDurationUs(p.deliveryTimeout)} is shorter than linger + request.timeout (${formatDurationUs(p.lingerMs + p.requestTimeout)})`, {
          hint: "Kafka requires delivery.timeout.ms >= linger.ms + request.timeout.ms",
          code: "E_SCHEMA",
        }),
      );
    }
    if (p.retryBackoffMax < p.retryBackoff) {
      issues.push(source.issue(["producers", i, "retryBackoffMax"], "retryBackoffMax is below retryBackoff", { hint: "the cap must be at least the first backoff", code: "E_SCHEMA" }));
    }
  });
  const nodes = new Set(faultNodeNames(s));
  const targets = new Set([...nodes].filter((n) => n !== "controller"));
  const nodeRef = (path: PropertyKey[], name: string, set: Set<string>, what: string): void => {
    if (set.has(name)) return;
    const guess = didYouMean(name, set);
    issues.push(
      source.issue(path, `no ${what} named "${name}"`, {
        expected: `one of: ${[...set].slice(0, 12).join(", ")}${set.size > 12 ? ", ..." : ""}`,
        found: JSON.stringify(name),
        hint: guess ? `did you mean \`${guess}\`?` : "brokers are broker-0, broker-1, ...; consumer members are <group>-0, <group>-1, ...",
        code: "E_REFERENCE",
      }),
    );
  };
  s.faults.forEach((f, i) => {
    if ("crash" in f) nodeRef(["faults", i, "crash"], f.crash, targets, "fault target");
    else if ("restart" in f) nodeRef(["faults", i, "restart"], f.restart, targets, "fault target");
    else if ("pause" in f) nodeRef(["faults", i, "pause"], f.pause, targets, "fault target");
    else if ("partition" in f) {
      const part = f.partition;
      if ("groups" in part) part.groups.forEach((g, gi) => g.forEach((n, ni) => nodeRef(["faults", i, "partition", "groups", gi, ni], n, nodes, "node")));
      else {
        part.from.forEach((n, ni) => nodeRef(["faults", i, "partition", "from", ni], n, nodes, "node"));
        part.to.forEach((n, ni) => nodeRef(["faults", i, "partition", "to", ni], n, nodes, "node"));
      }
    } else if ("random" in f) {
      // Service outages and brownouts pick services; check-app.ts checks those names.
      if (f.random !== "outage" && f.random !== "brownout") f.targets.forEach((n, ni) => nodeRef(["faults", i, "targets", ni], n, f.random === "isolate" ? nodes : targets, "fault target"));
      if (f.maxDuration < f.minDuration) {
        issues.push(source.issue(["faults", i, "maxDuration"], `maxDuration (${formatDurationUs(f.maxDuration)}) is below minDuration (${formatDurationUs(f.minDuration)})`, {
          expected: `a duration of at least ${formatDurationUs(f.minDuration)}`,
          hint: "fault durations are drawn uniformly between minDuration and maxDuration; swap them or raise maxDuration (its default is 30s)",
          code: "E_SCHEMA",
        }));
      }
    } else if ("addPartitions" in f) issues.push(...addPartitionsIssues(s, source, i));
    else if ("between" in f && f.between) f.between.forEach((n, ni) => nodeRef(["faults", i, "between", ni], n, nodes, "node"));
    if ("at" in f && f.at >= s.duration + s.drain) {
      issues.push(source.issue(["faults", i, "at"], `this fault starts at ${formatDurationUs(f.at)}, after the run ends`, { hint: "move it before duration + drain", code: "E_SCHEMA" }));
    }
  });
  return issues;
}

/** addPartitions names a topic and raises its count above what it has by then (partitions are never removed). */
function addPartitionsIssues(s: Scenario, source: YamlSource, i: number): ScenarioIssue[] {
  const f = s.faults[i];
  if (!("addPartitions" in f)) return [];
  const { topic, count } = f.addPartitions;
  const t = s.topics.find((x) => x.name === topic);
  if (!t) {
    const guess = didYouMean(topic, s.topics.map((x) => x.name));
    return [
      source.issue(["faults", i, "addPartitions", "topic"], `no topic named "${topic}"`, {
        expected: `one of: ${s.topics.map((x) => x.name).join(", ")}`,
        found: JSON.stringify(topic),
        ...(guess ? { hint: `did you mean \`${guess}\`?` } : {}),
        code: "E_REFERENCE",
      }),
    ];
  }
  // The count the topic has just before this event: its own, raised by earlier (or same-time, listed earlier) ones.
  let current = t.partitions;
  s.faults.forEach((g, j) => {
    if ("addPartitions" in g && g.addPartitions.topic === topic && (g.at < f.at || (g.at === f.at && j < i))) current = Math.max(current, g.addPartitions.count);
  });
  if (count <= current) {
    return [
      source.issue(["faults", i, "addPartitions", "count"], `topic ${topic} already has ${current} partitions at ${formatDurationUs(f.at)}`, {
        expected: `a count above ${current}`,
        found: String(count),
        hint: "Kafka can only add partitions, never remove them",
        code: "E_SCHEMA",
      }),
    ];
  }
  return [];
}
