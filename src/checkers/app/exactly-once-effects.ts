// exactly-once-effects: every acknowledged message's effect is applied exactly once by the end of the drain, by
// every consumer group whose handler applies effects. A double application names both applications and why the
// dedup missed (no dedup step, TTL expired, a member's memory table lost in a crash or not shared, a
// check-then-act gap); a missing one names the message's fate (dead-lettered, skipped, stalled, lost upstream).
// effects-no-loss (at-least-once effects) is the same check without the duplicates.
import { Op, type History } from "../../history/history.ts";
import type { Anomaly } from "../../report/result-types.ts";
import type { Scenario } from "../../scenario/schema.ts";
import { fmtS, verdictOf, type Checker } from "../verdict.ts";
import { DedupMissReason } from "../../models/app/handler-types.ts";
import { effectLedger, fateOf, redriveNote, upstreamNote, type EffectLedger, type MessageTrail, type OwnerSpec } from "./effect-ledger.ts";

function dedupStepOf(o: OwnerSpec) {
  for (const s of o.steps) if ("dedup" in s) return s.dedup;
  return undefined;
}

/** Why the second application `second` of a message was not stopped by the dedup step. */
export function whyDedupMissed(h: History, o: OwnerSpec, t: MessageTrail, first: number, second: number, crashes: EffectLedger["crashes"]): { reason: string; text: string } {
  const d = dedupStepOf(o);
  if (d === undefined) return { reason: "no-dedup-step", text: "the handler has no dedup step" };
  const t1 = h.opTimeUs[first], t2 = h.opTimeUs[second];
  // The miss that let the second application through: the last dedup miss before it, after the first.
  let miss = -1;
  for (const r of t.dedupRows) if (h.opKind[r] === Op.AppDedupMiss && r < second && h.opActor[r] === h.opActor[second]) miss = r;
  let mark = -1;
  for (const r of t.dedupRows) if (h.opKind[r] === Op.AppDedupMark && r > first && (mark < 0 || r < mark)) mark = r;
  if (mark < 0) for (const r of t.dedupRows) if (h.opKind[r] === Op.AppDedupMark && r < first) mark = r;
  if (miss >= 0 && h.opOffset[miss] === DedupMissReason.Expired) {
    const writtenUs = mark >= 0 ? h.opTimeUs[mark] : t1;
    return { reason: "ttl-expired", text: `the dedup key expired: its TTL (${fmtS(d.ttl)}) ran out before the redelivery checked it at ${fmtS(h.opTimeUs[miss])}, ${fmtS(h.opTimeUs[miss] - writtenUs)} after it was written` };
  }
  const m1 = h.opActor[first], m2 = h.opActor[second];
  if (d.store === "memory") {
    const crash = (crashes.get(m1) ?? []).find((c) => c >= t1 && c <= t2);
    if (crash !== undefined) return { reason: "memory-lost-in-crash", text: `the dedup table was in ${h.actorNames[m1]}'s memory and was lost when it crashed at ${fmtS(crash)}` };
    if (m1 !== m2) return { reason: "memory-not-shared", text: `the dedup table is per member in memory: ${h.actorNames[m2]} never saw the key ${h.actorNames[m1]} wrote` };
  }
  if (!d.atomic) {
    const gapEnd = mark >= 0 && mark > first ? h.opTimeUs[mark] : undefined;
    if (miss >= 0 && gapEnd !== undefined && h.opTimeUs[miss] < gapEnd) {
      return { reason: "check-then-act-gap", text: `check-then-act gap: the second check at ${fmtS(h.opTimeUs[miss])} ran before the first handler wrote its key at ${fmtS(gapEnd)}` };
    }
    const crash = (crashes.get(m1) ?? []).find((c) => c >= t1 && c <= t2);
    return {
      reason: "check-then-act-gap",
      text: `check-then-act gap: the effect committed at ${fmtS(t1)} but the dedup key was not written with it` + (crash !== undefined ? ` (${h.actorNames[m1]} crashed at ${fmtS(crash)} in between)` : ""),
    };
  }
  return { reason: "dedup-missed", text: "the dedup check missed for no recorded reason (the key differs between the two deliveries?)" };
}

/**
 * The effect check itself, for any owners (an actor whose AppEffect rows carry it in the partition column, and
 * the topic or queue actors whose acknowledged messages it owes an effect): reusable for end-to-end checks.
 */
export function checkEffects(h: History, s: Scenario, duplicatesToo: boolean, owners?: OwnerSpec[]): { anomalies: Anomaly[]; checked: number } {
  const L = effectLedger(h, s, owners);
  const anomalies: Anomaly[] = [];
  let checked = 0;
  for (const o of L.owners) {
    const trails = L.trails.get(o.owner)!;
    for (let msg = 0; msg < h.messageCount; msg++) {
      if (L.ackedUs[msg] < 0 || !o.sources.has(h.msgTopic[msg])) continue;
      checked++;
      const t = trails.get(msg);
      const effects = t?.effects ?? [];
      if (effects.length === 0) {
        const fate = fateOf(h, t, o.name, msg, L, o.owner);
        anomalies.push({
          kind: "missing-effect",
          explanation: `${h.messageName(msg)} (key ${h.keyOf(msg)}) was acknowledged at ${fmtS(L.ackedUs[msg])} but ${o.name} never applied its effect: ${fate.text}${redriveNote(h, t)}${upstreamNote(h, L, msg)}`,
          messageIds: [msg],
          keys: [h.keyOf(msg)],
          timesUs: [L.ackedUs[msg]],
        });
      } else if (duplicatesToo && effects.length > 1) {
        const [first, second] = effects;
        const why = whyDedupMissed(h, o, t!, first, second, L.crashes);
        anomalies.push({
          kind: "duplicate-effect",
          explanation:
            `${o.name} applied the effect of ${h.messageName(msg)} (key ${h.keyOf(msg)}) ${effects.length} times: ` +
            `by ${h.actorNames[h.opActor[first]]} at ${fmtS(h.opTimeUs[first])} and by ${h.actorNames[h.opActor[second]]} at ${fmtS(h.opTimeUs[second])}; ${why.text}${redriveNote(h, t)}`,
          messageIds: [msg],
          keys: [h.keyOf(msg)],
          timesUs: effects.map((r) => h.opTimeUs[r]),
        });
      }
    }
  }
  return { anomalies, checked };
}

export const exactlyOnceEffects: Checker = (h, s) => {
  const { anomalies, checked } = checkEffects(h, s, true);
  return verdictOf(
    "exactly-once-effects",
    checked,
    anomalies,
    `every acknowledged message's effect was applied exactly once (${checked} checked)`,
    (n) => `${n} message(s) whose effect was applied twice or more, or never`,
  );
};

export const effectsNoLoss: Checker = (h, s) => {
  const { anomalies, checked } = checkEffects(h, s, false);
  return verdictOf(
    "effects-no-loss",
    checked,
    anomalies,
    `every acknowledged message's effect was applied at least once (${checked} checked)`,
    (n) => `${n} acknowledged message(s) whose effect was never applied`,
  );
};
