import { FINGERPRINT_SEED_A, FINGERPRINT_SEED_B, foldLaneA, foldLaneB, formatFingerprint } from "./fingerprint.ts";

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
// Lazy cancellation leaves dead entries in the heap; compact when they outnumber the live ones, so a model
// that cancels most of its timeouts cannot grow the heap without bound.
const COMPACT_MIN_DEAD = 1024;
// The top 2^14 heap positions (192 KiB of times and slots) stay in L2; see removeRoot.
const BRANCH_FREE_POSITIONS = 1 << 14;

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

function badBudget(maxEvents: unknown): RangeError {
  return new RangeError(`maxEvents must be a number >= 0, got ${String(maxEvents)}`);
}

/**
 * The discrete-event core: an integer-microsecond clock and an event queue ordered by (timeUs, insertion
 * sequence), so same-time events run in the order they were scheduled.
 *
 * Layout, chosen by measurement (bench/kernel.ts): a 1-based binary heap of time (Float64Array) and slot id
 * (Int32Array) only, so sift loops touch 12 bytes per entry and read a sequence number only when two times tie.
 * Everything else is a per-slot record: slotRefs[2s] = handler (null when free or cancelled),
 * slotRefs[2s + 1] = arg, and 16 bytes seen as slotSeq[2s] (Float64) and slotWords[4s + 2] = kind,
 * slotWords[4s + 3] = id (Int32; on a free slot, the next free slot). Dispatch touches two cache lines per event.
 * No allocation per event.
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
  /** Receives a load of the next event's record, so its cache lines arrive while the current handler runs. */
  private prefetchSink = 0;

  // Entries live at 1..size; heapTime[size + 1] is always +Infinity so a sift reads a right child unchecked.
  // 1-based indices keep the child/parent arithmetic in shifts and ors, which V8 compiles without overflow checks.
  private size = 0;
  private heapTime: Float64Array;
  private heapSlot: Int32Array;

  private capacity: number;
  private slotsUsed = 0;
  private freeHead = -1;
  private slotRefs: unknown[];
  private slotSeq: Float64Array;
  private slotWords: Int32Array;

  private readonly kindCodes = new Map<string, number>([["event", 0]]);
  private readonly kindNames: string[] = ["event"];
  private kindCount = 1;

  constructor() {
    this.capacity = INITIAL_CAPACITY;
    this.heapTime = new Float64Array(INITIAL_CAPACITY + 2).fill(Infinity);
    this.heapSlot = new Int32Array(INITIAL_CAPACITY + 2);
    this.slotRefs = new Array<unknown>(2 * INITIAL_CAPACITY).fill(null);
    const records = new ArrayBuffer(16 * INITIAL_CAPACITY);
    this.slotSeq = new Float64Array(records);
    this.slotWords = new Int32Array(records);
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
   * Bytes held by the queue's arrays at their current capacity (which only grows, by doubling): 12 per heap
   * entry, 16 per slot record and 16 for the handler and arg references (8-byte pointers on Node builds
   * without pointer compression). An estimate for reports; the benchmark also measures it with the GC.
   */
  get allocatedBytes(): number {
    return 12 * (this.capacity + 2) + 32 * this.capacity;
  }

  /** Idempotent; code 0 is the default kind "event". Codes fit in 16 bits. */
  registerKind(name: string): number {
    const known = this.kindCodes.get(name);
    if (known !== undefined) return known;
    const code = this.kindNames.length;
    if (code > 0xffff) throw new RangeError("at most 65536 event kinds can be registered");
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
    if (slot >= this.slotsUsed || this.slotRefs[2 * slot] === null) return false;
    if ((this.slotSeq[2 * slot] & GEN_MASK) !== (h - slot) / SLOT_SPAN) return false;
    this.slotRefs[2 * slot] = null;
    this.slotRefs[2 * slot + 1] = undefined;
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

  private dispatchLoop(untilUs: number, maxEvents: number): number {
    if (this.running) throw new Error("Simulation.run/step called from inside an event handler");
    this.running = true;
    let events = 0;
    try {
      for (;;) {
        if (this.live === 0) {
          this.lastStop = "empty";
          break;
        }
        // Arrays are re-read every iteration: a handler's schedules may have grown (replaced) them.
        const slotRefs = this.slotRefs;
        const slotWords = this.slotWords;
        let slot = this.heapSlot[1];
        if (slotRefs[2 * slot] === null) {
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
        const fn = slotRefs[2 * slot] as EventHandler;
        const arg = slotRefs[2 * slot + 1];
        const kind = slotWords[4 * slot + 2];
        const id = slotWords[4 * slot + 3];
        this.removeRoot();
        // With 10^6 pending the next event's record is a cache miss; loading it now overlaps that miss with this
        // handler instead of stalling the next iteration (measured: ~15% faster at 10^6 pending).
        const nextSlot = this.heapSlot[1];
        this.prefetchSink = slotWords[4 * nextSlot + 3] ^ (slotRefs[2 * nextSlot] === null ? 1 : 0);
        // Free before dispatch so the handler's own schedules reuse the slot while it is cache-hot.
        slotRefs[2 * slot] = null;
        slotRefs[2 * slot + 1] = undefined;
        slotWords[4 * slot + 3] = this.freeHead;
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
      }
    } finally {
      this.running = false;
    }
    return events;
  }

  private schedule(timeUs: number, fn: EventHandler, arg: unknown, kind: number, id: number): number {
    if ((id | 0) !== id || kind >>> 0 !== kind || kind >= this.kindCount) throw badTag(kind, id);
    let slot = this.freeHead;
    if (slot >= 0) this.freeHead = this.slotWords[4 * slot + 3];
    else slot = this.allocateSlot();
    const seq = this.nextSeq++;
    this.slotRefs[2 * slot] = fn;
    this.slotRefs[2 * slot + 1] = arg;
    this.slotSeq[2 * slot] = seq;
    this.slotWords[4 * slot + 2] = kind;
    this.slotWords[4 * slot + 3] = id;
    this.live++;
    this.siftUpNew(timeUs, slot);
    return (seq & GEN_MASK) * SLOT_SPAN + slot + 1;
  }

  // ---- heap internals ----

  /** A new event carries the largest sequence so far, so on equal times it stays below its parent. */
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
   * the bottom, so that walk is short.
   *
   * The walk is branch-free over the first BRANCH_FREE_POSITIONS entries, which stay cache-resident: there a
   * mispredicted child choice costs more than the data dependency. Below that, the branchy loop lets the CPU
   * speculate into the next level and overlap cache misses (measured: branch-free throughout is 2x slower at
   * 10^6 pending, branchy throughout 1.3x slower at 10^3).
   */
  private removeRoot(): void {
    const heapTime = this.heapTime;
    const heapSlot = this.heapSlot;
    const slotSeq = this.slotSeq;
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
      if (rightTime === leftTime) right = +(slotSeq[heapSlot[child | 1] << 1] < slotSeq[heapSlot[child] << 1]);
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
      } else if (rightTime === childTime && slotSeq[heapSlot[child | 1] << 1] < slotSeq[heapSlot[child] << 1]) {
        child |= 1;
      }
      heapTime[i] = childTime;
      heapSlot[i] = heapSlot[child];
      i = child;
      child = i << 1;
    }
    const lastSeq = slotSeq[lastSlot << 1];
    while (i > 1) {
      const parent = i >> 1;
      const parentTime = heapTime[parent];
      if (parentTime < lastTime || (parentTime === lastTime && slotSeq[heapSlot[parent] << 1] < lastSeq)) break;
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
      if (this.slotRefs[2 * slot] !== null) return;
      this.removeRoot();
      this.releaseDead(slot);
    }
  }

  private releaseDead(slot: number): void {
    this.slotWords[4 * slot + 3] = this.freeHead;
    this.freeHead = slot;
    this.dead--;
  }

  /**
   * Removes every cancelled entry. The survivors, sorted by (time, seq), form a valid heap; the pop order is fixed
   * by (time, seq) alone, so this changes no outcome. Rare: at least COMPACT_MIN_DEAD cancels pay for each run.
   */
  private compact(): void {
    const heapTime = this.heapTime;
    const heapSlot = this.heapSlot;
    const slotSeq = this.slotSeq;
    const positions: number[] = [];
    for (let i = 1; i <= this.size; i++) {
      if (this.slotRefs[2 * heapSlot[i]] === null) this.releaseDead(heapSlot[i]);
      else positions.push(i);
    }
    positions.sort((a, b) => heapTime[a] - heapTime[b] || slotSeq[heapSlot[a] << 1] - slotSeq[heapSlot[b] << 1]);
    const times = positions.map((i) => heapTime[i]);
    const slots = positions.map((i) => heapSlot[i]);
    heapTime.fill(Infinity, 1, this.size + 2);
    heapTime.set(times, 1);
    heapSlot.set(slots, 1);
    this.size = positions.length;
  }

  private allocateSlot(): number {
    if (this.slotsUsed === this.capacity) this.grow();
    return this.slotsUsed++;
  }

  /** Doubling keeps growth amortised O(1); the heap never holds more entries than there are slots. */
  private grow(): void {
    const old = this.capacity;
    if (old >= SLOT_SPAN) throw new RangeError(`more than ${SLOT_SPAN} pending events`);
    const cap = Math.min(old * 2, SLOT_SPAN);
    const heapTime = new Float64Array(cap + 2).fill(Infinity);
    heapTime.set(this.heapTime.subarray(0, this.size + 1));
    const heapSlot = new Int32Array(cap + 2);
    heapSlot.set(this.heapSlot.subarray(0, this.size + 1));
    this.heapTime = heapTime;
    this.heapSlot = heapSlot;
    const records = new ArrayBuffer(16 * cap);
    new Uint8Array(records).set(new Uint8Array(this.slotSeq.buffer));
    this.slotSeq = new Float64Array(records);
    this.slotWords = new Int32Array(records);
    // A fresh array of the exact size: push() would grow the backing store by 1.5x + 16 on its own schedule.
    const slotRefs = new Array<unknown>(2 * cap).fill(null);
    const oldRefs = this.slotRefs;
    for (let i = 0; i < 2 * old; i++) slotRefs[i] = oldRefs[i];
    this.slotRefs = slotRefs;
    this.capacity = cap;
  }
}
