// Why an invariant that looked at nothing says "not checked" instead of "holds": a verdict over zero things is
// vacuous, and a person reading "holds" for a run without consumers would believe something was proven.
// Reasons come from the scenario (what it lacks); an invariant this file does not know gets a general reason.
import type { Scenario } from "../scenario/schema.ts";

const GROUP_INVARIANTS = new Set(["per-key-order", "no-loss", "no-duplicates", "no-poll-skip", "monotonic-poll", "duplicates-explained", "loss-explained", "liveness-lag-drains"]);
const LOG_INVARIANTS = new Set(["no-lost-write", "no-duplicate-offsets", "no-producer-reorder", "no-inconsistent-offsets"]);
const QUEUE_INVARIANTS = new Set(["queue-accounting", "queue-key-order", "queue-duplicates", "dlq-correctness"]);

/** The reason an invariant that checked nothing could not check anything, or undefined to keep "holds". */
export function whyNotChecked(invariant: string, s: Scenario): string | undefined {
  if (GROUP_INVARIANTS.has(invariant)) {
    if (s.consumerGroups.length === 0) return "no consumer group reads a topic in this scenario";
    if (s.producers.length === 0) return "no producer writes to a topic in this scenario";
    // These count only the repeats or losses they explain: zero of them is a finding, not a vacuous check.
    if (invariant === "duplicates-explained" || invariant === "loss-explained") return undefined;
    return "no group received a record before the end of the run";
  }
  if (LOG_INVARIANTS.has(invariant)) {
    if (s.producers.length === 0) return "no producer writes to a topic in this scenario";
    return "no record was acknowledged by the cluster";
  }
  if (QUEUE_INVARIANTS.has(invariant)) {
    const queues = s.queues ?? [];
    if (queues.length === 0) return "no queue in this scenario";
    if ((s.queueProducers ?? []).length === 0) return "no producer sends to a queue";
    if (invariant === "dlq-correctness") return queues.some((q) => q.deadLetter !== undefined) ? undefined : "no queue has a dead-letter queue";
    if ((s.queueConsumers ?? []).length === 0) return "no consumer reads a queue";
    return "no queue message was handled";
  }
  return "the run gave it nothing to check";
}
