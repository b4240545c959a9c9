// A producer's value serializer (Confluent KafkaAvroSerializer, auto.register.schemas=true): before the first
// record with a schema it registers the schema under the topic's value subject, over the network, and caches the
// id. The application's send() blocks meanwhile; here the records are held and released when the answer comes.
// A refusal (409, incompatible) is not cached, as in the real client: the held records fail (nothing is written)
// and the next send asks again.
import { Op } from "../history/history.ts";
import type { RegisterOutcome } from "./registry.ts";
import type { SchemaRuntime } from "./schema-runtime.ts";

interface Held {
  msg: number;
  schema: number;
  release: () => void;
}

export interface RegistrationAnswer {
  seq: number;
  schema: number;
  outcome: RegisterOutcome;
}

export class ProducerSerializer {
  /** The schema index new records are written with (rolling upgrades change it). */
  current: number;
  /** The client's id cache: schema index → global id. A restart empties it. */
  private readonly ids = new Map<number, number>();
  private held: Held[] = [];
  private pendingSeq = 0;
  private seq = 0;

  constructor(
    private readonly rt: SchemaRuntime,
    readonly name: string,
    readonly actorId: number,
    readonly subject: string,
    readonly topicActor: number,
    schema: number,
  ) {
    this.current = schema;
  }

  /** true: serialized now, go on; false: held (`release` runs later) or failed (recorded here). */
  serialize(msg: number, release: () => void): boolean {
    const id = this.ids.get(this.current);
    if (id !== undefined) {
      this.rt.setPayload(msg, this.current, id);
      return true;
    }
    this.held.push({ msg, schema: this.current, release });
    if (this.pendingSeq === 0) this.register(this.current);
    return false;
  }

  private register(schema: number): void {
    const seq = ++this.seq;
    this.pendingSeq = seq;
    this.rt.sendRegistration(this, schema, seq);
  }

  /** The registry did not answer in time (down, partitioned): ask again. */
  timedOut(seq: number): void {
    if (seq !== this.pendingSeq || this.held.length === 0) return;
    this.register(this.held[0]!.schema);
  }

  readonly answered = (a: RegistrationAnswer): void => {
    if (a.seq !== this.pendingSeq) return;
    this.pendingSeq = 0;
    const h = this.rt.world.history;
    const now = this.rt.world.sim.nowUs;
    const subjectMsg = -2 - this.topicActor;
    if (a.outcome.ok) {
      h.record(Op.SchemaRegistered, now, subjectMsg, this.actorId, a.outcome.version, a.outcome.id, a.schema);
      this.ids.set(a.schema, a.outcome.id);
    } else {
      h.record(Op.SchemaRefused, now, subjectMsg, this.actorId, -1, -1, a.schema);
    }
    const waiting = this.held;
    this.held = [];
    for (const x of waiting) {
      if (x.schema !== a.schema) this.held.push(x);
      else if (a.outcome.ok) {
        this.rt.setPayload(x.msg, x.schema, a.outcome.id);
        x.release();
      } else this.fail(x);
    }
    if (this.held.length > 0) this.register(this.held[0]!.schema);
  };

  private fail(x: Held): void {
    const h = this.rt.world.history;
    const now = this.rt.world.sim.nowUs;
    h.record(Op.SerializeFailed, now, x.msg, this.actorId, -1, -1, x.schema);
    h.record(Op.ProduceFail, now, x.msg, this.actorId, -1);
  }

  /** The producer crashed: held sends fail (they never left the process) and the new process starts uncached. */
  abandon(): void {
    const h = this.rt.world.history;
    const now = this.rt.world.sim.nowUs;
    for (const x of this.held) h.record(Op.ProduceFail, now, x.msg, this.actorId, -1);
    this.held = [];
    this.pendingSeq = 0;
    this.ids.clear();
  }
}
