// A service's relational database, reduced to what decides whether events get published: a connection pool
// (at most `maxConcurrentTransactions` open transactions; the rest wait), a sequence that hands out outbox
// row ids at insert time, commits that take `commitLatency` to become durable, and a write-ahead log whose
// log sequence numbers (LSNs) follow commit order. Because ids are taken at insert and LSNs at commit, two
// concurrent transactions can commit their ids out of order (semantics.md §8: why an id cursor can skip).
// A crash rolls back every open transaction; committed rows and the log survive (they were durable).
import { Op } from "../../history/history.ts";
import { makeSampler } from "../../kernel/distributions.ts";
import type { Rng } from "../../kernel/rng.ts";
import type { World } from "../../runner/world.ts";
import type { PublishingServiceSpec } from "../../scenario/schema.ts";

/** A committed outbox row (for dual write: the committed business row, with the event it should publish). */
export interface CommittedRow {
  id: number;
  msg: number;
  /** The database transaction number. */
  txn: number;
  /** Position in the write-ahead log: commit order, from 1. */
  lsn: number;
  committedUs: number;
  /** Marked published (or deleted) by a polling relay. */
  published: boolean;
}

/** What a transaction asks of the service around its commit. */
export interface TransactionWork {
  msg: number;
  /** Runs between the inserts and COMMIT; call `proceed(true)` to commit, `proceed(false)` to roll back. */
  beforeCommit?: (proceed: (commit: boolean) => void) => void;
  onCommitted?: (row: CommittedRow) => void;
}

interface OpenTxn {
  txn: number;
  id: number;
  msg: number;
}

export class ServiceDatabase {
  /** The outbox table: committed rows in id order of insertion into the map (ids come from the sequence). */
  readonly table = new Map<number, CommittedRow>();
  /** The write-ahead log: committed rows in commit order (wal[lsn - 1]). */
  readonly wal: CommittedRow[] = [];
  private nextId = 1;
  private nextTxn = 1;
  private readonly open = new Map<number, OpenTxn>();
  private readonly waiting: TransactionWork[] = [];
  private incarnation = 0;
  private alive = true;
  private readonly transactionTime: () => number;
  private readonly commitLatency: () => number;
  private readonly kinds: { commit: number; durable: number };

  constructor(
    private readonly world: World,
    private readonly spec: PublishingServiceSpec,
    private readonly actorId: number,
    rng: Rng,
  ) {
    this.transactionTime = makeSampler(spec.database.transactionTime, rng.fork("transaction-time"));
    this.commitLatency = makeSampler(spec.database.commitLatency, rng.fork("commit-latency"));
    this.kinds = { commit: world.sim.registerKind("db.commit-request"), durable: world.sim.registerKind("db.commit-durable") };
  }

  /** Rows a SELECT sees: committed ones only (READ COMMITTED). */
  get openCount(): number {
    return this.open.size;
  }

  /** Runs one transaction: waits for a connection, inserts (taking an id), commits. */
  transaction(work: TransactionWork): void {
    if (!this.alive) return;
    if (this.open.size >= this.spec.database.maxConcurrentTransactions) {
      this.waiting.push(work);
      return;
    }
    const t: OpenTxn = { txn: this.nextTxn++, id: this.nextId++, msg: work.msg };
    this.open.set(t.txn, t);
    const inc = this.incarnation;
    const sim = this.world.sim;
    sim.after(Math.max(0, Math.round(this.transactionTime())), () => {
      if (inc !== this.incarnation) return;
      const commit = (ok: boolean): void => {
        if (inc !== this.incarnation || !this.open.has(t.txn)) return;
        if (!ok) return this.rollback(t);
        sim.after(Math.max(0, Math.round(this.commitLatency())), () => {
          if (inc !== this.incarnation) return;
          this.commit(t, work);
        }, undefined, this.kinds.durable, this.actorId);
      };
      if (work.beforeCommit) work.beforeCommit(commit);
      else commit(true);
    }, undefined, this.kinds.commit, this.actorId);
  }

  private commit(t: OpenTxn, work: TransactionWork): void {
    this.open.delete(t.txn);
    const now = this.world.sim.nowUs;
    const row: CommittedRow = { id: t.id, msg: t.msg, txn: t.txn, lsn: this.wal.length + 1, committedUs: now, published: false };
    this.wal.push(row);
    this.table.set(row.id, row);
    this.world.history.record(Op.DbCommit, now, t.msg, this.actorId, row.id, row.lsn, t.txn);
    work.onCommitted?.(row);
    this.next();
  }

  private rollback(t: OpenTxn): void {
    this.open.delete(t.txn);
    this.world.history.record(Op.DbRollback, this.world.sim.nowUs, t.msg, this.actorId, t.id, -1, t.txn);
    this.next();
  }

  private next(): void {
    const w = this.waiting.shift();
    if (w) this.transaction(w);
  }

  /** The process died: open transactions roll back (their connections broke), waiting requests are gone. */
  crash(): void {
    if (!this.alive) return;
    this.alive = false;
    this.incarnation++;
    // Requests still waiting for a connection never began; then the open transactions roll back.
    for (const w of this.waiting) this.world.history.record(Op.DbRollback, this.world.sim.nowUs, w.msg, this.actorId, -1, -1, -1);
    this.waiting.length = 0;
    for (const t of [...this.open.values()]) this.rollback(t);
  }

  restart(): void {
    this.alive = true;
  }

  /** A polling relay's mark (or delete): the row is no longer returned as unpublished. */
  markPublished(id: number, remove: boolean): void {
    const row = this.table.get(id);
    if (!row) return;
    row.published = true;
    if (remove) this.table.delete(id);
  }
}
