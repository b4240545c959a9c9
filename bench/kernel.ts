// The classic hold model on the kernel: prefill N events, then pop one and schedule one at now + an exponential
// draw, through a handler as real models do (one Rng draw per event). Reports millions of events per CPU-second
// and bytes per pending event.
//
// `tsx bench/kernel.ts` prints a table; `node --expose-gc --import tsx bench/kernel.ts` measures memory with the
// GC instead of estimating it from array capacity. Each (size, dispatch) cell runs in a fresh child process:
// in one process the JIT's code for a later size was shaped by feedback from earlier ones (10^5 measured 30%
// slower after 10^3 and 10^4 had run), so figures depended on the order of the table.
import { fork } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Simulation } from "../src/kernel/sim.ts";
import { Rng } from "../src/kernel/rng.ts";
import { bareHold } from "./reference-heap.ts";

const MEAN_DELAY_US = 1_000_000;
// Many short trials, best reported: on a shared 2-core machine a short trial is more likely to run undisturbed.
const TRIALS = 7;
const EVENTS_PER_TRIAL = 1_000_000;
const WARMUP_EVENTS = 2_000_000;
const SIZES = [1e3, 1e4, 1e5, 1e6];

/**
 * "mono": one handler, so V8 can inline it into the dispatch loop; "mega": the call site has seen 6 handlers;
 * "bare": the yardstick in reference-heap.ts, not the kernel.
 */
type Dispatch = "mono" | "mega" | "bare";

interface Rates {
  mEventsPerCpuS: number;
  mEventsPerCpuSMedian: number;
}

interface HoldResult extends Rates {
  bytesPerPending: number;
  heapDeltaPerPending: number;
  bytes: "measured (gc)" | "estimated (capacity)";
}

/** JS heap and ArrayBuffer bytes still reachable after full collections. */
function retained(): { heap: number; arrays: number } {
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 4; i++) gc?.(); // a single full GC can leave garbage from just before it
  const m = process.memoryUsage();
  return { heap: m.heapUsed, arrays: m.arrayBuffers };
}

/** Real models hand the kernel many different handlers; six distinct functions make the call site megamorphic. */
function makeDispatchMegamorphic(): void {
  const sim = new Simulation();
  let n = 0;
  const handlers = [
    () => n++,
    () => (n += 2),
    () => (n ^= 1),
    () => (n = n * 1),
    () => (n -= 1),
    () => (n |= 0),
  ];
  for (let round = 0; round < 2000; round++) for (const h of handlers) sim.after(round, h);
  sim.run();
}

/** `pending` events whose handler schedules the next one an exponential delay later (one Rng draw per event). */
function fillHold(sim: Simulation, rng: Rng, pending: number): Simulation {
  const handler = (): void => {
    sim.after(Math.floor(rng.exponential(MEAN_DELAY_US)), handler);
  };
  for (let i = 0; i < pending; i++) sim.at(Math.floor(rng.next() * MEAN_DELAY_US), handler);
  return sim;
}

/** Best and median of TRIALS timed calls of runEvents(EVENTS_PER_TRIAL), in millions of events per CPU-second. */
function timeTrials(runEvents: (events: number) => void): { best: number; median: number } {
  runEvents(WARMUP_EVENTS); // JIT tiers, caches, the steady-state shape of the heap
  const rates: number[] = [];
  for (let t = 0; t < TRIALS; t++) {
    const start = process.cpuUsage();
    runEvents(EVENTS_PER_TRIAL);
    const used = process.cpuUsage(start);
    rates.push(EVENTS_PER_TRIAL / (used.user + used.system)); // events per µs = millions per second
  }
  rates.sort((a, b) => a - b);
  return { best: round2(rates[rates.length - 1]), median: round2(rates[rates.length >> 1]) };
}

/** The yardstick's rates only: its memory is not what the benchmark is about. */
function bare(pending: number): Rates {
  const { best, median } = timeTrials(bareHold(new Rng(42).fork(`hold/${pending}`), pending, MEAN_DELAY_US));
  return { mEventsPerCpuS: best, mEventsPerCpuSMedian: median };
}

function hold(pending: number, dispatch: Exclude<Dispatch, "bare">): HoldResult {
  // The warm-up's garbage would blur the measurement, so only "mono" rows measure memory.
  const canMeasure = dispatch === "mono" && typeof (globalThis as { gc?: unknown }).gc === "function";
  if (dispatch === "mega") makeDispatchMegamorphic();
  // A small throwaway queue first, so the code and inline caches it creates are not counted as queue memory.
  fillHold(new Simulation(), new Rng(7), 1000).run({ maxEvents: 10_000 });
  const rng = new Rng(42).fork(`hold/${pending}`);
  const before = canMeasure ? retained() : undefined;
  const sim = fillHold(new Simulation(), rng, pending);
  const after = canMeasure ? retained() : undefined;
  // The queue is typed arrays (exact in arrayBuffers) plus small JS tables; the heap delta also moves by tens of KB
  // with unrelated code and feedback, so it is shown on its own and counted only when it grew.
  const heapDelta = before && after ? after.heap - before.heap : 0;
  const bytes = before && after ? after.arrays - before.arrays + Math.max(0, heapDelta) : sim.allocatedBytes;

  const { best, median } = timeTrials((events) => sim.run({ maxEvents: events }));
  if (sim.pending !== pending) throw new Error(`hold model lost events: ${sim.pending} != ${pending}`);
  return {
    mEventsPerCpuS: best,
    mEventsPerCpuSMedian: median,
    bytesPerPending: round2(bytes / pending),
    heapDeltaPerPending: round2(heapDelta / pending),
    bytes: canMeasure ? "measured (gc)" : "estimated (capacity)",
  };
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

function inChild(pending: number, dispatch: "bare"): Promise<Rates>;
function inChild(pending: number, dispatch: Exclude<Dispatch, "bare">): Promise<HoldResult>;
function inChild(pending: number, dispatch: Dispatch): Promise<Rates> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ["--child", String(pending), dispatch], {
      execArgv: process.execArgv, // keeps tsx's loader and --expose-gc
    });
    let result: Rates | undefined;
    child.on("message", (m) => (result = m as Rates));
    child.on("error", reject);
    child.on("exit", (code) =>
      result && code === 0 ? resolve(result) : reject(new Error(`hold ${pending} ${dispatch}: child exited ${code}`)),
    );
  });
}

/**
 * Hold model at 10^3..10^6 pending: best and median of seven trials of 10^6 events, in CPU time; each size also
 * runs the bare-heap yardstick (reference-heap.ts) just before, and the kernel's rows show their ratio to it.
 */
export async function benchKernel(): Promise<Record<string, unknown>> {
  const rows: Record<string, unknown> = {};
  for (const pending of SIZES) {
    const size = `10^${Math.log10(pending)}`;
    const bare = await inChild(pending, "bare");
    rows[`bare heap ${size}`] = bare;
    for (const dispatch of ["mono", "mega"] as const) {
      const r = await inChild(pending, dispatch);
      // Medians over medians: the ratio to the yardstick measured a few seconds earlier, in the same conditions.
      rows[`hold ${size} ${dispatch}`] = { ...r, medianVsBareHeap: round2(r.mEventsPerCpuSMedian / bare.mEventsPerCpuSMedian) };
    }
  }
  return rows;
}

const self = import.meta.url === pathToFileURL(process.argv[1] ?? "").href;
if (self && process.argv[2] === "--child") {
  const pending = Number(process.argv[3]);
  const dispatch = process.argv[4] as Dispatch;
  process.send!(dispatch === "bare" ? bare(pending) : hold(pending, dispatch));
} else if (self) {
  console.log(`hold model, exponential delays (mean ${MEAN_DELAY_US} µs), node ${process.version}`);
  console.table(await benchKernel());
}
