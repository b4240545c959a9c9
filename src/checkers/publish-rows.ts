// Reads what the publishing checkers need from a history: each service transaction's outcome (DbCommit /
// DbRollback rows), where and when its event reached a topic (Append rows, first one), how often it was sent,
// the relays' reads and cursors, and the service crashes from the fault rows.
import { Op, type History } from "../history/history.ts";
import type { PublishingServiceSpec, Scenario } from "../scenario/schema.ts";

export interface CommitInfo {
  service: number;
  id: number;
  lsn: number;
  txn: number;
  atUs: number;
}

export interface RelayRead {
  relay: number;
  msg: number;
  cursor: number;
  atUs: number;
}

export class PublishRows {
  readonly commits = new Map<number, CommitInfo>();
  readonly rollbacks = new Map<number, { service: number; txn: number; atUs: number }>();
  /** First Append row per message. */
  readonly firstAppend = new Map<number, number>();
  readonly acked = new Set<number>();
  /** Events written inside a Kafka transaction: published only once it committed (its Ack row). */
  readonly transactional = new Set<number>();
  readonly attempts = new Map<number, number>();
  readonly reads: RelayRead[] = [];
  /** Actor → crash times (fault rows whose scenario fault is a crash). */
  readonly crashes = new Map<number, number[]>();
  /** Service actor → its spec. */
  readonly services = new Map<number, PublishingServiceSpec>();

  constructor(h: History, scenario: Scenario) {
    for (const s of scenario.services ?? []) {
      if (s.publish === undefined) continue;
      const a = h.actorId(s.name);
      if (a !== undefined) this.services.set(a, s);
    }
    for (let i = 0; i < h.opCount; i++) {
      const k = h.opKind[i];
      const msg = h.opMsg[i];
      switch (k) {
        case Op.DbCommit:
          this.commits.set(msg, { service: h.opActor[i], id: h.opPartition[i], lsn: h.opOffset[i], txn: h.opAux[i], atUs: h.opTimeUs[i] });
          break;
        case Op.DbRollback:
          if (msg >= 0) this.rollbacks.set(msg, { service: h.opActor[i], txn: h.opAux[i], atUs: h.opTimeUs[i] });
          break;
        case Op.Append:
          if (!this.firstAppend.has(msg)) this.firstAppend.set(msg, i);
          break;
        case Op.Ack:
          this.acked.add(msg);
          break;
        case Op.TxnRecord:
          this.transactional.add(msg);
          break;
        case Op.ProduceAttempt:
          this.attempts.set(msg, (this.attempts.get(msg) ?? 0) + 1);
          break;
        case Op.RelayRead:
          this.reads.push({ relay: h.opActor[i], msg, cursor: h.opOffset[i], atUs: h.opTimeUs[i] });
          break;
        case Op.FaultStart: {
          const f = scenario.faults[h.opAux[i]];
          if (f && "crash" in f) {
            let list = this.crashes.get(h.opActor[i]);
            if (!list) this.crashes.set(h.opActor[i], (list = []));
            list.push(h.opTimeUs[i]);
          }
          break;
        }
      }
    }
  }

  /** Whether the event reached its topic (appended by a partition leader, or acknowledged). */
  published(msg: number): boolean {
    // A transactional record in the log is not published until its transaction commits (then it is acknowledged).
    if (this.transactional.has(msg)) return this.acked.has(msg);
    return this.firstAppend.has(msg) || this.acked.has(msg);
  }

  /** The first crash of `actor` at or after `fromUs`. */
  crashAfter(actor: number, fromUs: number): number | undefined {
    return (this.crashes.get(actor) ?? []).find((t) => t >= fromUs);
  }
}
