// no-undecodable: every record a consumer receives decodes with its reader schema. Each failed decode is an
// anomaly naming the writer's schema id and version, the reader's schema and version and the resolution error,
// recomputed here with avsc from the scenario's schemas. Records the model decoded are re-checked too: a
// decoded record whose schemas do not resolve would be a model bug, and is reported as one.
import { Op, type History } from "../history/history.ts";
import type { Anomaly } from "../report/result-types.ts";
import type { Scenario } from "../scenario/schema.ts";
import { canRead, resolutionProblems } from "../schema/compatibility.ts";
import { describeReader, describeWriter, readSchemaContext, type SchemaContext } from "./schema-rows.ts";
import { fmtS, verdictOf, type Checker } from "./verdict.ts";

const POLICY = ["the member crashed (no error handling) and will be restarted", "the record was skipped", "the member stopped"];
/** UndecodableHandled's code when the group's application error handling took the record. */
const TO_APPLICATION = 3;

export const noUndecodable: Checker = (h: History, scenario: Scenario) => {
  const ctx = readSchemaContext(h, scenario);
  const anomalies: Anomaly[] = [];
  let checked = 0;
  let refusedSends = 0;
  if (ctx !== undefined) {
    const appendRow = new Int32Array(h.messageCount).fill(-1);
    for (let i = 0; i < h.opCount; i++) {
      const k = h.opKind[i];
      if (k === Op.Append) appendRow[h.opMsg[i]] = i;
      else if (k === Op.SerializeFailed) refusedSends++;
    }
    const appOutcomes = applicationOutcomes(h);
    const resolvable = new Map<number, boolean>();
    for (let i = 0; i < h.opCount; i++) {
      const k = h.opKind[i];
      if (k !== Op.Decoded && k !== Op.DecodeFailed) continue;
      checked++;
      const msg = h.opMsg[i];
      const reader = h.opPartition[i];
      const writerId = h.opOffset[i];
      if (k === Op.Decoded) {
        const key = writerId * 4096 + reader;
        let ok = resolvable.get(key);
        if (ok === undefined) resolvable.set(key, (ok = writerResolves(ctx, reader, writerId)));
        if (ok) continue;
      }
      const a = appendRow[msg];
      const error = resolutionError(ctx, reader, writerId);
      const policy = k === Op.DecodeFailed ? policyAfter(h, i, msg) : -1;
      anomalies.push({
        kind: k === Op.DecodeFailed ? "undecodable" : "decoded-unresolvable",
        explanation:
          `${h.messageName(msg)} (key ${h.keyOf(msg)})${a >= 0 ? ` at ${h.actorNames[h.msgTopic[msg]]}/${h.opPartition[a]}@${h.opOffset[a]}` : ""}: ` +
          `${h.actorNames[h.opActor[i]]} of group ${h.actorNames[h.opAux[i]]} ${k === Op.DecodeFailed ? "could not decode it" : "decoded it, yet the schemas do not resolve"} at ${fmtS(h.opTimeUs[i])}: ` +
          `written with ${describeWriter(ctx, h, writerId, h.msgTopic[msg])}, read with ${describeReader(ctx, h, reader, h.msgTopic[msg])}: ${error}` +
          (policy === TO_APPLICATION ? `; ${applicationOutcome(h, appOutcomes, i, msg)}` : policy >= 0 ? `; ${POLICY[policy]}` : ""),
        messageIds: [msg],
        keys: [h.keyOf(msg)],
        ...(a >= 0 ? { partition: h.opPartition[a], offsets: [h.opOffset[a]] } : {}),
        timesUs: [h.opTimeUs[i]],
      });
    }
  }
  const refused = refusedSends > 0 ? `; ${refusedSends} send(s) failed because the registry refused their schema (nothing written)` : "";
  return verdictOf(
    "no-undecodable",
    checked,
    anomalies,
    ctx === undefined ? "no schema registry in this scenario" : `every one of ${checked} record(s) decoded with its reader schema${refused}`,
    (n) => `${n} record delivery(ies) could not be decoded with the reader schema${refused}`,
  );
};

function policyAfter(h: History, row: number, msg: number): number {
  const next = row + 1;
  return next < h.opCount && h.opKind[next] === Op.UndecodableHandled && h.opMsg[next] === msg ? h.opPartition[next] : -1;
}

/** Per message, the rows where the application's error handling dead-lettered, skipped or stalled on it. */
function applicationOutcomes(h: History): Map<number, number[]> {
  const rows = new Map<number, number[]>();
  for (let i = 0; i < h.opCount; i++) {
    const k = h.opKind[i];
    if (k !== Op.AppDeadLetter && k !== Op.AppSkipped && k !== Op.AppStalled) continue;
    const msg = h.opMsg[i];
    let r = rows.get(msg);
    if (r === undefined) rows.set(msg, (r = []));
    r.push(i);
  }
  return rows;
}

/** What the application did with the record the member failed to decode at `row`: its next outcome by that member. */
function applicationOutcome(h: History, outcomes: Map<number, number[]>, row: number, msg: number): string {
  const member = h.opActor[row];
  const at = (outcomes.get(msg) ?? []).find((j) => j > row && h.opActor[j] === member);
  const handed = "handed to the application's error handling (not retryable)";
  if (at === undefined) return `${handed}, which had not decided by the end of the run`;
  const k = h.opKind[at];
  const when = ` at ${fmtS(h.opTimeUs[at])}`;
  if (k === Op.AppDeadLetter) return `${handed}: dead-lettered to ${h.actorNames[h.opAux[at]]}${when}`;
  if (k === Op.AppSkipped) return `${handed}: skipped (lost by policy)${when}`;
  return `${handed}: the member stopped at it${when}`;
}

function writerResolves(ctx: SchemaContext, reader: number, writerId: number): boolean {
  const w = ctx.byId.get(writerId);
  return w !== undefined && canRead(ctx.schemas[reader]!.type, ctx.schemas[w.schema]!.type);
}

/** The reason a reader cannot read a writer, in Avro's rule names, from the scenario's schemas. */
function resolutionError(ctx: SchemaContext, reader: number, writerId: number): string {
  if (writerId < 0) return "the value is not in the wire format (unknown magic byte): its producer does not use the registry";
  const w = ctx.byId.get(writerId);
  if (w === undefined) return `schema id ${writerId} is not in the registry`;
  const problems = resolutionProblems(ctx.schemas[reader]!.type, ctx.schemas[w.schema]!.type);
  if (problems.length === 0) return "the schemas resolve; the decoder failed on the data";
  return problems.map((p) => `${p.field} ${p.rule}: ${p.message}`).join("; ");
}
