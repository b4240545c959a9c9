import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Simulation } from "../../src/kernel/sim.ts";

// A command stream against both the Simulation and a plain reference model (a list searched for the minimum
// (time, seq)). Small delays make ties common; bursts with mass cancels force heap compaction.
type Command =
  | { op: "schedule"; delay: number; children: number[] }
  | { op: "cancel"; pick: number }
  | { op: "step"; count: number }
  | { op: "burst"; size: number; keepEvery: number }
  | { op: "skip"; insertions: number };

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant("schedule" as const), delay: fc.integer({ min: 0, max: 6 }), children: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 2 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("cancel" as const), pick: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("step" as const), count: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("burst" as const), size: fc.integer({ min: 1, max: 2500 }), keepEvery: fc.integer({ min: 2, max: 12 }) }) },
  // Jumps the kernel's 32-bit insertion counter as if up to 2^30 events had come and gone: pending events become
  // old enough for the wrap-around checks and the sequence renumbering to matter.
  { weight: 1, arbitrary: fc.record({ op: fc.constant("skip" as const), insertions: fc.integer({ min: 2 ** 26, max: 2 ** 30 }) }) },
);

interface ModelEvent {
  timeUs: number;
  seq: number;
  label: number;
  children: number[];
}

function check(commands: Command[]): void {
  const sim = new Simulation();
  const model: ModelEvent[] = [];
  const handles = new Map<number, number>(); // label -> handle, for labels ever scheduled
  const simOrder: number[] = [];
  const modelOrder: number[] = [];
  let nextLabel = 0;
  let modelSeq = 0;

  const schedule = (delay: number, children: number[]): void => {
    const label = nextLabel++;
    const h = sim.after(delay, () => {
      simOrder.push(label);
      for (const d of children) schedule(d, []);
    });
    handles.set(label, h);
    model.push({ timeUs: sim.nowUs + delay, seq: modelSeq++, label, children });
  };
  // The sim runs a handler before the model pops, so children the handler scheduled are already in the model;
  // they cannot win this pop (same time at most, and a later sequence).
  const modelPop = (): number => {
    let best = 0;
    for (let i = 1; i < model.length; i++) {
      const a = model[i];
      const b = model[best];
      if (a.timeUs < b.timeUs || (a.timeUs === b.timeUs && a.seq < b.seq)) best = i;
    }
    const [ev] = model.splice(best, 1);
    modelOrder.push(ev.label);
    return ev.label;
  };
  const cancel = (label: number): void => {
    const expected = model.findIndex((e) => e.label === label);
    expect(sim.cancel(handles.get(label)!)).toBe(expected >= 0);
    if (expected >= 0) model.splice(expected, 1);
  };

  for (const c of commands) {
    if (c.op === "schedule") schedule(c.delay, c.children);
    else if (c.op === "cancel") {
      if (nextLabel > 0) cancel(c.pick % nextLabel);
    } else if (c.op === "burst") {
      const first = nextLabel;
      for (let i = 0; i < c.size; i++) schedule(i % 7, []);
      for (let i = 0; i < c.size; i++) if (i % c.keepEvery !== 0) cancel(first + i);
    } else if (c.op === "skip") {
      sim.skipSequenceNumbersForTest(c.insertions);
    } else {
      for (let i = 0; i < c.count && model.length > 0; i++) {
        expect(sim.step()).toBe(true);
        expect(simOrder[simOrder.length - 1]).toBe(modelPop());
      }
    }
    expect(sim.pending).toBe(model.length);
  }
  while (model.length > 0) {
    expect(sim.step()).toBe(true);
    expect(simOrder[simOrder.length - 1]).toBe(modelPop());
  }
  expect(sim.step()).toBe(false);
  expect(simOrder).toEqual(modelOrder);
}

describe("Simulation event order (property)", () => {
  it("pops random schedules, handler-made schedules and cancels in (time, insertion) order", () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 120 }), (commands) => check(commands)),
      { seed: 1, numRuns: 200 },
    );
  });
});
