import { FINGERPRINT_SEED_A, FINGERPRINT_SEED_B, foldLaneA, foldLaneB, formatFingerprint } from "./fingerprint.ts";
import { ArgTable, HandlerTable, TRAMPOLINE_INDEX } from "./slot-tables.ts";
import { compactHeap, renumberOldSequences } from "./heap-upkeep.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type EventHandler = (arg: any) => void;
export type DispatchHook = (timeUs: number, kind: number, id: number) => void;

export interface RunOptions {
  /** Run events at time <= untilUs, then set the clock to untilUs. */
  untilUs?: number;
  /** Dispatch at most this many events in this call. */
  maxEvents?: number;
}

export type StopReason = "empty" | "until" | "maxEvents";

export interface RunResult {
  events: number;
  /** "empty": nothing is pending; "until": the next event is after untilUs; "maxEvents": the budget ran out. */
  stoppedBy: StopReason;
}

// A handle is generation * SLOT_SPAN + slot + 1 (never 0, so 0 can mean "no timer" in models). The generation is
// the low 27 bits of the event's insertion sequence, so the handle stays below 2^53 and a stale handle can only
// match a reused slot whose occupant was inserted a multiple of 2^27 insertions later.
const SLOT_SPAN = 2 ** 26;
const SLOT_MASK = SLOT_SPAN - 1;
const GEN_MASK = 2 ** 27 - 1;
const INITIAL_CAPACITY = 256;
/** Entries of the (kind, id) → handler index cache; a power of two. */
const HANDLER_CACHE_SIZE = 512;
// Growth doubles while small, then adds an eighth: the slack of a grown queue stays under 12.5% (bytes per pending
// event is a benchmark target), and the extra copying is paid only when the pending count reaches a new maximum.
const DOUBLE_BELOW = 2048;
// Lazy cancellation leaves dead entries in the heap; compact when they outnumber the live ones, so a model
// that cancels most of its timeouts cannot grow the heap without bound.
const COMPACT_MIN_DEAD = 1024;
// The top 2^14 heap positions (192 KiB of times and slots) stay in L2; see removeRoot.
const BRANCH_FREE_POSITIONS = 1 << 14;

// A slot record is four Int32 words: the insertion sequence, the event id, a code word and an argument word.
// code = kind << 22 | argTag << 20 | handler index (0 = free or cancelled slot).
const R_SEQ = 0;
const R_ID = 1;
const R_CODE = 2;
const R_ARG = 3;
const HANDLER_MASK = (1 << 20) - 1;
const KIND_SHIFT = 22;
const MAX_KINDS = 1 << 10;
/** How the argument word reads: no argument, a 32-bit integer, a boolean (0/1), an index into the ArgTable. */
const TAG_UNDEFINED = 0;
const TAG_INT = 1 << 20;
const TAG_BOOL = 2 << 20;
const TAG_OBJECT = 3 << 20;
const TAG_MASK = 3 << 20;

// Sequences are 32-bit and compared by wrapping difference, which is exact while every pending event was inserted
// fewer than 2^31 insertions ago. Between events, once 2^29 insertions have passed since the last look, the span
// is checked and, if an old event is pending, compressed (see checkSequenceSpan).
const SPAN_CHECK_MASK = 2 ** 29 - 1;

// Error messages are built in these out-of-line functions, never in a template literal inside a hot method:
// TurboFan hoisted the number-to-string conversion of such a literal out of its never-taken throw branch and
// ran it (with a HeapNumber allocation) on every call. Measured: 1.7x slower hold model.
function badTime(what: string, value: unknown, nowUs: number): RangeError {
  return new RangeError(`${what} ${String(value)} µs: times are integers, at or after now (${nowUs} µs), below 2^53`);
}

function badTag(kind: number, id: number): RangeError {
  if ((id | 0) !== id) return new RangeError(`event id must be a 32-bit integer, got ${id}`);
  return new RangeError(`event kind ${kind} is not a registered kind code`);
}

function badHandler(fn: unknown): TypeError {
  return new TypeError(`an event handler must be a function, got ${fn === null ? "null" : typeof fn}`);
}

function badBudget(maxEvents: unknown): RangeError {
  return new RangeError(`maxEvents must be a number >= 0, got ${String(maxEvents)}`);
}

/**
 * The discrete-event core: an integer-microsecond clock and an event queue ordered by (timeUs, insertion
 * sequence), so same-time events run in the order they were scheduled.
 *
 * Layout, chosen by measurement (bench/kernel.ts), 28 bytes per slot: a 1-based binary heap of time (Float64Array)
 * and slot id (Int32Array) only, so sift loops touch 12 bytes per entry and read a sequence number only when two
 * times tie; and a 16-byte slot record of Int32 words (sequence, id, kind + argument tag + handler index,
 * argument). Handlers live once in a HandlerTable and events name them by index; integer, boolean and absent
 * arguments are stored in the record, other values in an ArgTable. No allocation and no pointer store per event
 * in the steady state.
 */
export class Simulation {
  /** Called for every dispatched event when set; used by replay and determinism checks. */
  onDispatch: DispatchHook | undefined = undefined;

  private clockUs = 0;
  private nextSeq = 0;
  private dispatched = 0;
  private live = 0;
  private dead = 0;
  private running = false;
  private lastStop: StopReason = "empty";
  private fpA = FINGERPRINT_SEED_A;
  private fpB = FINGERPRINT_SEED_B;
  /** Receives a load of the next event's record, so its cache line arrives while the current handler runs. */
  private prefetchSink = 0;

  // Entries live at 1..size; heapTime[size + 1] is always +Infinity so a sift reads a right child unchecked.
  // 1-based indices keep the child/parent arithmetic in shifts and ors, which V8 compiles without overflow checks.
  private size = 0;
  private heapTime: Float64Array;
  private heapSlot: Int32Array;

  private capacity: number;
  private slotsUsed = 0;
  private freeHead = -1;
  private records: Int32Array;
  private readonly handlers = new HandlerTable();
  /** handlers.fns, which is never replaced: one load less per event. */
  private readonly handlerFns = this.handlers.fns;
  /**
   * Handler indices cached by (kind, id) of the event: a model's call site schedules one handler with one kind for
   * one actor id, so a hit skips the table's Map lookup. Direct-mapped; a miss looks up and overwrites.
   */
  private readonly cachedFn: (EventHandler | null)[] = new Array<EventHandler | null>(HANDLER_CACHE_SIZE).fill(null);
  private readonly cachedHandler = new Int32Array(HANDLER_CACHE_SIZE);
  /**
   * A function seen once at this cache entry and not interned: one-off closures (a timer made per fetch, say) run
   * through the trampoline and die young instead of filling the handler table; a function is interned the second
   * time it is scheduled at the same entry.
   */
  private readonly seenOnce: (EventHandler | null)[] = new Array<EventHandler | null>(HANDLER_CACHE_SIZE).fill(null);
  /** nextSeq when the sequence span was last checked. */
  private seqAtSpanCheck = 0;
  private readonly args = new ArgTable();

  private readonly kindCodes = new Map<string, number>([["event", 0]]);
  private readonly kindNames: string[] = ["event"];
  private kindCount = 1;

  constructor() {
    this.capacity = INITIAL_CAPACITY;
    this.heapTime = new Float64Array(INITIAL_CAPACITY + 2).fill(Infinity);
    this.heapSlot = new Int32Array(INITIAL_CAPACITY + 2);
    this.records = new Int32Array(4 * INITIAL_CAPACITY);
  }

  get nowUs(): number {
    return this.clockUs;
  }

  /** Live scheduled events (cancelled ones excluded). */
  get pending(): number {
    return this.live;
  }

  /** Events dispatched since construction. */
  get processed(): number {
    return this.dispatched;
  }

  /** Time of the next live event, or Infinity when nothing is pending. */
  get nextTimeUs(): number {
    this.dropDeadRoots();
    return this.size === 0 ? Infinity : this.heapTime[1];
  }

  /**
   * Bytes held by the queue at its current capacity (which only grows): 12 per heap entry and 16 per slot record,
   * plus the handler and argument tables. An estimate for reports; the benchmark also measures it with the GC.
   */
  get allocatedBytes(): number {
    return 12 * (this.capacity + 2) + 16 * this.capacity + this.handlers.allocatedBytes + this.args.allocatedBytes;
  }

  /** Handler functions interned in the table now (diagnostics; a one-off closure is never interned). */
  get internedHandlers(): number {
    return this.handlers.size;
  }

  /** Idempotent; code 0 is the default kind "event". At most 1024 kinds (they name event types, not instances). */
  registerKind(name: string): number {
    const known = this.kindCodes.get(name);
    if (known !== undefined) return known;
    const code = this.kindNames.length;
    if (code >= MAX_KINDS) throw new RangeError(`at most ${MAX_KINDS} event kinds can be registered`);
    this.kindCodes.set(name, code);
    this.kindNames.push(name);
    this.kindCount = this.kindNames.length;
    return code;
  }

  kindName(code: number): string {
    const name = this.kindNames[code];
    if (name === undefined) throw new RangeError(`unknown event kind code ${code}`);
    return name;
  }

  /**
   * Schedules fn(arg) at an absolute time. kind (a registerKind code) and id (a 32-bit integer, e.g. a node or
   * message id) go into the fingerprint and the onDispatch hook. Returns a handle for cancel().
   */
  at(timeUs: number, fn: EventHandler, arg?: unknown, kind = 0, id = 0): number {
    // Fast path: an offset from now that is an integer below 2^32 (two instructions); the full check otherwise.
    const delayUs = timeUs - this.clockUs;
    if ((delayUs >>> 0 !== delayUs || timeUs > Number.MAX_SAFE_INTEGER) && !(Number.isSafeInteger(timeUs) && delayUs >= 0)) {
      throw badTime("cannot schedule at", timeUs, this.clockUs);
    }
    return this.schedule(timeUs, fn, arg, kind, id);
  }

  /** Schedules fn(arg) delayUs (an integer >= 0) after now. */
  after(delayUs: number, fn: EventHandler, arg?: unknown, kind = 0, id = 0): number {
    const timeUs = this.clockUs + delayUs;
    // Same fast path as at().
    if (
      (delayUs >>> 0 !== delayUs || timeUs > Number.MAX_SAFE_INTEGER) &&
      !(Number.isSafeInteger(delayUs) && delayUs >= 0 && timeUs <= Number.MAX_SAFE_INTEGER)
    ) {
      throw badTime("cannot schedule after a delay of", delayUs, this.clockUs);
    }
    return this.schedule(timeUs, fn, arg, kind, id);
  }

  /** True if the handle named a pending event, which will now never run. Stale handles do nothing. */
  cancel(handle: number): boolean {
    if (!(handle >= 1) || !Number.isSafeInteger(handle)) return false;
    const h = handle - 1;
    const slot = h & SLOT_MASK;
    if (slot >= this.slotsUsed) return false;
    const rec = slot << 2;
    const records = this.records;
    const code = records[rec + R_CODE];
    if ((code & HANDLER_MASK) === 0) return false;
    if ((records[rec + R_SEQ] & GEN_MASK) !== (h - slot) / SLOT_SPAN) return false;
    if ((code & TAG_MASK) === TAG_OBJECT) this.args.take(records[rec + R_ARG]);
    records[rec + R_CODE] = 0;
    this.live--;
    this.dead++;
    if (this.dead >= COMPACT_MIN_DEAD && this.dead > this.live) this.compact();
    return true;
  }

  /** Dispatches the next event, if any. */
  step(): boolean {
    return this.dispatchLoop(Infinity, 1) === 1;
  }

  run(opts: RunOptions = {}): RunResult {
    const untilUs = opts.untilUs ?? Infinity;
    const maxEvents = opts.maxEvents ?? Infinity;
    if (untilUs !== Infinity && (!Number.isSafeInteger(untilUs) || untilUs < this.clockUs)) {
      throw badTime("cannot run until", untilUs, this.clockUs);
    }
    if (!(maxEvents >= 0)) throw badBudget(maxEvents);
    const events = this.dispatchLoop(untilUs, maxEvents);
    const stoppedBy = this.lastStop;
    if (stoppedBy !== "maxEvents" && untilUs !== Infinity) this.clockUs = untilUs;
    return { events, stoppedBy };
  }

  /** 16 lowercase hex chars over (timeUs, kind, id) of every event dispatched so far. */
  fingerprint(): string {
    return formatFingerprint(this.fpA, this.fpB, this.dispatched);
  }

  /**
   * Moves the insertion counter n places forward, as if n events had been scheduled and run. Lets tests reach
   * the sequence-span limits without scheduling 2^30 events; changes no order.
   */
  skipSequenceNumbersForTest(n: number): void {
    for (let left = n; left > 0; ) {
      const step = Math.min(left, SPAN_CHECK_MASK + 1);
      this.nextSeq = (this.nextSeq + step) | 0;
      left -= step;
      this.maybeCheckSequenceSpan();
    }
  }


  private dispatchLoop(untilUs: number, maxEvents: number): number {
    if (this.running) throw new Error("Simulation.run/step called from inside an event handler");
    this.running = true;
    this.maybeCheckSequenceSpan(); // schedules made outside run() count too
    let events = 0;
    try {
      for (;;) {
        if (this.live === 0) {
          this.lastStop = "empty";
          break;
        }
        // Re-read every iteration: a handler's schedules may have grown (replaced) the records.
        const records = this.records;
        let slot = this.heapSlot[1];
        if ((records[(slot << 2) + R_CODE] & HANDLER_MASK) === 0) {
          this.dropDeadRoots();
          slot = this.heapSlot[1];
        }
        const timeUs = this.heapTime[1];
        if (timeUs > untilUs) {
          this.lastStop = "until";
          break;
        }
        if (events >= maxEvents) {
          this.lastStop = "maxEvents";
          break;
        }
        const rec = slot << 2;
        const code = records[rec + R_CODE];
        const id = records[rec + R_ID];
        const argWord = records[rec + R_ARG];
        const fn = this.handlerFns[code & HANDLER_MASK] as EventHandler;
        const tag = code & TAG_MASK;
        const arg = tag === TAG_UNDEFINED ? undefined : this.loadArg(tag, argWord);
        const kind = code >>> KIND_SHIFT;
        this.removeRoot();
        // With 10^6 pending the next event's record is a cache miss; loading it now overlaps that miss with this
        // handler instead of stalling the next iteration (measured: ~15% faster at 10^6 pending).
        this.prefetchSink = records[(this.heapSlot[1] << 2) + R_CODE];
        // Free before dispatch so the handler's own schedules reuse the slot while it is cache-hot.
        records[rec + R_CODE] = 0;
        records[rec + R_ARG] = this.freeHead;
        this.freeHead = slot;
        this.live--;
        this.clockUs = timeUs;
        this.dispatched++;
        events++;
        const lo = timeUs >>> 0;
        const hi = (timeUs - lo) / 4294967296;
        this.fpA = foldLaneA(this.fpA, lo, hi, kind, id);
        this.fpB = foldLaneB(this.fpB, lo, hi, kind, id);
        if (this.onDispatch !== undefined) this.onDispatch(timeUs, kind, id);
        fn(arg);
        if (((this.nextSeq - this.seqAtSpanCheck) >>> 0) > SPAN_CHECK_MASK) this.maybeCheckSequenceSpan();
      }
    } finally {
      this.running = false;
    }
    return events;
  }

  /**
   * Kept small on purpose, with every rare case (a new handler, an argument that is not undefined, a sequence
   * span check) in a method of its own: a smaller body lets V8 inline it into at()/after() and those into the
   * caller. Measured with valgrind on the hold model: the inline version of these cases cost ~240 instructions
   * per event more.
   */
  private schedule(timeUs: number, fn: EventHandler, arg: unknown, kind: number, id: number): number {
    if ((id | 0) !== id || kind >>> 0 !== kind || kind >= this.kindCount) throw badTag(kind, id);
    // A cached index cannot be stale: a sweep only runs inside lookUpHandler(), which clears the cache.
    const c = (Math.imul(kind, 0x9e3779b1) ^ id) & (HANDLER_CACHE_SIZE - 1);
    const handler = this.cachedFn[c] === fn ? this.cachedHandler[c] : this.lookUpHandler(fn, c);
    let slot = this.freeHead;
    if (slot >= 0) this.freeHead = this.records[(slot << 2) + R_ARG];
    else slot = this.allocateSlot();
    const seq = this.nextSeq;
    this.nextSeq = (seq + 1) | 0;
    const records = this.records;
    const rec = slot << 2;
    records[rec + R_SEQ] = seq;
    records[rec + R_ID] = id;
    const code = (kind << KIND_SHIFT) | handler;
    if (arg === undefined && handler !== TRAMPOLINE_INDEX) {
      records[rec + R_CODE] = code;
      records[rec + R_ARG] = 0;
    } else {
      records[rec + R_CODE] = code | this.storeArg(rec, handler === TRAMPOLINE_INDEX ? [fn, arg] : arg);
    }
    this.live++;
    this.siftUpNew(timeUs, slot);
    return (seq & GEN_MASK) * SLOT_SPAN + slot + 1;
  }

  /** The handler's index in the table, interning it on its second sighting; caches it at `cacheEntry`. */
  private lookUpHandler(fn: EventHandler, cacheEntry: number): number {
    let handler = this.handlers.indexOf(fn);
    if (handler === 0) {
      if (this.seenOnce[cacheEntry] !== fn) {
        if (typeof fn !== "function") throw badHandler(fn);
        this.seenOnce[cacheEntry] = fn;
        return TRAMPOLINE_INDEX;
      }
      this.seenOnce[cacheEntry] = null;
      const sweeps = this.handlers.sweeps;
      handler = this.handlers.add(fn, this.heapSlot, this.records, this.size);
      // A sweep may have given a cached function's index to another: forget them all.
      if (this.handlers.sweeps !== sweeps) this.cachedFn.fill(null);
    }
    this.cachedFn[cacheEntry] = fn;
    this.cachedHandler[cacheEntry] = handler;
    return handler;
  }

  /** Stores a defined argument in the record's argument word (or the ArgTable) and returns its tag. */
  private storeArg(rec: number, arg: unknown): number {
    if (typeof arg === "number" && (arg | 0) === arg && (arg !== 0 || 1 / arg > 0)) {
      this.records[rec + R_ARG] = arg;
      return TAG_INT;
    }
    if (typeof arg === "boolean") {
      this.records[rec + R_ARG] = arg ? 1 : 0;
      return TAG_BOOL;
    }
    this.records[rec + R_ARG] = this.args.put(arg);
    return TAG_OBJECT;
  }

  /** The argument of a dispatched event whose tag is not TAG_UNDEFINED. */
  private loadArg(tag: number, argWord: number): unknown {
    return tag === TAG_INT ? argWord : tag === TAG_BOOL ? argWord === 1 : this.args.take(argWord);
  }

  /** Called between events: renumbers sequences every 2^29 insertions (see checkSequenceSpan). */
  private maybeCheckSequenceSpan(): void {
    if (((this.nextSeq - this.seqAtSpanCheck) >>> 0) > SPAN_CHECK_MASK) {
      this.seqAtSpanCheck = this.nextSeq;
      this.checkSequenceSpan();
    }
  }

  // ---- heap internals ----

  /** A new event carries the latest sequence so far, so on equal times it stays below its parent. */
  private siftUpNew(timeUs: number, slot: number): void {
    const heapTime = this.heapTime;
    const heapSlot = this.heapSlot;
    let i = ++this.size;
    heapTime[i + 1] = Infinity;
    while (i > 1) {
      const parent = i >> 1;
      const parentTime = heapTime[parent];
      if (parentTime <= timeUs) break;
      heapTime[i] = parentTime;
      heapSlot[i] = heapSlot[parent];
      i = parent;
    }
    heapTime[i] = timeUs;
    heapSlot[i] = slot;
  }

  /**
   * Floyd's pop: walk the hole from the root to a leaf along the smaller children (one comparison per level,
   * none against the moved element), then sift the former last element up from there; it usually belongs near
   * the bottom, so that walk is short. Equal times compare sequences by wrapping difference.
   *
   * The walk is branch-free over the first BRANCH_FREE_POSITIONS entries, which stay cache-resident: there a
   * mispredicted child choice costs more than the data dependency. Below that, the branchy loop lets the CPU
   * speculate into the next level and overlap cache misses (measured: branch-free throughout is 2x slower at
   * 10^6 pending, branchy throughout 1.3x slower at 10^3).
   */
  private removeRoot(): void {
    const heapTime = this.heapTime;
    const heapSlot = this.heapSlot;
    const records = this.records;
    const last = this.size--;
    const lastTime = heapTime[last];
    const lastSlot = heapSlot[last];
    heapTime[last] = Infinity;
    if (last === 1) return;
    let i = 1;
    let child = 2;
    const branchFreeEnd = last < BRANCH_FREE_POSITIONS ? last : BRANCH_FREE_POSITIONS;
    while (child < branchFreeEnd) {
      const leftTime = heapTime[child];
      const rightTime = heapTime[child | 1];
      let right = +(rightTime < leftTime);
      if (rightTime === leftTime) right = +(((records[heapSlot[child | 1] << 2] - records[heapSlot[child] << 2]) | 0) < 0);
      child |= right;
      heapTime[i] = heapTime[child];
      heapSlot[i] = heapSlot[child];
      i = child;
      child = i << 1;
    }
    while (child < last) {
      let childTime = heapTime[child];
      const rightTime = heapTime[child | 1];
      if (rightTime < childTime) {
        child |= 1;
        childTime = rightTime;
      } else if (rightTime === childTime && ((records[heapSlot[child | 1] << 2] - records[heapSlot[child] << 2]) | 0) < 0) {
        child |= 1;
      }
      heapTime[i] = childTime;
      heapSlot[i] = heapSlot[child];
      i = child;
      child = i << 1;
    }
    const lastSeq = records[lastSlot << 2];
    while (i > 1) {
      const parent = i >> 1;
      const parentTime = heapTime[parent];
      if (parentTime < lastTime || (parentTime === lastTime && ((records[heapSlot[parent] << 2] - lastSeq) | 0) < 0)) break;
      heapTime[i] = parentTime;
      heapSlot[i] = heapSlot[parent];
      i = parent;
    }
    heapTime[i] = lastTime;
    heapSlot[i] = lastSlot;
  }

  private dropDeadRoots(): void {
    while (this.size > 0) {
      const slot = this.heapSlot[1];
      if ((this.records[(slot << 2) + R_CODE] & HANDLER_MASK) !== 0) return;
      this.removeRoot();
      this.releaseDead(slot);
    }
  }

  private releaseDead(slot: number): void {
    this.records[(slot << 2) + R_ARG] = this.freeHead;
    this.freeHead = slot;
    this.dead--;
  }

  /**
   * Removes every cancelled entry. The survivors, sorted by (time, seq), form a valid heap; the pop order is fixed
   * by (time, seq) alone, so this changes no outcome. Rare: at least COMPACT_MIN_DEAD cancels pay for each run.
   */
  private compact(): void {
    const records = this.records;
    this.size = compactHeap(this.heapTime, this.heapSlot, records, this.size, (slot) => (records[(slot << 2) + R_CODE] & HANDLER_MASK) !== 0, (slot) =>
      this.releaseDead(slot),
    );
  }

  /** Keeps wrapping sequence comparison exact (see renumberOldSequences). Between events, every 2^29 insertions. */
  private checkSequenceSpan(): void {
    if (this.dead > 0) this.compact();
    renumberOldSequences(this.records, this.heapSlot, this.size, this.nextSeq);
  }

  private allocateSlot(): number {
    if (this.slotsUsed === this.capacity) this.grow();
    return this.slotsUsed++;
  }

  /** Amortised O(1) growth; the heap never holds more entries than there are slots. */
  private grow(): void {
    const old = this.capacity;
    if (old >= SLOT_SPAN) throw new RangeError(`more than ${SLOT_SPAN} pending events`);
    const cap = Math.min(old < DOUBLE_BELOW ? old * 2 : old + Math.ceil(old / 8), SLOT_SPAN);
    const heapTime = new Float64Array(cap + 2).fill(Infinity);
    heapTime.set(this.heapTime.subarray(0, this.size + 1));
    const heapSlot = new Int32Array(cap + 2);
    heapSlot.set(this.heapSlot.subarray(0, this.size + 1));
    this.heapTime = heapTime;
    this.heapSlot = heapSlot;
    const records = new Int32Array(4 * cap);
    records.set(this.records);
    this.records = records;
    this.capacity = cap;
  }
}
