// The partition leader's side of a consumer fetch: answer at once when records are readable below the high
// watermark, else hold the request (long poll) until the first high-watermark advance of a fetched
// partition or fetch.max.wait, whichever comes first.
import type { Simulation } from "../../kernel/sim.ts";

export interface FetchablePartition {
  onAppend(fn: () => void): void;
  removeWaiter(fn: () => void): void;
}

export function serveFetch<R>(
  sim: Simulation,
  parts: FetchablePartition[],
  read: () => R[],
  maxWaitUs: number,
  kind: number,
  id: number,
  respond: (records: R[]) => void,
): void {
  const now = read();
  if (now.length > 0) return respond(now);
  parkFetch(sim, parts, read, maxWaitUs, kind, id, respond);
}

/** The long-poll half of serveFetch, for a caller that already read nothing. */
export function parkFetch<R>(
  sim: Simulation,
  parts: FetchablePartition[],
  read: () => R[],
  maxWaitUs: number,
  kind: number,
  id: number,
  respond: (records: R[]) => void,
): void {
  let done = false;
  const finish = (): void => {
    if (done) return;
    done = true;
    sim.cancel(timer);
    for (const p of parts) p.removeWaiter(finish);
    respond(read());
  };
  const timer = sim.after(maxWaitUs, finish, undefined, kind, id);
  for (const p of parts) p.onAppend(finish);
}
