// A processor's topology, resolved from its steps: the source topic, the key filters, the windowed aggregate
// (window sizes in ms, as Kafka Streams keeps them) and the sink topic. The runtime and the checkers read the
// same resolution, so the batch recomputation applies exactly the filters the processor applies.
import type { AggregateSpec, ProcessorSpec } from "../scenario/schema-streams.ts";
import type { WindowSpec } from "./windows.ts";

export interface ProcessorTopology {
  source: string;
  sink: string;
  aggregate: AggregateSpec;
  window: WindowSpec;
  graceMs: number;
  /** Whether a record with this key passes every filter step. */
  keep(key: string): boolean;
}

const ms = (us: number): number => Math.floor(us / 1000);

export function windowSpecOf(a: AggregateSpec): WindowSpec {
  const w = a.window;
  if (w.tumbling !== undefined) return { type: "tumbling", sizeMs: ms(w.tumbling) };
  if (w.hopping !== undefined) return { type: "hopping", sizeMs: ms(w.hopping.size), advanceMs: ms(w.hopping.advance) };
  if (w.sliding !== undefined) return { type: "sliding", differenceMs: ms(w.sliding) };
  return { type: "session", gapMs: ms(w.session!) };
}

/** Assumes a validated topology (check-streams.ts): a source first, a sink last, one aggregate. */
export function processorTopology(spec: ProcessorSpec): ProcessorTopology {
  const steps = spec.topology;
  const aggregate = steps.find((s) => s.aggregate)!.aggregate!;
  const filters = steps.filter((s) => s.filter).map((s) => new RegExp(s.filter!.keyMatches));
  return {
    source: steps[0].source!,
    sink: steps[steps.length - 1].sink!,
    aggregate,
    window: windowSpecOf(aggregate),
    graceMs: ms(aggregate.grace),
    keep: (key) => filters.every((f) => f.test(key)),
  };
}
