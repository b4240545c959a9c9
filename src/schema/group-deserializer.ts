// A consumer group's value deserializer (Confluent KafkaAvroDeserializer) with the group's reader schema. Each
// member process caches the writer schemas it has fetched by id; an unknown id costs a registry round trip
// (the record waits, its position unchanged, and the next fetch finds it again). Decoding is real: the
// message's wire-format bytes through avsc's resolver, once per (encoded value, reader schema) since the bytes
// of a value never change.
import { Op } from "../history/history.ts";
import type { SchemaRuntime } from "./schema-runtime.ts";
import { AvroDeserializer, DecodeError, PLAIN_VALUE } from "./wire-format.ts";
import { DeserializeVerdict, handleUndecodable } from "./undecodable.ts";
import type { UndecodablePolicy } from "../scenario/schema-registry.ts";
import { defaultedFields } from "./silent-defaults.ts";

/** What the deserializer needs of the member process it runs in. */
export interface DeserializingClient {
  readonly name: string;
  readonly actorId: number;
  incarnation(): number;
}

interface MemberCache {
  incarnation: number;
  known: Set<number>;
  pending: Set<number>;
  /** Crashes on undecodable records since the last record this member decoded (drives the restart back-off). */
  crashesInARow: number;
}

export class GroupDeserializer {
  /** The reader schema's index (group upgrades change it). */
  reader: number;
  readonly groupActor: number;
  private readonly members = new Map<string, MemberCache>();
  /** (payload, reader) → null when it decodes, else the error. */
  private readonly outcomes = new Map<number, DecodeError | null>();
  private readonly decoders: (AvroDeserializer | undefined)[] = [];
  private readonly defaulted = new Map<number, number>();
  /** The group has application error handling: undecodable records go to it (see undecodable.ts). */
  private readonly toApplication: boolean;
  /** Records delivered undecoded to the application, awaiting their turn: message → decode error. */
  private readonly failures = new Map<number, DecodeError>();

  constructor(
    private readonly rt: SchemaRuntime,
    private readonly settings: { group: string; onUndecodable: UndecodablePolicy; restartBackoff: number },
    reader: number,
  ) {
    this.reader = reader;
    this.groupActor = rt.world.history.actor(settings.group, "group");
    this.toApplication = rt.world.scenario.consumerGroups.some((g) => g.name === settings.group && g.errorHandling !== undefined);
  }

  /** The decode error of `msg` if it was delivered undecoded to the application (once: the entry is consumed). */
  takeFailure(msg: number): DecodeError | undefined {
    const e = this.failures.get(msg);
    if (e !== undefined) this.failures.delete(msg);
    return e;
  }

  /** Called by the fetch loop for each record in order; `deliveredSoFar` counts the records this poll returns. */
  deserialize(client: DeserializingClient, msg: number, deliveredSoFar: number): DeserializeVerdict {
    const cache = this.cacheOf(client);
    const payload = this.rt.payloadOf(msg);
    const writerId = payload < 0 ? -1 : this.rt.payloads[payload]!.schemaId;
    if (writerId >= 0 && !cache.known.has(writerId)) {
      if (!cache.pending.has(writerId)) this.lookup(client, cache, writerId);
      return DeserializeVerdict.Halt;
    }
    const error = this.outcome(payload);
    const h = this.rt.world.history;
    const now = this.rt.world.sim.nowUs;
    if (error === null) {
      h.record(Op.Decoded, now, msg, client.actorId, this.reader, writerId, this.groupActor);
      const defaulted = this.defaultedCount(payload);
      if (defaulted > 0) h.record(Op.DefaultsApplied, now, msg, client.actorId, this.reader, defaulted, this.groupActor);
      cache.crashesInARow = 0;
      return DeserializeVerdict.Deliver;
    }
    // poll() returns the records before the bad one; the exception comes with the next poll. With the
    // application's error handling the deserializer does not throw: the record comes back in the poll.
    if (deliveredSoFar > 0 && !this.toApplication) return DeserializeVerdict.Halt;
    h.record(Op.DecodeFailed, now, msg, client.actorId, this.reader, writerId, this.groupActor);
    if (this.toApplication) this.failures.set(msg, error);
    else if (this.settings.onUndecodable !== "skip") cache.crashesInARow++;
    return handleUndecodable({
      world: this.rt.world,
      groupActor: this.groupActor,
      member: { name: client.name, actorId: client.actorId },
      msg,
      error,
      policy: this.toApplication ? "application" : this.settings.onUndecodable,
      restartBackoffUs: this.settings.restartBackoff,
      crashesInARow: cache.crashesInARow,
      restartKind: this.rt.kinds.restart,
    });
  }

  private cacheOf(client: DeserializingClient): MemberCache {
    let c = this.members.get(client.name);
    if (c === undefined) {
      c = { incarnation: client.incarnation(), known: new Set(), pending: new Set(), crashesInARow: 0 };
      this.members.set(client.name, c);
    } else if (c.incarnation !== client.incarnation()) {
      // A new process: its id cache starts empty.
      c.incarnation = client.incarnation();
      c.known.clear();
      c.pending.clear();
    }
    return c;
  }

  private lookup(client: DeserializingClient, cache: MemberCache, id: number): void {
    cache.pending.add(id);
    const inc = client.incarnation();
    this.rt.sendLookup(client.name, client.actorId, id, (a) => {
      if (client.incarnation() !== inc) return;
      cache.pending.delete(a.id);
      // An id the registry does not know stays "known": decoding then fails as UNKNOWN_SCHEMA_ID.
      cache.known.add(a.id);
    });
    // No answer in time (registry down or cut off): forget the request, so the next record asks again.
    this.rt.world.sim.after(this.rt.spec.requestTimeout, () => {
      if (client.incarnation() === inc && !cache.known.has(id)) cache.pending.delete(id);
    }, undefined, this.rt.kinds.timeout, client.actorId);
  }

  private outcome(payload: number): DecodeError | null {
    const key = (payload + 1) * this.rt.schemas.length + this.reader;
    let out = this.outcomes.get(key);
    if (out === undefined) {
      const bytes = payload < 0 ? PLAIN_VALUE : this.rt.payloads[payload]!.bytes;
      try {
        this.decoder(this.reader).decode(bytes);
        out = null;
      } catch (err) {
        if (!(err instanceof DecodeError)) throw err;
        out = err;
      }
      this.outcomes.set(key, out);
    }
    return out;
  }

  /** How many reader fields the writer of `payload` lacks (filled from defaults), per (payload, reader). */
  private defaultedCount(payload: number): number {
    const key = (payload + 1) * this.rt.schemas.length + this.reader;
    let n = this.defaulted.get(key);
    if (n === undefined) {
      const writer = this.rt.schemas[this.rt.payloads[payload]!.schema]!.type;
      n = defaultedFields(this.rt.schemas[this.reader]!.type, writer).length;
      this.defaulted.set(key, n);
    }
    return n;
  }

  private decoder(reader: number): AvroDeserializer {
    let d = this.decoders[reader];
    if (d === undefined) {
      d = new AvroDeserializer(this.rt.schemas[reader]!.type, (id) => this.rt.registry.schemaById(id)?.type);
      this.decoders[reader] = d;
    }
    return d;
  }
}
