// A Confluent-style schema registry: subjects (each a versioned history of schemas), global schema ids shared by
// every subject that registers the same schema, and a compatibility mode per subject falling back to the global
// one (default BACKWARD). Registering a schema the subject already holds returns its existing id and version
// without a compatibility check, as the real registry does; a new one is checked against the subject's versions
// as the mode says and refused (HTTP 409) when incompatible.
import type { AvroSchema } from "./avro-schema.ts";
import { checkCompatibility, type CompatibilityMode, type Incompatibility } from "./compatibility.ts";

export interface SubjectVersion {
  readonly version: number;
  readonly id: number;
  readonly schema: AvroSchema;
}

export type RegisterOutcome =
  | { ok: true; id: number; version: number; existing: boolean }
  | { ok: false; error: "INCOMPATIBLE"; mode: CompatibilityMode; reasons: Incompatibility[] };

/** TopicNameStrategy: the subject of a topic's record values. */
export function valueSubject(topic: string): string {
  return `${topic}-value`;
}

export class SchemaRegistry {
  private readonly subjects = new Map<string, SubjectVersion[]>();
  private readonly subjectModes = new Map<string, CompatibilityMode>();
  private readonly idsByCanonical = new Map<string, number>();
  private readonly schemasById = new Map<number, AvroSchema>();
  private nextId = 1;

  constructor(public globalMode: CompatibilityMode = "BACKWARD") {}

  setSubjectMode(subject: string, mode: CompatibilityMode): void {
    this.subjectModes.set(subject, mode);
  }

  modeOf(subject: string): CompatibilityMode {
    return this.subjectModes.get(subject) ?? this.globalMode;
  }

  /** POST /subjects/{subject}/versions. */
  register(subject: string, schema: AvroSchema): RegisterOutcome {
    const versions = this.subjects.get(subject) ?? [];
    const known = versions.find((v) => v.schema.canonical === schema.canonical);
    if (known) return { ok: true, id: known.id, version: known.version, existing: true };
    const mode = this.modeOf(subject);
    const reasons = checkCompatibility(mode, schema, versions.map((v) => v.schema));
    if (reasons.length > 0) return { ok: false, error: "INCOMPATIBLE", mode, reasons };
    let id = this.idsByCanonical.get(schema.canonical);
    if (id === undefined) {
      id = this.nextId++;
      this.idsByCanonical.set(schema.canonical, id);
      this.schemasById.set(id, schema);
    }
    const version = versions.length + 1;
    versions.push({ version, id, schema });
    this.subjects.set(subject, versions);
    return { ok: true, id, version, existing: false };
  }

  /** GET /schemas/ids/{id}: what a deserializer asks for the writer's schema. */
  schemaById(id: number): AvroSchema | undefined {
    return this.schemasById.get(id);
  }

  /** GET /subjects/{subject}/versions/{version}, all of them in order. */
  versions(subject: string): readonly SubjectVersion[] {
    return this.subjects.get(subject) ?? [];
  }

  /** The version of `id` within `subject`, or -1. */
  versionOf(subject: string, id: number): number {
    return this.versions(subject).find((v) => v.id === id)?.version ?? -1;
  }
}
