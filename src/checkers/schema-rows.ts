// What the schema checkers need from a run: the scenario's schemas (parsed again here, from the scenario, so a
// checker depends on nothing the simulation computed) and what the history says the registry assigned: global
// ids, the subject (topic) and version of each.
import { Op, type History } from "../history/history.ts";
import type { Scenario } from "../scenario/schema.ts";
import type { AvroSchema } from "../schema/avro-schema.ts";
import { scenarioSchemas } from "../schema/schema-runtime.ts";

export interface RegisteredSchema {
  id: number;
  schema: number;
  version: number;
  topicActor: number;
}

export interface SchemaContext {
  names: string[];
  schemas: AvroSchema[];
  byId: Map<number, RegisteredSchema>;
  /** Per topic actor (its value subject), the registered versions in version order. */
  versions: Map<number, RegisteredSchema[]>;
}

export function readSchemaContext(h: History, scenario: Scenario): SchemaContext | undefined {
  const spec = scenario.schemaRegistry;
  if (spec === undefined) return undefined;
  const { names, schemas } = scenarioSchemas(spec);
  const byId = new Map<number, RegisteredSchema>();
  const versions = new Map<number, RegisteredSchema[]>();
  for (let i = 0; i < h.opCount; i++) {
    if (h.opKind[i] !== Op.SchemaRegistered) continue;
    const topicActor = -2 - h.opMsg[i];
    const r: RegisteredSchema = { id: h.opOffset[i], schema: h.opAux[i], version: h.opPartition[i], topicActor };
    if (!byId.has(r.id)) byId.set(r.id, r);
    let list = versions.get(topicActor);
    if (!list) versions.set(topicActor, (list = []));
    if (!list.some((x) => x.version === r.version)) list.push(r);
  }
  for (const list of versions.values()) list.sort((a, b) => a.version - b.version);
  return { names, schemas, byId, versions };
}

/** The registration of global id `id` under the topic's value subject (ids are shared between subjects). */
export function registeredUnder(ctx: SchemaContext, id: number, topicActor: number): RegisteredSchema | undefined {
  return ctx.versions.get(topicActor)?.find((v) => v.id === id) ?? ctx.byId.get(id);
}

/** "v2 (id 2, orders-value version 2)" for messages. */
export function describeWriter(ctx: SchemaContext, h: History, id: number, topicActor: number): string {
  const r = registeredUnder(ctx, id, topicActor);
  if (r === undefined) return id < 0 ? "a plain value (no schema)" : `schema id ${id} (not registered)`;
  return `"${ctx.names[r.schema]}" (id ${id}, ${h.actorNames[r.topicActor]}-value version ${r.version})`;
}

/** "v1 (orders-value version 1)" or "v1 (not registered under orders-value)". */
export function describeReader(ctx: SchemaContext, h: History, reader: number, topicActor: number): string {
  const v = ctx.versions.get(topicActor)?.find((x) => ctx.schemas[x.schema]!.canonical === ctx.schemas[reader]!.canonical);
  const subject = `${h.actorNames[topicActor]}-value`;
  return v ? `"${ctx.names[reader]}" (${subject} version ${v.version})` : `"${ctx.names[reader]}" (not registered under ${subject})`;
}
