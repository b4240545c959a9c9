// Everything a model needs from the run it lives in, in one place, so adding a model family does not
// thread six more constructor arguments through the runner.
import type { Simulation } from "../kernel/sim.ts";
import type { Rng } from "../kernel/rng.ts";
import type { History } from "../history/history.ts";
import type { Network } from "../net/network.ts";
import type { MetricsCollector } from "../metrics/collector.ts";
import type { FaultTargets } from "../faults/targets.ts";
import type { FaultWindow } from "../report/result-types.ts";
import type { Scenario } from "../scenario/schema.ts";
import type { SchemaRuntime } from "../schema/schema-runtime.ts";
import type { AppSystem } from "../models/app/app-system.ts";

export interface World {
  readonly scenario: Scenario;
  readonly sim: Simulation;
  /** The run's root stream: models take `rng.fork("<family>/<name>")`, never draw from it directly. */
  readonly rng: Rng;
  readonly history: History;
  readonly net: Network;
  readonly metrics: MetricsCollector;
  readonly targets: FaultTargets;
  /** Fault windows for the report's shaded bands, appended by the fault layer as faults start and end. */
  readonly faultWindows: FaultWindow[];
  /** When producers stop (the scenario's duration) and when the run ends (duration + drain), in µs. */
  readonly stopUs: number;
  readonly endUs: number;
  /** Schema registry and (de)serializers, when the scenario has a schemaRegistry block (set by attachSchemaRuntime). */
  schemas?: SchemaRuntime;
  /** The application layer (handlers, stores, downstream services), when the scenario has one. */
  app?: AppSystem;
}
