import type { Checker } from "./verdict.ts";
import type { InvariantName } from "../scenario/schema.ts";
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

/** Every invariant brokersim checks, by the name scenarios use. All run on every history. */
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
};
