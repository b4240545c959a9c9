// Shrinking a failing scenario to a minimal one that still fails the same way (delta debugging, Zeller's
// ddmin, over the scenario as written). It works on the plain data of the YAML document, not on a typed
// Scenario, so lists and knobs other model families add shrink without changes here:
//   - every list (faults, producers, schedule steps, groups, topics...) loses entries, in halves, then quarters...
//   - knobs named in SHRINK_KNOBS (duration, maxMessages, keys.count, partitions, members...) get smaller
//     by binary search, in the unit they are written in ("30s" → "4s")
//   - list entries are weakened by the rules in WEAKENINGS (a crash becomes a pause; removal then makes it nothing)
// A candidate counts only if it is a valid scenario AND the same expectation is still unmet; the probe decides.

export type ScenarioData = Record<string, unknown>;
export type ProbeOutcome = "fails" | "passes" | "invalid";
/** Runs (or rejects) a candidate: "fails" means the target expectation is still unmet. */
export type Probe = (data: ScenarioData) => ProbeOutcome;

/** Numeric knobs worth making smaller, by key name (anywhere in the document), with their smallest value. */
export const SHRINK_KNOBS = new Map<string, number>([
  ["duration", 1],
  ["maxMessages", 1],
  ["count", 1],
  ["partitions", 1],
  ["members", 1],
  ["brokers", 1],
  ["replicationFactor", 1],
  ["consumers", 1],
  ["concurrency", 1],
]);

/** Keys never touched: identity, documentation, what must hold, and the seed. */
export const SHRINK_FROZEN = new Set(["name", "description", "seed", "expect", "coverage"]);

/** A weakening turns one list entry into a milder one, or returns undefined when it does not apply. */
export interface Weakening {
  describe: string;
  apply: (entry: Record<string, unknown>) => Record<string, unknown> | undefined;
}

export const WEAKENINGS: Weakening[] = [
  {
    describe: "crash → pause",
    apply: (e) => {
      if (!("crash" in e)) return undefined;
      const { crash, loseUnflushed: _lose, for: span, ...rest } = e;
      return { ...rest, pause: crash, for: span ?? "1s" };
    },
  },
];

export interface ShrinkOptions {
  /** Stop after this many probe calls that ran a simulation. Default 200. */
  maxRuns?: number;
}

export interface ShrinkResult {
  data: ScenarioData;
  /** Probes that ran a simulation (invalid candidates are rejected before running). */
  runs: number;
  rejected: number;
  /** What was removed or reduced, one line each, in the order it happened. */
  changes: string[];
  /** True when the run budget ran out before a fixed point. */
  exhausted: boolean;
}

type Path = (string | number)[];

function getAt(data: unknown, path: Path): unknown {
  let cur = data;
  for (const k of path) cur = (cur as Record<string | number, unknown>)?.[k];
  return cur;
}

/** A copy of data with the value at path replaced (structural sharing is fine: nothing mutates). */
function setAt(data: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  const [k, ...rest] = path;
  if (Array.isArray(data)) {
    const copy = [...data];
    copy[k as number] = setAt(data[k as number], rest, value);
    return copy;
  }
  const obj = data as Record<string, unknown>;
  return { ...obj, [k!]: setAt(obj[k as string], rest, value) };
}

function show(path: Path): string {
  return path.map((k, i) => (typeof k === "number" ? `[${k}]` : i === 0 ? k : `.${k}`)).join("");
}

/** Every array and every knob in the document, outside the frozen keys, in document order. */
function walk(data: unknown, path: Path, arrays: Path[], knobs: Path[]): void {
  if (Array.isArray(data)) {
    arrays.push(path);
    data.forEach((v, i) => walk(v, [...path, i], arrays, knobs));
  } else if (data !== null && typeof data === "object") {
    for (const [k, v] of Object.entries(data)) {
      if (path.length === 0 && SHRINK_FROZEN.has(k)) continue;
      if (SHRINK_KNOBS.has(k) && (typeof v === "number" || typeof v === "string")) knobs.push([...path, k]);
      walk(v, [...path, k], arrays, knobs);
    }
  }
}

const MANTISSA = /^\s*(\d+)\s*([^\d\s.].*)?$/;

export function shrink(initial: ScenarioData, probe: Probe, opts: ShrinkOptions = {}): ShrinkResult {
  const maxRuns = opts.maxRuns ?? 200;
  let data = initial;
  let runs = 0;
  let rejected = 0;
  const changes: string[] = [];
  const budgetLeft = () => runs < maxRuns;
  /** True if the candidate still fails; then it becomes the current scenario. */
  const attempt = (candidate: unknown): boolean => {
    if (!budgetLeft()) return false;
    const outcome = probe(candidate as ScenarioData);
    if (outcome === "invalid") {
      rejected++;
      return false;
    }
    runs++;
    if (outcome !== "fails") return false;
    data = candidate as ScenarioData;
    return true;
  };

  const shrinkList = (path: Path): boolean => {
    const original = getAt(data, path) as unknown[];
    if (original.length === 0) return false;
    if (attempt(setAt(data, path, []))) {
      changes.push(`${show(path)}: removed all ${original.length} entries`);
      return true;
    }
    let n = 2;
    let progressed = false;
    while (budgetLeft()) {
      const list = getAt(data, path) as unknown[];
      if (list.length < 2) break;
      const size = Math.ceil(list.length / n);
      let reduced = false;
      for (let start = 0; start < list.length; start += size) {
        const candidate = [...list.slice(0, start), ...list.slice(start + size)];
        if (attempt(setAt(data, path, candidate))) {
          reduced = progressed = true;
          n = Math.max(n - 1, 2);
          break;
        }
      }
      if (!reduced) {
        if (n >= list.length) break;
        n = Math.min(list.length, n * 2);
      }
    }
    const left = (getAt(data, path) as unknown[]).length;
    if (progressed) changes.push(`${show(path)}: ${original.length} → ${left} entries`);
    return progressed;
  };

  const weaken = (path: Path): boolean => {
    let progressed = false;
    const list = getAt(data, path) as unknown[];
    list.forEach((entry, i) => {
      if (entry === null || typeof entry !== "object" || Array.isArray(entry)) return;
      for (const w of WEAKENINGS) {
        const milder = w.apply(entry as Record<string, unknown>);
        if (milder && attempt(setAt(data, [...path, i], milder))) {
          changes.push(`${show([...path, i])}: ${w.describe}`);
          progressed = true;
          return;
        }
      }
    });
    return progressed;
  };

  const shrinkKnob = (path: Path): boolean => {
    const raw = getAt(data, path);
    const key = path[path.length - 1] as string;
    const floor = SHRINK_KNOBS.get(key) ?? 1;
    let m: number;
    let unit = "";
    if (typeof raw === "number") {
      if (!Number.isInteger(raw)) return false;
      m = raw;
    } else {
      const match = MANTISSA.exec(String(raw));
      if (!match) return false;
      m = Number(match[1]);
      unit = match[2] ?? "";
    }
    const write = (v: number): unknown => (typeof raw === "number" ? v : `${v}${unit}`);
    if (m <= floor) return false;
    // Binary search for the smallest value that still fails, assuming smaller values fail less often.
    let failing = m;
    if (attempt(setAt(data, path, write(floor)))) failing = floor;
    else {
      let passing = floor;
      while (failing - passing > 1 && budgetLeft()) {
        const mid = Math.floor((failing + passing) / 2);
        if (attempt(setAt(data, path, write(mid)))) failing = mid;
        else passing = mid;
      }
    }
    if (failing === m) return false;
    changes.push(`${show(path)}: ${String(raw)} → ${String(write(failing))}`);
    return true;
  };

  // Repeat the passes until none of them makes progress: removing a fault can make a knob shrinkable.
  for (let progressed = true; progressed && budgetLeft(); ) {
    progressed = false;
    const arrays: Path[] = [];
    walk(data, [], arrays, []);
    for (const p of arrays) if (Array.isArray(getAt(data, p)) && shrinkList(p)) progressed = true;
    const again: Path[] = [];
    walk(data, [], again, []);
    for (const p of again) if (Array.isArray(getAt(data, p)) && weaken(p)) progressed = true;
    const knobs: Path[] = [];
    walk(data, [], [], knobs);
    for (const p of knobs) if (getAt(data, p) !== undefined && shrinkKnob(p)) progressed = true;
  }
  return { data, runs, rejected, changes, exhausted: !budgetLeft() };
}
