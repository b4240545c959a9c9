import type { Checker } from "./verdict.ts";
import type { InvariantName, Scenario } from "../scenario/schema.ts";
import { perKeyOrder } from "./per-key-order.ts";
import { noLoss } from "./no-loss.ts";
import { noDuplicates } from "./no-duplicates.ts";
import { queueAccounting } from "./queue-accounting.ts";
import { queueKeyOrder } from "./queue-key-order.ts";
import { queueDuplicates } from "./queue-duplicates.ts";
import { dlqCorrectness } from "./dlq-correctness.ts";
import { lostWrite } from "./lost-write.ts";
import { duplicateOffsets } from "./duplicate-offsets.ts";
import { producerReorder } from "./producer-reorder.ts";
import { inconsistentOffsets } from "./inconsistent-offsets.ts";
import { noPollSkip } from "./poll-skip.ts";
import { monotonicPoll } from "./monotonic-poll.ts";
import { duplicatesExplained } from "./duplicates-explained.ts";
import { livenessLagDrains } from "./liveness-lag-drains.ts";
import { lossExplained } from "./loss-explained.ts";
import { windowResultsMatch } from "./window-results-match.ts";
import { joinCompleteness } from "./join-completeness.ts";

/** Every invariant brokersim checks, by the name scenarios use. */
export const CHECKERS: Record<InvariantName, Checker> = {
  "per-key-order": perKeyOrder,
  "no-loss": noLoss,
  "no-duplicates": noDuplicates,
  "queue-accounting": queueAccounting,
  "queue-key-order": queueKeyOrder,
  "queue-duplicates": queueDuplicates,
  "dlq-correctness": dlqCorrectness,
  "no-lost-write": lostWrite,
  "no-duplicate-offsets": duplicateOffsets,
  "no-producer-reorder": producerReorder,
  "no-inconsistent-offsets": inconsistentOffsets,
  "no-poll-skip": noPollSkip,
  "monotonic-poll": monotonicPoll,
  "duplicates-explained": duplicatesExplained,
  "loss-explained": lossExplained,
  "liveness-lag-drains": livenessLagDrains,
  "window-results-match": windowResultsMatch,
  "join-completeness": joinCompleteness,
};

const QUEUE_INVARIANTS = new Set<InvariantName>(["queue-accounting", "queue-key-order", "queue-duplicates", "dlq-correctness"]);
/** Stream-processing invariants apply only where the scenario has processors. */
const STREAM_INVARIANTS = new Set<InvariantName>(["window-results-match", "join-completeness"]);

/**
 * The invariants that mean something for this scenario: stream invariants when it has topics, queue invariants
 * when it has queues, and any invariant its `expect` names. A stream-only run is not cluttered with queue
 * verdicts that checked nothing.
 */
export function applicableInvariants(scenario: Scenario): InvariantName[] {
  const named = new Set<string>([...scenario.expect.hold, ...scenario.expect.violate, ...scenario.expect.permitted]);
  const hasQueues = (scenario.queues?.length ?? 0) > 0;
  const hasTopics = scenario.topics.length > 0;
  return (Object.keys(CHECKERS) as InvariantName[]).filter(
    (inv) => named.has(inv) || (STREAM_INVARIANTS.has(inv) ? (scenario.processors?.length ?? 0) > 0 : QUEUE_INVARIANTS.has(inv) ? hasQueues : hasTopics),
  );
}
