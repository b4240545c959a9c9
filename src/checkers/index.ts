import type { Checker } from "./verdict.ts";
import type { InvariantName } from "../scenario/schema.ts";
import { perKeyOrder } from "./per-key-order.ts";
import { noLoss } from "./no-loss.ts";
import { noDuplicates } from "./no-duplicates.ts";

/** Every invariant brokersim checks, by the name scenarios use. All run on every history. */
export const CHECKERS: Record<InvariantName, Checker> = {
  "per-key-order": perKeyOrder,
  "no-loss": noLoss,
  "no-duplicates": noDuplicates,
};
