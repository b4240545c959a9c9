// When each consumer stood paused at its in-flight limit (history ops AppMemberPaused / AppMemberResumed): a
// consumer-group member that paused its partitions (consumer.pause), or an SQS consumer that stopped receiving.
// The report draws these as bands per member; the counts stay exact even where the windows are thinned.
import { Op, type History } from "../../history/history.ts";

export interface MemberPauseWindows {
  member: string;
  /** The consumer group or queue the member reads. */
  owner: string;
  pauses: number;
  pausedUs: number;
  /** [start, end) in µs; windows closer than `mergeUs` are drawn as one; past MAX_WINDOWS the last one stretches over the rest. */
  windows: [number, number][];
}

/** Bands one member keeps for the chart (the counts above are exact regardless). */
export const MAX_WINDOWS = 400;

export function memberPauseWindows(h: History, endUs: number, mergeUs: number): MemberPauseWindows[] {
  const byActor = new Map<number, MemberPauseWindows & { since: number }>();
  for (let i = 0; i < h.opCount; i++) {
    const k = h.opKind[i];
    if (k !== Op.AppMemberPaused && k !== Op.AppMemberResumed) continue;
    const a = h.opActor[i];
    let m = byActor.get(a);
    if (m === undefined) byActor.set(a, (m = { member: h.actorNames[a], owner: h.actorNames[h.opAux[i]] ?? "", pauses: 0, pausedUs: 0, windows: [], since: -1 }));
    const t = h.opTimeUs[i];
    if (k === Op.AppMemberPaused) {
      if (m.since < 0) {
        m.pauses++;
        m.since = t;
      }
    } else if (m.since >= 0) {
      close(m, t, mergeUs);
    }
  }
  const out: MemberPauseWindows[] = [];
  for (const m of byActor.values()) {
    if (m.since >= 0) close(m, endUs, mergeUs);
    out.push({ member: m.member, owner: m.owner, pauses: m.pauses, pausedUs: m.pausedUs, windows: m.windows });
  }
  return out.sort((a, b) => (a.owner < b.owner ? -1 : a.owner > b.owner ? 1 : a.member < b.member ? -1 : a.member > b.member ? 1 : 0));
}

function close(m: MemberPauseWindows & { since: number }, t: number, mergeUs: number): void {
  m.pausedUs += t - m.since;
  const last = m.windows[m.windows.length - 1];
  if (last !== undefined && (m.since - last[1] < mergeUs || m.windows.length >= MAX_WINDOWS)) last[1] = t;
  else m.windows.push([m.since, t]);
  m.since = -1;
}

/** The result.json field: only when some member paused, so runs without pauses keep their shape. */
export function memberPausesMetric(h: History, endUs: number, bucketUs: number): { memberPauses?: MemberPauseWindows[] } {
  const w = memberPauseWindows(h, endUs, Math.max(1, Math.round(bucketUs / 20)));
  return w.length > 0 ? { memberPauses: w } : {};
}
