// Schema evolution in a run: the registry (a node on the simulated network), the schemas of the scenario, the
// value bytes each message carries, the producers' serializers, the groups' deserializers and the rolling upgrades.
// Values are encoded once per schema (one fixed sample record per schema) and a message only records which
// encoded value it carries, so a million messages cost a column of integers, not a million buffers.
import { Op } from "../history/history.ts";
import { grow } from "../kernel/typed-arrays.ts";
import type { World } from "../runner/world.ts";
import type { FaultTarget } from "../faults/targets.ts";
import type { SchemaRegistrySpec } from "../scenario/schema-registry.ts";
import { avroSchemaFromJson, type AvroSchema } from "./avro-schema.ts";
import { SchemaRegistry, valueSubject } from "./registry.ts";
import { ProducerSerializer, type RegistrationAnswer } from "./producer-serializer.ts";
import { GroupDeserializer } from "./group-deserializer.ts";
import { encodeValue } from "./wire-format.ts";
import { sampleValue } from "./sample-value.ts";

/** The registry's node name on the network. */
export const REGISTRY_NODE = "schema-registry";

export interface Payload {
  readonly bytes: Buffer;
  readonly schemaId: number;
  readonly schema: number;
}

/** Parses the scenario's schemas (already checked at load) in their declared order. */
export function scenarioSchemas(spec: SchemaRegistrySpec): { names: string[]; schemas: AvroSchema[] } {
  const names = Object.keys(spec.schemas);
  const schemas = names.map((n) => avroSchemaFromJson(spec.schemas[n], n, () => () => ({ line: 1, col: 1 })));
  return { names, schemas };
}

export class SchemaRuntime {
  readonly registry: SchemaRegistry;
  readonly names: string[];
  readonly schemas: AvroSchema[];
  readonly payloads: Payload[] = [];
  private readonly payloadOfSchemaId = new Map<number, number>();
  /** Per message: 1 + index in `payloads`; 0 = a plain value (the producer has no serializer). */
  private msgPayload = new Int32Array(1024);
  private readonly serializers = new Map<string, ProducerSerializer>();
  private readonly deserializers = new Map<string, GroupDeserializer>();
  readonly kinds: { timeout: number; upgrade: number; restart: number };

  constructor(
    readonly world: World,
    readonly spec: SchemaRegistrySpec,
  ) {
    ({ names: this.names, schemas: this.schemas } = scenarioSchemas(spec));
    this.registry = new SchemaRegistry(spec.compatibility);
    for (const [subject, s] of Object.entries(spec.subjects)) this.registry.setSubjectMode(subject, s.compatibility);
    const sim = world.sim;
    this.kinds = { timeout: sim.registerKind("schema.request-timeout"), upgrade: sim.registerKind("schema.upgrade"), restart: sim.registerKind("schema.restart") };
    for (const c of spec.consumers) {
      this.deserializers.set(c.group, new GroupDeserializer(this, c, this.index(c.schema)));
    }
    spec.upgrades.forEach((u, i) => sim.at(u.at, this.upgrade, i, this.kinds.upgrade, i));
    world.targets.register(new RegistryNode(world));
  }

  index(name: string): number {
    const i = this.names.indexOf(name);
    if (i < 0) throw new Error(`schema "${name}" is not declared`);
    return i;
  }

  /** The serializer of a producer, or undefined when it writes plain values. Called once by each producer. */
  serializerFor(name: string, actorId: number, topic: string): ProducerSerializer | undefined {
    const p = this.spec.producers.find((x) => x.producer === name);
    if (p === undefined) return undefined;
    const s = new ProducerSerializer(this, name, actorId, valueSubject(topic), this.world.history.actor(topic, "topic"), this.index(p.schema));
    this.serializers.set(name, s);
    return s;
  }

  /** The deserializer of a group, or undefined when it does not decode values. */
  deserializerFor(group: string): GroupDeserializer | undefined {
    return this.deserializers.get(group);
  }

  // ---------- values ----------

  setPayload(msg: number, schema: number, schemaId: number): void {
    let p = this.payloadOfSchemaId.get(schemaId);
    if (p === undefined) {
      const type = this.schemas[schema]!.type;
      p = this.payloads.length;
      this.payloads.push({ bytes: encodeValue(schemaId, type, sampleValue(type)), schemaId, schema });
      this.payloadOfSchemaId.set(schemaId, p);
    }
    if (msg >= this.msgPayload.length) this.msgPayload = grow(this.msgPayload, msg + 1);
    this.msgPayload[msg] = p + 1;
  }

  /** Index in `payloads` of the value `msg` carries, or -1 for a plain value. */
  payloadOf(msg: number): number {
    return msg < this.msgPayload.length ? this.msgPayload[msg]! - 1 : -1;
  }

  // ---------- the registry node ----------

  sendRegistration(s: ProducerSerializer, schema: number, seq: number): void {
    const net = this.world.net;
    net.send(s.name, REGISTRY_NODE, this.onRegister, { s, schema, seq }, s.actorId);
    this.world.sim.after(this.spec.requestTimeout, (q: number) => s.timedOut(q), seq, this.kinds.timeout, s.actorId);
  }

  private readonly onRegister = (req: { s: ProducerSerializer; schema: number; seq: number }): void => {
    const outcome = this.registry.register(req.s.subject, this.schemas[req.schema]!);
    const answer: RegistrationAnswer = { seq: req.seq, schema: req.schema, outcome };
    this.world.net.send(REGISTRY_NODE, req.s.name, req.s.answered, answer, req.s.actorId);
  };

  /** GET /schemas/ids/{id}: answers `reply` on the client's node with whether the id exists. */
  sendLookup(client: string, actorId: number, id: number, reply: (a: { id: number; found: boolean }) => void): void {
    const net = this.world.net;
    net.send(client, REGISTRY_NODE, () => {
      net.send(REGISTRY_NODE, client, reply, { id, found: this.registry.schemaById(id) !== undefined }, actorId);
    }, undefined, actorId);
  }

  private readonly upgrade = (i: number): void => {
    const u = this.spec.upgrades[i]!;
    const schema = this.index(u.schema);
    const h = this.world.history;
    if (u.producer !== undefined) {
      const s = this.serializers.get(u.producer);
      if (s === undefined) return;
      s.current = schema;
      h.record(Op.SchemaUpgraded, this.world.sim.nowUs, -1, s.actorId, -1, -1, schema);
    } else if (u.group !== undefined) {
      const d = this.deserializers.get(u.group);
      if (d === undefined) return;
      d.reader = schema;
      h.record(Op.SchemaUpgraded, this.world.sim.nowUs, -1, h.actor(u.group, "group"), -1, -1, schema);
    }
  };
}

/**
 * The registry as a fault target ("schema-registry"): a crash is an outage (requests are lost and clients resend
 * after requestTimeout); its schemas survive, as the real registry keeps them in a Kafka topic.
 */
class RegistryNode implements FaultTarget {
  readonly name = REGISTRY_NODE;
  readonly kind = "schema-registry" as const;
  constructor(private readonly world: World) {}
  crash(): void {
    this.world.net.setDown(REGISTRY_NODE);
  }
  restart(): void {
    this.world.net.setUp(REGISTRY_NODE);
  }
  pause(durationUs: number): void {
    this.world.net.pause(REGISTRY_NODE, this.world.sim.nowUs + durationUs);
  }
}

/** Adds the schema runtime to a world whose scenario has a schemaRegistry block; called once by the runner. */
export function attachSchemaRuntime(world: World): void {
  const spec = world.scenario.schemaRegistry;
  if (spec !== undefined) world.schemas = new SchemaRuntime(world, spec);
}
