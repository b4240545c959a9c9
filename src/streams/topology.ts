// A processor's topology, resolved from its steps: the source topic, the key filters, the one operator (a
// windowed aggregate, window sizes in ms as Kafka Streams keeps them, or a stream–stream join) and the sink.
// The runtime and the checkers read the same resolution, so a batch recomputation applies exactly the
// filters the processor applies.
import type { AggregateSpec, JoinSpec, ProcessorSpec } from "../scenario/schema-streams.ts";
import type { WindowSpec } from "./windows.ts";

export type TopologyOperator =
  | { kind: "aggregate"; aggregate: AggregateSpec; window: WindowSpec; graceMs: number; store: string }
  | { kind: "join"; join: JoinSpec; right: string; windowMs: number; graceMs: number; store: string; table: boolean };

export interface ProcessorTopology {
  source: string;
  sink: string;
  operator: TopologyOperator;
  /** The input topics: the source, and a join's other side. */
  inputs: string[];
  /** Whether a record with this key passes every filter step. */
  keep(key: string): boolean;
  /** A key re-map before the aggregate: the repartition topic, and the new key of a record. */
  repartition: { topic: string; rekey(key: string): string } | undefined;
}

export function repartitionTopicName(applicationId: string, name: string): string {
  return `${applicationId}-${name}-repartition`;
}

const ms = (us: number): number => Math.floor(us / 1000);

export function windowSpecOf(a: AggregateSpec): WindowSpec {
  const w = a.window;
  if (w.tumbling !== undefined) return { type: "tumbling", sizeMs: ms(w.tumbling) };
  if (w.hopping !== undefined) return { type: "hopping", sizeMs: ms(w.hopping.size), advanceMs: ms(w.hopping.advance) };
  if (w.sliding !== undefined) return { type: "sliding", differenceMs: ms(w.sliding) };
  return { type: "session", gapMs: ms(w.session!) };
}

/** Assumes a validated topology (check-streams.ts): a source first, a sink last, one aggregate or join. */
export function processorTopology(spec: ProcessorSpec): ProcessorTopology {
  const steps = spec.topology;
  const filters = steps.filter((s) => s.filter).map((s) => new RegExp(s.filter!.keyMatches));
  const agg = steps.find((s) => s.aggregate)?.aggregate;
  const join = steps.find((s) => s.join)?.join;
  const operator: TopologyOperator = agg
    ? { kind: "aggregate", aggregate: agg, window: windowSpecOf(agg), graceMs: ms(agg.grace), store: agg.store }
    : { kind: "join", join: join!, right: join!.with, windowMs: ms(join!.window ?? 0), graceMs: ms(join!.grace ?? 0), store: join!.store, table: join!.table };
  const source = steps[0].source!;
  const map = steps.find((s) => s.map)?.map;
  const pattern = map ? new RegExp(map.keyMatches) : undefined;
  return {
    source,
    sink: steps[steps.length - 1].sink!,
    operator,
    inputs: operator.kind === "join" ? [source, operator.right] : [source],
    keep: (key) => filters.every((f) => f.test(key)),
    repartition: map ? { topic: repartitionTopicName(spec.applicationId, map.name), rekey: (key) => key.replace(pattern!, map.key) } : undefined,
  };
}
