// Cross-reference checks for the queue part of a scenario (called from load.ts): names that must exist,
// settings that belong to another system, and the limits the real services enforce.
import type { Scenario } from "./schema.ts";
import type { YamlSource } from "./load-yaml.ts";
import { didYouMean, type ScenarioIssue } from "./errors.ts";
import { formatDurationUs } from "./units.ts";

const HOUR = 3_600_000_000;

export function queueReferenceIssues(s: Scenario, source: YamlSource): ScenarioIssue[] {
  const issues: ScenarioIssue[] = [];
  const byName = new Map(s.queues.map((q) => [q.name, q]));
  const names = new Set(byName.keys());
  const queueRef = (path: PropertyKey[], name: string): boolean => {
    if (byName.has(name)) return true;
    const guess = didYouMean(name, names);
    issues.push(
      source.issue(path, `no queue named "${name}"`, {
        expected: names.size ? `one of the queues declared under queues: ${[...names].join(", ")}` : "a queue declared under queues",
        found: JSON.stringify(name),
        hint: guess ? `did you mean \`${guess}\`?` : `declare it under queues, e.g. - { name: ${name}, kind: sqs-standard }`,
        code: "E_REFERENCE",
      }),
    );
    return false;
  };
  const bad = (path: PropertyKey[], message: string, hint: string): void => {
    issues.push(source.issue(path, message, { hint, code: "E_SCHEMA" }));
  };

  // Publishing services (services with publish:) produce their events too.
  if (s.producers.length + s.queueProducers.length + s.services.filter((x) => x.publish !== undefined).length === 0) {
    bad(["producers"], "the scenario has no producer", "add a producer under producers (to a topic), queueProducers (to a queue) or a publishing service under services");
  }
  s.queueProducers.forEach((p, i) => queueRef(["queueProducers", i, "queue"], p.queue));

  const dlqOf = new Set<string>();
  s.queues.forEach((q, i) => {
    const sqs = q.kind.startsWith("sqs");
    const rabbit = q.kind.startsWith("rabbitmq");
    if (q.visibilityTimeout > 12 * HOUR) bad(["queues", i, "visibilityTimeout"], "SQS allows at most 12h", "use a value from 0s to 12h");
    if (q.delay > 900_000_000) bad(["queues", i, "delay"], "SQS DelaySeconds is at most 15 minutes", "use a value from 0s to 15min");
    if (q.retention < 60_000_000 || q.retention > 336 * HOUR) {
      bad(["queues", i, "retention"], `retention ${formatDurationUs(q.retention)} is outside SQS's 60s–14 days`, "use a value from 60s to 336h");
    }
    if (q.ackTimeout > 0 && q.ackTimeout < 1_000_000) bad(["queues", i, "ackTimeout"], "Pulsar requires ackTimeout >= 1s (or 0 = off)", "use 0s or at least 1s");
    if (!rabbit && q.messageTtl !== undefined) bad(["queues", i, "messageTtl"], "messageTtl is a RabbitMQ setting", "remove it, or use a rabbitmq-classic / rabbitmq-quorum queue");
    if (!rabbit && q.maxLength !== undefined) bad(["queues", i, "maxLength"], "maxLength is a RabbitMQ setting", "remove it, or use a rabbitmq-classic / rabbitmq-quorum queue");
    const dl = q.deadLetter;
    if (dl) {
      if (queueRef(["queues", i, "deadLetter", "queue"], dl.queue)) {
        dlqOf.add(dl.queue);
        const target = byName.get(dl.queue)!;
        if (dl.queue === q.name) bad(["queues", i, "deadLetter", "queue"], "a queue cannot be its own dead-letter queue", "name a separate queue");
        else if (sqs && target.kind !== q.kind) {
          bad(["queues", i, "deadLetter", "queue"], `an ${q.kind} queue needs an ${q.kind} dead-letter queue, not ${target.kind}`, "SQS requires the same queue type");
        }
      }
      if (sqs && dl.maxReceiveCount === undefined) bad(["queues", i, "deadLetter"], "an SQS redrive policy needs maxReceiveCount", "add maxReceiveCount: 5 (1–1000)");
      if (!sqs && dl.maxReceiveCount !== undefined) bad(["queues", i, "deadLetter", "maxReceiveCount"], "maxReceiveCount is an SQS setting", "RabbitMQ uses deliveryLimit (quorum) or rejects; Pulsar uses maxRedeliverCount");
      if (q.kind === "pulsar" && dl.maxRedeliverCount === undefined) bad(["queues", i, "deadLetter"], "a Pulsar DeadLetterPolicy needs maxRedeliverCount", "add maxRedeliverCount: 3");
      if (q.kind !== "pulsar" && dl.maxRedeliverCount !== undefined) bad(["queues", i, "deadLetter", "maxRedeliverCount"], "maxRedeliverCount is a Pulsar setting", "remove it");
      for (const f of ["exchange", "routingKey"] as const) {
        if (!rabbit && dl[f] !== undefined) bad(["queues", i, "deadLetter", f], `${f} is a RabbitMQ dead-letter setting`, "remove it, or use a rabbitmq-classic / rabbitmq-quorum queue");
      }
    }
  });
  s.queues.forEach((q, i) => {
    if (q.redrive && (!q.kind.startsWith("sqs") || !dlqOf.has(q.name))) {
      bad(["queues", i, "redrive"], "redrive moves messages from an SQS dead-letter queue back to its sources", "set it on a queue that another SQS queue names in deadLetter.queue");
    }
  });
  s.queueConsumers.forEach((c, i) => {
    if (!queueRef(["queueConsumers", i, "queue"], c.queue)) return;
    const kind = byName.get(c.queue)!.kind;
    if (kind.startsWith("sqs") && c.onFailure === "reject") bad(["queueConsumers", i, "onFailure"], "SQS has no reject", "use abandon (wait for the visibility timeout) or requeue (ChangeMessageVisibility 0)");
    if (kind !== "pulsar" && c.onFailure === "retry-later") bad(["queueConsumers", i, "onFailure"], "retry-later is Pulsar's retry letter topic", "use requeue, reject or abandon");
    if (kind !== "pulsar" && c.retryDelay !== undefined) bad(["queueConsumers", i, "retryDelay"], "retryDelay is the delay of Pulsar's reconsumeLater", "remove it, or use onFailure: retry-later on a pulsar queue");
    if (!kind.startsWith("rabbitmq") && (c.ackBug.doubleAck > 0 || c.ackBug.staleTags)) {
      bad(["queueConsumers", i, "ackBug"], "ackBug injects RabbitMQ delivery-tag errors", "remove it, or consume from a rabbitmq-classic / rabbitmq-quorum queue");
    }
    if (kind === "pulsar" && c.onFailure === "retry-later") {
      const q = byName.get(c.queue)!;
      for (const suffix of ["RETRY", "DLQ"]) {
        const topic = `${q.name}-${q.subscriptionName}-${suffix}`;
        if (suffix === "DLQ" && q.deadLetter) continue;
        if (byName.has(topic)) bad(["queueConsumers", i, "onFailure"], `the retry letter topics need the name ${topic}, which a declared queue already has`, "rename that queue or set subscriptionName");
      }
    }
    c.crashes.forEach((cr, j) => {
      if (cr.at >= s.duration + s.drain) bad(["queueConsumers", i, "crashes", j, "at"], "this crash is after the run ends", "move it before duration + drain");
    });
  });
  return issues;
}
