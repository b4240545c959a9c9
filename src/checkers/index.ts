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
import { noAbortedReads } from "./no-aborted-reads.ts";
import { zombieFenced } from "./zombie-fenced.ts";
import { everyCommitPublished } from "./every-commit-published.ts";
import { noPhantomEvents } from "./no-phantom-events.ts";
import { perAggregateOrder } from "./per-aggregate-order.ts";
import { noUndecodable } from "./no-undecodable.ts";
import { noSilentDefaults } from "./no-silent-defaults.ts";
import { effectsNoLoss, exactlyOnceEffects } from "./app/exactly-once-effects.ts";
import { dltAccounting } from "./app/dlt-accounting.ts";
import { downstreamLoad } from "./app/downstream-load.ts";
import { rebalancePause } from "./app/rebalance-pause.ts";
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
  "no-aborted-reads": noAbortedReads,
  "zombie-fenced": zombieFenced,
  "every-commit-published": everyCommitPublished,
  "no-phantom-events": noPhantomEvents,
  "per-aggregate-order": perAggregateOrder,
  "no-undecodable": noUndecodable,
  "no-silent-defaults": noSilentDefaults,
  "exactly-once-effects": exactlyOnceEffects,
  "effects-no-loss": effectsNoLoss,
  "downstream-load": downstreamLoad,
  "window-results-match": windowResultsMatch,
  "join-completeness": joinCompleteness,
  "dlt-accounting": dltAccounting,
  "rebalance-pause": rebalancePause,
};

/** Publishing invariants run when a scenario names them or has publishing services. */
const PUBLISH_INVARIANTS = new Set<InvariantName>(["every-commit-published", "no-phantom-events", "per-aggregate-order"]);

/** Transaction invariants run when a scenario names them or has a transactional producer. */
const TXN_INVARIANTS = new Set<InvariantName>(["no-aborted-reads", "zombie-fenced"]);

/** Application-layer invariants: only where the scenario names them (they judge a handler's design). */
const APP_INVARIANTS = new Set<InvariantName>(["exactly-once-effects", "effects-no-loss", "downstream-load", "dlt-accounting", "rebalance-pause"]);

const QUEUE_INVARIANTS = new Set<InvariantName>(["queue-accounting", "queue-key-order", "queue-duplicates", "dlq-correctness"]);
/** Schema invariants check something only when the scenario has a schema registry. */
const SCHEMA_INVARIANTS = new Set<InvariantName>(["no-undecodable", "no-silent-defaults"]);
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
  const hasTxns = scenario.producers.some((p) => p.transactionalId !== undefined);
  const hasServices = scenario.services.some((s) => s.publish !== undefined);
  return (Object.keys(CHECKERS) as InvariantName[]).filter(
    (inv) =>
      named.has(inv) ||
      (!APP_INVARIANTS.has(inv) &&
        (STREAM_INVARIANTS.has(inv) ? (scenario.processors?.length ?? 0) > 0
          : SCHEMA_INVARIANTS.has(inv) ? scenario.schemaRegistry !== undefined
          : QUEUE_INVARIANTS.has(inv) ? hasQueues
          : TXN_INVARIANTS.has(inv) ? hasTxns
          : PUBLISH_INVARIANTS.has(inv) ? hasServices
          : hasTopics)),
  );
}
