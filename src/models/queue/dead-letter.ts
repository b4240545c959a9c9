// SQS dead-letter queue redrive (StartMessageMoveTask): from a start time, moves messages from the DLQ back
// to the queue each came from, oldest first, at most `ratePerS` per second, interleaving with new traffic.
// A moved message is a new message in its source (its receive count starts again). The task ends once the
// DLQ has nothing left to move.
import type { Simulation } from "../../kernel/sim.ts";
import { Op, type History } from "../../history/history.ts";
import type { QueueBase } from "./queue-base.ts";

export class RedriveTask {
  private readonly kind: number;
  moved = 0;

  constructor(
    private readonly sim: Simulation,
    private readonly history: History,
    private readonly dlq: QueueBase,
    /** Source queues by actor id; a message goes back where it was dead-lettered from. */
    private readonly byActor: ReadonlyMap<number, QueueBase>,
    private readonly startUs: number,
    private readonly ratePerS: number,
  ) {
    this.kind = sim.registerKind("sqs.redrive");
  }

  start(): void {
    if (this.ratePerS > 0) this.sim.at(this.startUs, this.step, undefined, this.kind, this.dlq.actorId);
  }

  private readonly step = (): void => {
    const m = this.dlq.takeOldestForRedrive();
    if (!m) return;
    const dest = this.byActor.get(m.origin);
    if (!dest) {
      // Not dead-lettered from a queue we know (sent to the DLQ directly): nowhere to go back to, keep it.
      this.dlq.acceptMoved(m, this.dlq);
      return;
    }
    this.history.record(Op.QueueRedrive, this.sim.nowUs, m.msg, this.dlq.actorId, -1, -1, dest.actorId);
    this.moved++;
    dest.acceptMoved(m, this.dlq);
    this.sim.after(Math.max(1, Math.round(1e6 / this.ratePerS)), this.step, undefined, this.kind, this.dlq.actorId);
  };
}
