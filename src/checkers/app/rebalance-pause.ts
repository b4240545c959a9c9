// rebalance-pause: how long a rebalance stops a member that was consuming. For each group with a bound in
// `expect.rebalancePause`, a member that owned partitions and gave all of them up in a rebalance (eager
// revocation: every member revokes everything when it rejoins, then waits for the slowest member to join and for
// SyncGroup) stands still until it is assigned partitions again; that stretch must stay under `max`. Cooperative
// rebalancing keeps what does not move, so its members do not stand still. Stretches that end in a crash or the
// member leaving the group are not a rebalance's pause; one still open at the end of the run counts to the end.
import { Op, type History } from "../../history/history.ts";
import type { Anomaly } from "../../report/result-types.ts";
import type { Scenario } from "../../scenario/schema.ts";
import { fmtS, verdictOf, type Checker } from "../verdict.ts";

export const rebalancePause: Checker = (h: History, s: Scenario) => {
  const bounds = s.expect.rebalancePause ?? {};
  const anomalies: Anomaly[] = [];
  let checked = 0;
  let endUs = 0;
  for (let i = 0; i < h.opCount; i++) endUs = Math.max(endUs, h.opTimeUs[i]);
  for (const name of Object.keys(bounds).sort()) {
    const { max } = bounds[name];
    const group = h.actorId(name);
    if (group === undefined) continue;
    const owned = new Map<number, number>();
    /** Per member: since when it has stood still after revoking everything (-1: not paused). */
    const since = new Map<number, number>();
    const close = (member: number, atUs: number, open: boolean): void => {
      const from = since.get(member) ?? -1;
      since.set(member, -1);
      if (from < 0) return;
      checked++;
      const d = atUs - from;
      if (d <= max) return;
      anomalies.push({
        kind: "rebalance-pause",
        explanation:
          `${h.actorNames[member]} of group ${name} revoked all its partitions at ${fmtS(from)} and ${open ? "still had none at the end of the run" : `was assigned partitions again only at ${fmtS(atUs)}`}: ` +
          `stood still ${fmtS(d)} in a rebalance (bound ${fmtS(max)}); under eager rebalancing every member waits for the slowest member to rejoin (its poll comes only after its current batch)`,
        messageIds: [],
        timesUs: [from, atUs],
      });
    };
    for (let i = 0; i < h.opCount; i++) {
      const k = h.opKind[i];
      const member = h.opActor[i];
      if (k === Op.ConsumerCrashed || k === Op.MemberLeft) {
        // Not a rebalance's pause: the member is down or gone. MemberLeft rows name the member as the actor.
        since.set(member, -1);
        owned.set(member, 0);
        continue;
      }
      if (h.opAux[i] !== group) continue;
      if (k === Op.PartitionAssigned) {
        owned.set(member, (owned.get(member) ?? 0) + 1);
        close(member, h.opTimeUs[i], false);
      } else if (k === Op.PartitionRevoked || k === Op.PartitionLost) {
        const n = (owned.get(member) ?? 0) - 1;
        owned.set(member, Math.max(0, n));
        if (n === 0 && k === Op.PartitionRevoked) since.set(member, h.opTimeUs[i]);
      }
    }
    for (const member of [...since.keys()].sort((a, b) => a - b)) close(member, endUs, true);
    checked++;
  }
  return verdictOf(
    "rebalance-pause",
    checked,
    anomalies,
    Object.keys(bounds).length === 0 ? "no bound given (expect.rebalancePause)" : `no member stood still in a rebalance beyond its group's bound (${Object.keys(bounds).join(", ")})`,
    (n) => `${n} rebalance pause(s) beyond the bound`,
  );
};
