// Checks of the application layer on queues: a queue consumer's worker pool (concurrency, maxInFlight), and the
// redrive operation when it replays a dead-letter queue rather than a dead-letter topic.
import type { Scenario } from "./schema.ts";
import type { YamlSource } from "./load-yaml.ts";
import { didYouMean, type ScenarioIssue } from "./errors.ts";

/** Queues that another SQS or RabbitMQ queue names as its dead-letter queue, with the queues that feed each. */
function deadLetterQueues(s: Scenario): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const q of s.queues) {
    if (!q.deadLetter || q.kind === "pulsar") continue;
    const list = out.get(q.deadLetter.queue) ?? [];
    list.push(q.name);
    out.set(q.deadLetter.queue, list);
  }
  return out;
}

/** A redrive whose `from` names a queue (not a dead-letter topic). */
export function isQueueRedrive(s: Scenario, from: string): boolean {
  return s.queues.some((q) => q.name === from);
}

export function queueRedriveIssues(s: Scenario, source: YamlSource, i: number): ScenarioIssue[] {
  const f = s.faults[i] as { redrive: { from: string; to: string } };
  const { from, to } = f.redrive;
  const dlqs = deadLetterQueues(s);
  const feeders = dlqs.get(from);
  if (feeders === undefined) {
    const names = [...dlqs.keys()];
    return [
      source.issue(["faults", i, "redrive", "from"], `queue "${from}" is not the dead-letter queue of an SQS or RabbitMQ queue`, {
        expected: names.length > 0 ? `one of the dead-letter queues: ${names.join(", ")}` : "a queue that another queue names in deadLetter.queue",
        found: JSON.stringify(from),
        hint: "set deadLetter: { queue: <this queue> } on the queue whose failures it holds",
        code: "E_REFERENCE",
      }),
    ];
  }
  if (feeders.includes(to)) return [];
  const guess = didYouMean(to, new Set(feeders));
  return [
    source.issue(["faults", i, "redrive", "to"], `messages of ${from} go back to a queue that dead-letters into it`, {
      expected: feeders.map((x) => JSON.stringify(x)).join(" or "),
      found: JSON.stringify(to),
      hint: guess ? `did you mean \`${guess}\`?` : `to: ${feeders[0]}`,
      code: "E_REFERENCE",
    }),
  ];
}

export function queueAppIssues(s: Scenario, source: YamlSource): ScenarioIssue[] {
  const issues: ScenarioIssue[] = [];
  s.queueConsumers.forEach((c, ci) => {
    const p = c.processing;
    const at = (...rest: PropertyKey[]): PropertyKey[] => ["queueConsumers", ci, "processing", ...rest];
    const kind = s.queues.find((q) => q.name === c.queue)?.kind;
    if (p.maxInFlight !== undefined) {
      if (kind !== undefined && !kind.startsWith("sqs")) {
        issues.push(
          source.issue(at("maxInFlight"), `maxInFlight bounds what an SQS consumer receives; ${c.queue} is ${kind}, where the broker pushes up to the prefetch`, {
            expected: "no maxInFlight on a RabbitMQ or Pulsar consumer",
            hint: "drop maxInFlight and set prefetch (the most unacknowledged deliveries the consumer holds)",
            code: "E_SCHEMA",
          }),
        );
      } else if (p.maxInFlight < p.concurrency) {
        issues.push(source.issue(at("maxInFlight"), `maxInFlight ${p.maxInFlight} is below the concurrency ${p.concurrency}: the workers could never all be busy`, { expected: `at least ${p.concurrency}`, hint: `e.g. maxInFlight: ${2 * p.concurrency}`, code: "E_SCHEMA" }));
      } else if (p.concurrency <= 1) {
        issues.push(source.issue(at("maxInFlight"), "maxInFlight needs a worker pool: with concurrency 1 the consumer holds what one ReceiveMessage returns", { expected: "concurrency above 1", hint: "add concurrency: 4 (or drop maxInFlight)", code: "E_SCHEMA" }));
      }
    }
    if (p.concurrency > 1 && (c.ackBug.doubleAck > 0 || c.ackBug.staleTags)) {
      issues.push(
        source.issue(["queueConsumers", ci, "ackBug"], "the injected ack bugs are modelled on the one-at-a-time consumer only", {
          expected: "no ackBug with concurrency above 1",
          hint: "drop ackBug, or set concurrency: 1",
          code: "E_SCHEMA",
        }),
      );
    }
  });
  return issues;
}
