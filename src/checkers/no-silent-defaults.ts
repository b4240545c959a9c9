// no-silent-defaults: a field the writer's data had a value for, which the reader saw only as its default — a
// rename without an alias on the reader's side, or a field the writer removed while the reader keeps it with a
// default. The record decodes, so nothing fails; the value is lost. One anomaly per (group, writer schema,
// reader schema, field), with how many records and the first of them.
import { Op, type History } from "../history/history.ts";
import type { Anomaly } from "../report/result-types.ts";
import type { Scenario } from "../scenario/schema.ts";
import { silentlyDefaultedFields } from "../schema/silent-defaults.ts";
import { describeReader, describeWriter, readSchemaContext, registeredUnder } from "./schema-rows.ts";
import { fmtS, verdictOf, type Checker } from "./verdict.ts";

const SAMPLE_IDS = 10;

interface Lost {
  group: number;
  reader: number;
  writerId: number;
  field: string;
  count: number;
  msgs: number[];
  firstUs: number;
}

export const noSilentDefaults: Checker = (h: History, scenario: Scenario) => {
  const ctx = readSchemaContext(h, scenario);
  const found = new Map<string, Lost>();
  let checked = 0;
  if (ctx !== undefined) {
    const fieldsByPair = new Map<number, string[]>();
    for (let i = 0; i < h.opCount; i++) {
      if (h.opKind[i] !== Op.Decoded) continue;
      checked++;
      const reader = h.opPartition[i];
      const writerId = h.opOffset[i];
      const topic = h.msgTopic[h.opMsg[i]];
      const w = registeredUnder(ctx, writerId, topic);
      if (w === undefined) continue;
      // Per topic too: the same global id has a different version history under each subject.
      const pair = (topic * 65536 + writerId) * 4096 + reader;
      let fields = fieldsByPair.get(pair);
      if (fields === undefined) {
        // The subject's schemas up to the writer's version: the fields data of this subject has carried.
        const earlier = (ctx.versions.get(w.topicActor) ?? []).filter((v) => v.version <= w.version).map((v) => ctx.schemas[v.schema]!.type);
        fields = silentlyDefaultedFields(ctx.schemas[reader]!.type, ctx.schemas[w.schema]!.type, earlier);
        fieldsByPair.set(pair, fields);
      }
      for (const field of fields) {
        const key = `${h.opAux[i]}:${pair}:${field}`;
        let lost = found.get(key);
        if (!lost) found.set(key, (lost = { group: h.opAux[i], reader, writerId, field, count: 0, msgs: [], firstUs: h.opTimeUs[i] }));
        lost.count++;
        if (lost.msgs.length < SAMPLE_IDS) lost.msgs.push(h.opMsg[i]);
      }
    }
  }
  const anomalies: Anomaly[] = [...found.values()].map((l) => {
    const topic = h.msgTopic[l.msgs[0]!];
    return {
      kind: "silent-default",
      explanation:
        `group ${h.actorNames[l.group]} read ${l.count} record(s) written with ${describeWriter(ctx!, h, l.writerId, topic)} using ${describeReader(ctx!, h, l.reader, topic)}, ` +
        `from ${fmtS(l.firstUs)}: field "${l.field}" came out as the reader's default — the writer's value was lost ` +
        `(the writer has no field of that name: renamed without an alias on the reader's side, or removed)`,
      messageIds: l.msgs,
      keys: l.msgs.map((m) => h.keyOf(m)),
      timesUs: [l.firstUs],
    };
  });
  return verdictOf(
    "no-silent-defaults",
    checked,
    anomalies,
    ctx === undefined ? "no schema registry in this scenario" : `no decoded record of ${checked} lost a written value to a reader default`,
    (n) => `${n} field(s) lost to reader defaults (field, writer and reader versions in each anomaly)`,
  );
};
