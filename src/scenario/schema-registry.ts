// Scenario fields for schema evolution: a Confluent-style schema registry (global and per-subject compatibility),
// the Avro schemas (`.avsc` files next to the scenario, or inline JSON), which schema each producer writes with
// and each group reads with, and the rolling upgrades that change them during the run. Spread into zScenario.
import { z } from "zod";
import { zDuration } from "./zod-units.ts";
import { COMPATIBILITY_MODES } from "../schema/compatibility.ts";

const zMode = z.enum(COMPATIBILITY_MODES);

// A letter first: object keys that look like integers would be reordered by JavaScript.
const zSchemaName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9._-]*$/, "a name starting with a letter (letters, digits, '.', '_', '-')")
  .describe("A schema's name in `schemas`.");

export const UNDECODABLE_POLICIES = ["crash-loop", "skip", "stop"] as const;
export type UndecodablePolicy = (typeof UNDECODABLE_POLICIES)[number];

export const zSchemaRegistry = z
  .strictObject({
    compatibility: zMode
      .prefault("BACKWARD")
      .describe("The registry's global compatibility mode (Confluent's default BACKWARD): BACKWARD, FORWARD, FULL, their _TRANSITIVE forms, or NONE."),
    subjects: z
      .record(z.string(), z.strictObject({ compatibility: zMode.describe("This subject's mode, overriding the global one.") }))
      .prefault({})
      .describe("Per-subject settings by subject name; a topic's value subject is `<topic>-value` (TopicNameStrategy)."),
    schemas: z
      .record(zSchemaName, z.union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown())]))
      .describe(
        "The Avro schemas by name, in version order: a path to an .avsc file (relative to the scenario file), or the schema inline (YAML or a JSON string).",
      ),
    producers: z
      .array(z.strictObject({
        producer: z.string().describe("A producer of `producers`."),
        schema: z.string().describe("The schema (a name in `schemas`) its serializer registers and writes with."),
      }))
      .prefault([])
      .describe("Producers that serialize with the registry (the others write values that are not in the wire format)."),
    consumers: z
      .array(z.strictObject({
        group: z.string().describe("A consumer group of `consumerGroups`."),
        schema: z.string().describe("Its reader schema (a name in `schemas`)."),
        onUndecodable: z
          .enum(UNDECODABLE_POLICIES)
          .prefault("crash-loop")
          .describe(
            "What a member does with a record it cannot decode: crash-loop (no error handling: the poll fails, the process dies and is restarted, and fails again on the same offset), skip (log and move past it: the record is lost to the application), stop (the process dies and stays down). Ignored when the group declares `errorHandling`: the application's error handling takes the record (dead-letter topic, skip or stop).",
          ),
        restartBackoff: zDuration
          .prefault("10s")
          .describe("crash-loop: delay before the first restart, doubling after each crash up to 5 minutes (Kubernetes CrashLoopBackOff)."),
      }))
      .prefault([])
      .describe("Groups that deserialize with the registry, and their reader schema."),
    upgrades: z
      .array(z.strictObject({
        at: zDuration.describe("When the upgrade takes effect."),
        producer: z.string().optional().describe("The producer that now writes with `schema` (one instance of a rolling upgrade)."),
        group: z.string().optional().describe("The group whose members now read with `schema`."),
        schema: z.string().describe("The new schema (a name in `schemas`)."),
      }))
      .prefault([])
      .describe("Rolling upgrades: each names one producer or one group and the schema it switches to."),
    requestTimeout: zDuration.prefault("30s").describe("How long a client waits for the registry before sending the request again."),
  })
  .optional()
  .describe("A schema registry and Avro serialization of record values (see README \"Schema evolution\").");

export const schemaRegistryFields = { schemaRegistry: zSchemaRegistry };

export type SchemaRegistrySpec = NonNullable<z.output<typeof zSchemaRegistry>>;
