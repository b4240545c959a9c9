// Reads the transaction rows of a history (ops 170-178) into what the transaction checkers ask: which
// transaction a record was sent in, how each transaction ended, which messages are control markers, and
// when each producer epoch was fenced (a newer epoch of the same producer id issued by InitProducerId or
// bumped into abort markers by the coordinator).
import { Op, type History } from "../history/history.ts";

/** TxnAbort rows' aux (TxnAbortReason in the transaction coordinator). */
export const TXN_ABORT_REASONS: Record<number, string> = {
  1: "the application aborted it",
  2: "transaction.timeout.ms expired",
  3: "a new instance of the transactional.id started",
  4: "a send in it failed",
  5: "its consumer offsets were refused: the group generation had moved on (a zombie consumer)",
};

export interface TxnInfo {
  txn: number;
  producer: number;
  epoch: number;
  /** "commit" | "abort" once the coordinator logged PREPARE_x; "open" if it never did. */
  outcome: "commit" | "abort" | "open";
  decidedUs: number;
  /** TxnAbortReason (abort only). */
  reason: number;
}

export interface EpochIssue {
  producerId: number;
  epoch: number;
  atUs: number;
  /** "InitProducerId by <producer>" or "the coordinator's abort (<reason>)". */
  cause: string;
}

export class TxnRows {
  /** Message id → transaction number (0: not transactional). */
  readonly txnOf: Int32Array;
  readonly txns = new Map<number, TxnInfo>();
  readonly markers = new Set<number>();
  /** Producer actor → its producer id (from InitProducerId). */
  readonly pidOf = new Map<number, number>();
  /** Per producer id, the epochs issued in time order. */
  readonly epochs = new Map<number, EpochIssue[]>();

  constructor(h: History) {
    this.txnOf = new Int32Array(h.messageCount);
    for (let i = 0; i < h.opCount; i++) {
      const k = h.opKind[i];
      if (k < 170 || k > 199) continue;
      const t = h.opTimeUs[i];
      const actor = h.opActor[i];
      switch (k) {
        case Op.TxnInitProducerId:
          this.pidOf.set(actor, h.opOffset[i]);
          this.issue(h.opOffset[i], h.opPartition[i], t, `InitProducerId by ${h.actorNames[actor]}`);
          break;
        case Op.TxnBegin:
          this.txns.set(h.opOffset[i], { txn: h.opOffset[i], producer: actor, epoch: h.opPartition[i], outcome: "open", decidedUs: -1, reason: 0 });
          break;
        case Op.TxnRecord:
          if (h.opMsg[i] >= 0 && h.opMsg[i] < this.txnOf.length) this.txnOf[h.opMsg[i]] = h.opOffset[i];
          break;
        case Op.TxnCommit:
        case Op.TxnAbort: {
          const txn = this.txns.get(h.opOffset[i]);
          if (txn && txn.outcome === "open") {
            txn.outcome = k === Op.TxnCommit ? "commit" : "abort";
            txn.decidedUs = t;
            txn.reason = k === Op.TxnAbort ? h.opAux[i] : 0;
          }
          // An abort written under a bumped epoch fences the epoch the transaction was begun in.
          const pid = this.pidOf.get(actor);
          if (k === Op.TxnAbort && pid !== undefined && txn && h.opPartition[i] > txn.epoch) {
            this.issue(pid, h.opPartition[i], t, `the coordinator's abort of transaction ${txn.txn} (${TXN_ABORT_REASONS[h.opAux[i]] ?? "?"})`);
          }
          break;
        }
        case Op.TxnMarker:
          this.markers.add(h.opMsg[i]);
          break;
      }
    }
  }

  private issue(pid: number, epoch: number, atUs: number, cause: string): void {
    let list = this.epochs.get(pid);
    if (!list) this.epochs.set(pid, (list = []));
    list.push({ producerId: pid, epoch, atUs, cause });
  }

  /** The first time an epoch above `epoch` was issued for the producer id, or undefined if it never was. */
  fencedAt(pid: number, epoch: number): EpochIssue | undefined {
    for (const e of this.epochs.get(pid) ?? []) if (e.epoch > epoch) return e;
    return undefined;
  }

  /** The transaction a message was sent in, if any. */
  txnFor(msg: number): TxnInfo | undefined {
    const t = msg >= 0 && msg < this.txnOf.length ? this.txnOf[msg] : 0;
    return t > 0 ? this.txns.get(t) : undefined;
  }
}

/** Group actor id → isolation level, from the scenario. */
export function isolationByGroup(h: History, groups: readonly { name: string; isolationLevel?: string }[]): Map<number, string> {
  const out = new Map<number, string>();
  for (const g of groups) {
    const id = h.actorId(g.name);
    if (id !== undefined) out.set(id, g.isolationLevel ?? "read_uncommitted");
  }
  return out;
}

/**
 * Offsets no consumer is expected to be given (semantics.md §1, offset gaps): control markers, and records of
 * transactions that did not commit (read_committed passes over them; read_uncommitted returns them anyway).
 */
export class TransactionGaps {
  private readonly byPartition = new Map<string, Set<number>>();

  constructor(h: History) {
    const rows = new TxnRows(h);
    if (rows.txns.size === 0 && rows.markers.size === 0) return;
    for (let i = 0; i < h.opCount; i++) {
      const k = h.opKind[i];
      if (k === Op.TxnMarker) this.add(h.opActor[i], h.opPartition[i], h.opOffset[i]);
      else if (k === Op.Append) {
        const txn = rows.txnFor(h.opMsg[i]);
        if (txn && txn.outcome !== "commit") this.add(h.opActor[i], h.opPartition[i], h.opOffset[i]);
      }
    }
  }

  private add(topic: number, partition: number, offset: number): void {
    const k = `${topic}:${partition}`;
    let s = this.byPartition.get(k);
    if (!s) this.byPartition.set(k, (s = new Set()));
    s.add(offset);
  }

  /** Whether every offset in [from, to) is a marker or an uncommitted transactional record. */
  covers(topic: number, partition: number, from: number, to: number): boolean {
    const s = this.byPartition.get(`${topic}:${partition}`);
    if (!s) return false;
    for (let o = from; o < to; o++) if (!s.has(o)) return false;
    return true;
  }
}
