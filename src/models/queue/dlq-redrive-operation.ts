// The operator's redrive of a dead-letter queue after a fix (the `redrive` scenario operation with a queue as
// `from`): SQS StartMessageMoveTask with a destination and a rate, or a RabbitMQ shovel from the DLQ back to the
// source queue. It picks the messages that entered the DLQ within the window and still wait there, oldest first,
// and moves one every 1/rate seconds, interleaving with new traffic. A moved message keeps its id (so every
// checker follows it as the same message) and its dead-letter headers; its receive count starts again in the
// source. This is independent of a queue's own `redrive:` (the SQS redrive policy's move task), which moves
// everything back to where it came from.
import { Op } from "../../history/history.ts";
import type { World } from "../../runner/world.ts";
import type { QueueBase } from "./queue-base.ts";

export interface QueueRedriveSpec {
  from: string;
  to: string;
  window: { from: number; to?: number | undefined };
  rate: number;
}

/** Starts the operation now; returns the fault-window label, the DLQ's actor and how long the moves take. */
export function startQueueRedrive(
  world: World,
  queues: ReadonlyMap<string, QueueBase>,
  r: QueueRedriveSpec,
  index: number,
  onMoved: () => void,
): { label: string; actor: number; forUs: number } {
  const { sim, history: h } = world;
  const dlq = queues.get(r.from)!;
  const dest = queues.get(r.to)!;
  const picked = dlq.waitingEnteredBetween(r.window.from, r.window.to ?? sim.nowUs);
  const gapUs = Math.max(1, Math.round(1e6 / Math.max(r.rate, 1e-9)));
  const kind = sim.registerKind("queue.redrive-operation");
  let i = 0;
  const step = (): void => {
    // Consumed from the DLQ or expired since the redrive started: nothing to move, go on at the same pace.
    const m = dlq.takeForRedrive(picked[i++]);
    if (m !== undefined) {
      h.record(Op.QueueRedrive, sim.nowUs, m.msg, dlq.actorId, -1, index, dest.actorId);
      onMoved();
      dest.acceptMoved(m, dlq);
    }
    if (i < picked.length) sim.after(gapUs, step, undefined, kind, index);
  };
  if (picked.length > 0) sim.after(0, step, undefined, kind, index);
  return { label: `redrive ${r.from} → ${r.to} (${picked.length} message(s))`, actor: dlq.actorId, forUs: Math.max(1, picked.length * gapUs) };
}
