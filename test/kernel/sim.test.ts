import { describe, expect, it } from "vitest";
import { Simulation } from "../../src/kernel/sim.ts";
import { FingerprintAccumulator } from "../../src/kernel/fingerprint.ts";

/** Schedules a recorder per (time, label) and returns the labels in dispatch order after run(). */
function runOrder(schedule: (sim: Simulation, record: (label: string) => () => void) => void): string[] {
  const sim = new Simulation();
  const seen: string[] = [];
  schedule(sim, (label) => () => seen.push(label));
  sim.run();
  return seen;
}

describe("Simulation ordering", () => {
  it("dispatches events in time order whatever order they were scheduled in", () => {
    const order = runOrder((sim, rec) => {
      sim.at(30, rec("c"));
      sim.at(10, rec("a"));
      sim.at(20, rec("b"));
    });
    expect(order).toEqual(["a", "b", "c"]);
  });

  it("dispatches same-time events in insertion order", () => {
    const order = runOrder((sim, rec) => {
      for (const label of ["a", "b", "c", "d", "e", "f", "g", "h"]) sim.at(5, rec(label));
    });
    expect(order).toEqual(["a", "b", "c", "d", "e", "f", "g", "h"]);
  });

  it("keeps insertion order among ties when schedules at other times are interleaved", () => {
    const order = runOrder((sim, rec) => {
      sim.at(7, rec("t7-1"));
      sim.at(3, rec("t3-1"));
      sim.at(7, rec("t7-2"));
      sim.at(9, rec("t9-1"));
      sim.at(3, rec("t3-2"));
      sim.at(7, rec("t7-3"));
      sim.at(1, rec("t1-1"));
      sim.at(7, rec("t7-4"));
    });
    expect(order).toEqual(["t1-1", "t3-1", "t3-2", "t7-1", "t7-2", "t7-3", "t7-4", "t9-1"]);
  });

  it("keeps insertion order among ties after cancels free slots that later schedules reuse", () => {
    const order = runOrder((sim, rec) => {
      const handles = ["x1", "x2", "x3"].map((l) => sim.at(4, rec(l)));
      sim.at(4, rec("a"));
      sim.cancel(handles[0]);
      sim.cancel(handles[2]);
      sim.at(4, rec("b")); // reuses a freed slot with a lower index than "a"
      sim.at(4, rec("c"));
    });
    expect(order).toEqual(["x2", "a", "b", "c"]);
  });

  it("runs an event scheduled for now by a handler after the same-time events already queued", () => {
    const sim = new Simulation();
    const seen: string[] = [];
    sim.at(10, () => {
      seen.push("first");
      sim.after(0, () => seen.push("child"));
    });
    sim.at(10, () => seen.push("second"));
    sim.run();
    expect(seen).toEqual(["first", "second", "child"]);
  });

  it("passes arg to the handler and advances nowUs to each event's time", () => {
    const sim = new Simulation();
    const seen: Array<[number, unknown]> = [];
    sim.at(15, (arg) => seen.push([sim.nowUs, arg]), { n: 1 });
    sim.after(5, (arg) => seen.push([sim.nowUs, arg]), "five");
    sim.run();
    expect(seen).toEqual([
      [5, "five"],
      [15, { n: 1 }],
    ]);
  });

  it("keeps (time, insertion) order with ties in a heap larger than its branch-free top part", () => {
    // 60 000 pending entries: the pop walk leaves the first 2^14 positions, where the branchy loop takes over.
    const sim = new Simulation();
    const seen: number[] = [];
    const n = 60_000;
    for (let i = 0; i < n; i++) {
      const label = i;
      sim.at(((i * 7919) % 1009) * 10, () => seen.push(label));
    }
    // Handlers add more ties while the heap is large.
    sim.at(5000, () => {
      for (let j = 0; j < 100; j++) sim.at(5000 + (j % 3) * 10, () => seen.push(n + j));
    });
    sim.run();
    const timeOf = (label: number): number =>
      label < n ? ((label * 7919) % 1009) * 10 : 5000 + ((label - n) % 3) * 10;
    expect(seen).toHaveLength(n + 100);
    for (let k = 1; k < seen.length; k++) {
      const a = seen[k - 1];
      const b = seen[k];
      // the handler-made events were inserted after every initial one, so at equal times they come last
      const ok = timeOf(a) < timeOf(b) || (timeOf(a) === timeOf(b) && a < b);
      if (!ok) expect.fail(`event ${a} (t=${timeOf(a)}) ran before ${b} (t=${timeOf(b)})`);
    }
  });

  it("stays ordered while growing far beyond its initial capacity", () => {
    const sim = new Simulation();
    const times: number[] = [];
    for (let i = 0; i < 5000; i++) sim.at((i * 7919) % 5003, () => times.push(sim.nowUs));
    sim.run();
    expect(times).toHaveLength(5000);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });
});

describe("Simulation scheduling rules", () => {
  it("throws a RangeError when scheduling before now", () => {
    const sim = new Simulation();
    sim.at(100, () => {});
    sim.run();
    expect(() => sim.at(99, () => {})).toThrow(RangeError);
    expect(() => sim.after(-1, () => {})).toThrow(RangeError);
  });

  it("throws a RangeError for times that are not finite integers", () => {
    const sim = new Simulation();
    for (const bad of [1.5, NaN, Infinity, 2 ** 53]) expect(() => sim.at(bad, () => {})).toThrow(RangeError);
    expect(() => sim.after(0.25, () => {})).toThrow(RangeError);
  });

  it("accepts times beyond 2^32 microseconds", () => {
    const sim = new Simulation();
    let ran = 0;
    sim.at(2 ** 40 + 3, () => ran++);
    sim.at(2 ** 32 + 1, () => ran++);
    sim.run();
    expect(ran).toBe(2);
    expect(sim.nowUs).toBe(2 ** 40 + 3);
  });

  it("rejects ids outside 32 bits and kinds that were never registered", () => {
    const sim = new Simulation();
    expect(() => sim.at(1, () => {}, undefined, 0, 2 ** 31)).toThrow(RangeError);
    expect(() => sim.at(1, () => {}, undefined, 5, 0)).toThrow(RangeError);
  });

  it("registers kinds idempotently and names them back", () => {
    const sim = new Simulation();
    const a = sim.registerKind("append");
    const b = sim.registerKind("fetch");
    expect(sim.registerKind("append")).toBe(a);
    expect(a).not.toBe(b);
    expect(sim.kindName(a)).toBe("append");
    expect(sim.kindName(0)).toBe("event");
    expect(() => sim.kindName(99)).toThrow(RangeError);
  });
});

describe("Simulation cancellation", () => {
  it("never runs a cancelled event and reports it was pending", () => {
    const sim = new Simulation();
    let ran = false;
    const h = sim.at(10, () => (ran = true));
    expect(sim.pending).toBe(1);
    expect(sim.cancel(h)).toBe(true);
    expect(sim.pending).toBe(0);
    sim.run();
    expect(ran).toBe(false);
    expect(sim.processed).toBe(0);
  });

  it("returns false when cancelling twice, after dispatch, or with a handle that never existed", () => {
    const sim = new Simulation();
    const h1 = sim.at(1, () => {});
    expect(sim.cancel(h1)).toBe(true);
    expect(sim.cancel(h1)).toBe(false);
    const h2 = sim.at(2, () => {});
    sim.run();
    expect(sim.cancel(h2)).toBe(false);
    expect(sim.cancel(0)).toBe(false);
    expect(sim.cancel(-3)).toBe(false);
    expect(sim.cancel(123456789)).toBe(false);
    expect(sim.cancel(1.5)).toBe(false);
  });

  it("does not let a stale handle cancel the event that reuses its slot", () => {
    const sim = new Simulation();
    const stale = sim.at(1, () => {});
    sim.run();
    let ran = false;
    const fresh = sim.at(5, () => (ran = true)); // the freed slot is reused
    expect(fresh).not.toBe(stale);
    expect(sim.cancel(stale)).toBe(false);
    sim.run();
    expect(ran).toBe(true);
  });

  it("lets a handler cancel a later event", () => {
    const sim = new Simulation();
    const seen: string[] = [];
    const later = sim.at(20, () => seen.push("later"));
    sim.at(10, () => {
      seen.push("first");
      expect(sim.cancel(later)).toBe(true);
    });
    sim.run();
    expect(seen).toEqual(["first"]);
  });

  it("keeps running in order when a handler's cancels compact the heap mid-run", () => {
    const sim = new Simulation();
    const seen: number[] = [];
    const handles: number[] = [];
    for (let i = 0; i < 3000; i++) handles.push(sim.at(100 + (i % 5), () => seen.push(i)));
    sim.at(50, () => {
      for (let i = 0; i < 3000; i++) if (i % 3 !== 0) sim.cancel(handles[i]);
      sim.after(50, () => seen.push(-1)); // time 100, after every survivor already at 100
    });
    sim.run();
    const survivors = Array.from({ length: 3000 }, (_, i) => i).filter((i) => i % 3 === 0);
    const at100 = survivors.filter((i) => i % 5 === 0);
    const later = survivors.filter((i) => i % 5 !== 0).sort((a, b) => (a % 5) - (b % 5) || a - b);
    expect(seen).toEqual([...at100, -1, ...later]);
  });

  it("returns handles that are never 0, so 0 can mean no timer", () => {
    const sim = new Simulation();
    for (let i = 0; i < 100; i++) expect(sim.at(i, () => {})).toBeGreaterThan(0);
  });

  it("keeps pending exact and the order right when most events are cancelled (heap compaction)", () => {
    const sim = new Simulation();
    const seen: number[] = [];
    const handles: number[] = [];
    for (let i = 0; i < 10_000; i++) handles.push(sim.at(1000 + (i % 97), () => seen.push(i)));
    for (let i = 0; i < 10_000; i++) if (i % 10 !== 0) sim.cancel(handles[i]);
    expect(sim.pending).toBe(1000);
    // a surviving handle still cancels after compaction moved heap entries around
    expect(sim.cancel(handles[0])).toBe(true);
    expect(sim.pending).toBe(999);
    sim.run();
    const expected = Array.from({ length: 10_000 }, (_, i) => i)
      .filter((i) => i % 10 === 0 && i !== 0)
      .sort((a, b) => (a % 97) - (b % 97) || a - b);
    expect(seen).toEqual(expected);
  });
});

describe("Simulation run and step", () => {
  function tenEvents(): Simulation {
    const sim = new Simulation();
    for (let t = 1; t <= 10; t++) sim.at(t * 100, () => {});
    return sim;
  }

  it("stops with 'empty' when nothing is left", () => {
    const sim = tenEvents();
    expect(sim.run()).toEqual({ events: 10, stoppedBy: "empty" });
    expect(sim.nowUs).toBe(1000);
    expect(sim.processed).toBe(10);
  });

  it("runs events at times <= untilUs, then sets the clock to untilUs", () => {
    const sim = tenEvents();
    expect(sim.run({ untilUs: 500 })).toEqual({ events: 5, stoppedBy: "until" });
    expect(sim.nowUs).toBe(500);
    expect(sim.pending).toBe(5);
    expect(sim.run({ untilUs: 550 })).toEqual({ events: 0, stoppedBy: "until" });
    expect(sim.nowUs).toBe(550);
  });

  it("moves the clock to untilUs even when the queue empties first", () => {
    const sim = tenEvents();
    expect(sim.run({ untilUs: 5000 })).toEqual({ events: 10, stoppedBy: "empty" });
    expect(sim.nowUs).toBe(5000);
  });

  it("stops after maxEvents with the clock at the last dispatched event", () => {
    const sim = tenEvents();
    expect(sim.run({ maxEvents: 3 })).toEqual({ events: 3, stoppedBy: "maxEvents" });
    expect(sim.nowUs).toBe(300);
    expect(sim.pending).toBe(7);
  });

  it("steps one event at a time and reports false when empty", () => {
    const sim = new Simulation();
    sim.at(3, () => {});
    sim.at(4, () => {});
    expect(sim.step()).toBe(true);
    expect(sim.nowUs).toBe(3);
    expect(sim.step()).toBe(true);
    expect(sim.step()).toBe(false);
  });

  it("rejects untilUs in the past and run from inside a handler", () => {
    const sim = tenEvents();
    sim.run({ maxEvents: 2 });
    expect(() => sim.run({ untilUs: 100 })).toThrow(RangeError);
    sim.at(sim.nowUs, () => sim.run());
    expect(() => sim.run()).toThrow(/inside an event handler/);
  });

  it("stays usable after a handler throws", () => {
    const sim = new Simulation();
    sim.at(1, () => {
      throw new Error("boom");
    });
    sim.at(2, () => {});
    expect(() => sim.run()).toThrow("boom");
    expect(sim.run()).toEqual({ events: 1, stoppedBy: "empty" });
  });

  it("reports the next live event time, skipping cancelled ones", () => {
    const sim = new Simulation();
    expect(sim.nextTimeUs).toBe(Infinity);
    const h = sim.at(5, () => {});
    sim.at(9, () => {});
    sim.cancel(h);
    expect(sim.nextTimeUs).toBe(9);
  });
});

describe("Simulation fingerprint", () => {
  type Ev = [timeUs: number, kind: string, id: number];
  function fingerprintOf(events: Ev[], cancelFirst = false): string {
    const sim = new Simulation();
    const handles = events.map(([t, kind, id]) => sim.at(t, () => {}, undefined, sim.registerKind(kind), id));
    if (cancelFirst) sim.cancel(handles[0]);
    sim.run();
    return sim.fingerprint();
  }
  const base: Ev[] = [
    [10, "append", 1],
    [20, "fetch", 2],
    [20, "append", 3],
    [2 ** 35, "commit", 4],
  ];

  it("is 16 lowercase hex characters and pinned for a known trace", () => {
    const sim = new Simulation();
    expect(sim.fingerprint()).toBe("2314d5a736a15aff");
    const k = sim.registerKind("tick");
    for (let i = 0; i < 5; i++) sim.at(i * 1000, () => {}, undefined, k, i);
    sim.at(2 ** 33 + 7, () => {}, undefined, 0, -1);
    sim.run();
    expect(sim.fingerprint()).toMatch(/^[0-9a-f]{16}$/);
    expect(sim.fingerprint()).toBe("af7fe9bcae4fab0b");
  });

  it("is equal for identical runs", () => {
    expect(fingerprintOf(base)).toBe(fingerprintOf(base));
  });

  it("differs when one event's time, kind or id differs", () => {
    const ref = fingerprintOf(base);
    expect(fingerprintOf([[11, "append", 1], ...base.slice(1)])).not.toBe(ref);
    expect(fingerprintOf([[10, "fetch", 1], ...base.slice(1)])).not.toBe(ref);
    expect(fingerprintOf([[10, "append", 9], ...base.slice(1)])).not.toBe(ref);
    expect(fingerprintOf([...base.slice(0, 3), [2 ** 36, "commit", 4]])).not.toBe(ref);
  });

  it("differs when dispatch order differs", () => {
    const swapped: Ev[] = [base[0], base[2], base[1], base[3]];
    expect(fingerprintOf(swapped)).not.toBe(fingerprintOf(base));
  });

  it("ignores cancelled events", () => {
    const withCancelled: Ev[] = [[5, "append", 99], ...base];
    expect(fingerprintOf(withCancelled, true)).toBe(fingerprintOf(base));
  });

  it("calls onDispatch for every dispatched event, matching a standalone accumulator", () => {
    const sim = new Simulation();
    const acc = new FingerprintAccumulator();
    const trace: Array<[number, number, number]> = [];
    sim.onDispatch = (t, kind, id) => {
      trace.push([t, kind, id]);
      acc.add(t, kind, id);
    };
    const k = sim.registerKind("k");
    sim.at(3, () => {}, undefined, k, 7);
    sim.at(2 ** 33, () => {}, undefined, 0, -5);
    sim.run();
    expect(trace).toEqual([
      [3, k, 7],
      [2 ** 33, 0, -5],
    ]);
    expect(acc.digest()).toBe(sim.fingerprint());
  });
});

describe("Simulation handlers and arguments", () => {
  it("hands every kind of argument back unchanged", () => {
    const sim = new Simulation();
    const obj = { n: 1 };
    const values: unknown[] = [undefined, 0, -0, 7, -2147483648, 2147483647, 2 ** 31, 1.5, NaN, true, false, null, "s", obj, [1], 10n];
    const seen: unknown[] = [];
    for (const v of values) sim.after(1, (arg) => seen.push(arg), v);
    sim.run();
    expect(seen).toHaveLength(values.length);
    values.forEach((v, i) => expect(Object.is(seen[i], v)).toBe(true));
    expect(seen[13]).toBe(obj);
  });

  it("drops the argument of a cancelled event", () => {
    const sim = new Simulation();
    const seen: unknown[] = [];
    const h = sim.at(5, (arg) => seen.push(arg), { cancelled: true });
    sim.at(6, (arg) => seen.push(arg), { kept: true });
    sim.cancel(h);
    sim.run();
    expect(seen).toEqual([{ kept: true }]);
  });

  it("runs 100 000 one-off closures in order and reclaims their table entries", () => {
    const sim = new Simulation();
    let expected = 0;
    let wrong = 0;
    // A long-lived timer keeps the queue non-empty while closures come and go one at a time.
    const tick = (): void => {
      if (sim.nowUs < 100_000) sim.after(1000, tick);
    };
    sim.at(0, tick);
    for (let i = 0; i < 100_000; i++) {
      const label = i;
      sim.at(i, () => {
        if (label !== expected++) wrong++;
      });
      sim.step();
    }
    sim.run();
    expect(wrong).toBe(0);
    expect(expected).toBe(100_000);
    // Each closure is scheduled once: none is interned, so none is kept alive by the table.
    expect(sim.internedHandlers).toBeLessThan(5);
  });

  it("keeps handlers right when many closures are pending at once and the table sweeps between them", () => {
    const sim = new Simulation();
    const seen: number[] = [];
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 5000; i++) {
        const label = round * 5000 + i;
        const record = (copy: number): void => {
          seen.push(2 * label + copy);
        };
        // Scheduled twice, so the table interns it (a function seen once runs through the trampoline).
        sim.after(5000 - i, record, 0);
        sim.after(5000 - i, record, 1);
      }
      sim.run({ maxEvents: 5000 });
    }
    const interned = sim.internedHandlers;
    sim.run();
    expect(seen).toHaveLength(30_000);
    expect(new Set(seen).size).toBe(30_000);
    // Interned, and some reclaimed by sweeps once their events had run: without sweeps all 15 000 would remain.
    expect(interned).toBeGreaterThan(1000);
    expect(interned).toBeLessThan(15_000);
  });

  it("lets one function be a handler in two simulations at once", () => {
    const a = new Simulation();
    const b = new Simulation();
    const calls: string[] = [];
    const shared = (arg: string): void => {
      calls.push(arg);
    };
    for (let i = 0; i < 3; i++) {
      a.after(i, shared, `a${i}`);
      b.after(i, shared, `b${i}`);
    }
    a.run();
    b.run();
    expect(calls).toEqual(["a0", "a1", "a2", "b0", "b1", "b2"]);
  });

  it("rejects a handler that is not a function with a TypeError naming what it got", () => {
    const sim = new Simulation();
    expect(() => sim.at(1, undefined as never)).toThrow(/handler must be a function, got undefined/);
    expect(() => sim.at(1, 5 as never)).toThrow(/got number/);
  });

  it("registers at most 1024 kinds", () => {
    const sim = new Simulation();
    for (let i = 1; i < 1024; i++) sim.registerKind(`k${i}`);
    expect(sim.registerKind("k1023")).toBe(1023);
    expect(() => sim.registerKind("one-too-many")).toThrow(/at most 1024/);
  });
});

describe("Simulation insertion sequence wrap-around", () => {
  it("keeps insertion order among ties across 2^32 insertions, renumbering old pending events", () => {
    const sim = new Simulation();
    const seen: string[] = [];
    const old = sim.at(10, () => seen.push("old-1"));
    sim.at(10, () => seen.push("old-2"));
    for (let round = 0; round < 6; round++) {
      sim.skipSequenceNumbersForTest(2 ** 30 - 7); // six rounds: more than 2^32 insertions in all
      sim.at(10, () => seen.push(`new-${round}`));
    }
    // The oldest handle still names its event after renumbering.
    expect(sim.cancel(old)).toBe(true);
    sim.run();
    expect(seen).toEqual(["old-2", "new-0", "new-1", "new-2", "new-3", "new-4", "new-5"]);
  });

  it("orders ties by insertion when the counter wraps past 2^31 between them", () => {
    const sim = new Simulation();
    const seen: number[] = [];
    sim.skipSequenceNumbersForTest(2 ** 31 - 2);
    for (let i = 0; i < 5; i++) sim.at(3, () => seen.push(i)); // sequences 2^31-2 .. 2^31+2 wrap to negative
    sim.run();
    expect(seen).toEqual([0, 1, 2, 3, 4]);
  });
});
