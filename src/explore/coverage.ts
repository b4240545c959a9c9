// Coverage goals: situations a sweep should reach at least once ("a retry after an unknown outcome", "lag
// above 10,000"), so a green sweep also says the interesting cases were exercised, not just that nothing broke.
// A scenario lists them under `coverage:`, as a name or as `{ name: parameter }`:
//   coverage:
//     - produce-retry
//     - { lag-above: 5000 }
//     - { latency-above: 2s }
//     - { op: leader-change }        # any history op by its OP_NAMES name, for families that add ops
// Detectors are pure functions of the History (like checkers) and are registered by name, so a model
// family adds its own (rebalance-during-commit, dlq, ...) with registerCoverageDetector, no change here.
import { History, Op, OP_NAMES } from "../history/history.ts";
import type { Scenario } from "../scenario/schema.ts";
import { groupsByTopic } from "../checkers/verdict.ts";
import { parseDurationUs, formatDurationUs } from "../scenario/units.ts";
import type { YamlSource } from "../scenario/load-yaml.ts";
import type { ScenarioIssue } from "../scenario/errors.ts";
import { didYouMean } from "../scenario/errors.ts";

export interface CoverageDetector<P = unknown> {
  /** One line for `--help`-style listings and the report. */
  describe: string;
  /** Parses the parameter as written; undefined when the goal takes none. Throws Error with a readable message. */
  parse?: (raw: unknown) => P;
  /** Shows the parsed parameter in labels ("lag-above 5000"). */
  show?: (param: P) => string;
  detect: (history: History, param: P, scenario: Scenario) => boolean;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const DETECTORS = new Map<string, CoverageDetector<any>>();

export function registerCoverageDetector<P>(name: string, detector: CoverageDetector<P>): void {
  if (DETECTORS.has(name)) throw new Error(`coverage detector "${name}" registered twice`);
  DETECTORS.set(name, detector);
}

export function coverageDetectorNames(): string[] {
  return [...DETECTORS.keys()].sort();
}

/** A goal from the scenario, resolved against the registry. */
export interface CoverageGoal {
  /** As shown in reports: the name, then the parameter if any. */
  label: string;
  name: string;
  param: unknown;
}

/** Splits `name` / `{ name: param }` as written in the scenario. */
function splitEntry(entry: unknown): { name: string; raw: unknown; hasParam: boolean } | undefined {
  if (typeof entry === "string") return { name: entry, raw: undefined, hasParam: false };
  if (entry !== null && typeof entry === "object" && !Array.isArray(entry)) {
    const keys = Object.keys(entry);
    if (keys.length === 1) return { name: keys[0]!, raw: (entry as Record<string, unknown>)[keys[0]!], hasParam: true };
  }
  return undefined;
}

/** Throws an Error with a readable message for a goal that is not well formed; load.ts locates it. */
export function resolveCoverageGoal(entry: unknown): CoverageGoal {
  const split = splitEntry(entry);
  if (!split) throw new Error("a coverage goal is a name, or a mapping with one key: { name: parameter }");
  const detector = DETECTORS.get(split.name);
  if (!detector) {
    const guess = didYouMean(split.name, DETECTORS.keys());
    throw new Error(`no coverage situation named "${split.name}"${guess ? ` (did you mean "${guess}"?)` : ""}; known: ${coverageDetectorNames().join(", ")}`);
  }
  if (!detector.parse) {
    if (split.hasParam) throw new Error(`"${split.name}" takes no parameter; write it as a plain name`);
    return { label: split.name, name: split.name, param: undefined };
  }
  if (!split.hasParam) throw new Error(`"${split.name}" needs a parameter: { ${split.name}: ... } (${detector.describe})`);
  const param = detector.parse(split.raw);
  return { label: `${split.name} ${detector.show ? detector.show(param) : String(split.raw)}`, name: split.name, param };
}

/** Cross-reference check for load.ts: every `coverage` entry names a known situation with a valid parameter. */
export function coverageIssues(entries: readonly unknown[], source: YamlSource): ScenarioIssue[] {
  const issues: ScenarioIssue[] = [];
  entries.forEach((entry, i) => {
    try {
      resolveCoverageGoal(entry);
    } catch (err) {
      issues.push(source.issue(["coverage", i], (err as Error).message, {
        expected: "a situation name, or { name: parameter }", hint: `situations: ${coverageDetectorNames().join(", ")}`, code: "E_SCHEMA",
      }));
    }
  });
  return issues;
}

/** Labels of the goals this run reached, in the scenario's order. */
export function reachedGoals(goals: readonly CoverageGoal[], history: History, scenario: Scenario): string[] {
  return goals.filter((g) => DETECTORS.get(g.name)!.detect(history, g.param, scenario)).map((g) => g.label);
}

// ---------- detectors for what the history records today ----------

function hasOp(history: History, op: number): boolean {
  for (let i = 0; i < history.opCount; i++) if (history.opKind[i] === op) return true;
  return false;
}

/** Some message reached `op` at least twice within one actor group (aux), e.g. processed twice by a group. */
function repeatedPerGroup(history: History, op: number): boolean {
  const seen = new Set<number>();
  for (let i = 0; i < history.opCount; i++) {
    if (history.opKind[i] !== op || history.opMsg[i] < 0) continue;
    const k = history.opMsg[i] * 2 ** 21 + (history.opAux[i] + 1);
    if (seen.has(k)) return true;
    seen.add(k);
  }
  return false;
}

function parseCount(raw: unknown): number {
  if (typeof raw !== "number" || !Number.isInteger(raw) || raw < 0) throw new Error(`expected a whole number >= 0, found ${JSON.stringify(raw)}`);
  return raw;
}

function parseDuration(raw: unknown): number {
  if (typeof raw !== "string" && typeof raw !== "number") throw new Error(`expected a duration like "500ms", found ${JSON.stringify(raw)}`);
  return parseDurationUs(raw);
}

registerCoverageDetector("processed-twice", {
  describe: "a message was processed more than once by the same consumer group",
  detect: (h) => repeatedPerGroup(h, Op.ProcessEnd),
});

registerCoverageDetector("redelivered", {
  describe: "a message was delivered more than once to the same consumer group",
  detect: (h) => repeatedPerGroup(h, Op.Deliver),
});

/** Is row i a (re-)send of its message: a second produce-attempt, or a family's own retry op? */
function resendDetector(h: History): (i: number) => boolean {
  const retryOps = opCodes(["produce-retry"]);
  const attempted = new Uint8Array(h.messageCount);
  return (i) => {
    const kind = h.opKind[i]!;
    const m = h.opMsg[i]!;
    if (m < 0 || m >= h.messageCount) return false;
    if (retryOps.has(kind)) return true;
    if (kind !== Op.ProduceAttempt) return false;
    if (attempted[m]) return true;
    attempted[m] = 1;
    return false;
  };
}

registerCoverageDetector("produce-retry", {
  describe: "a producer sent the same message more than once",
  detect: (h) => {
    const isResend = resendDetector(h);
    for (let i = 0; i < h.opCount; i++) if (isResend(i)) return true;
    return false;
  },
});

registerCoverageDetector("retry-after-unknown", {
  describe: "a producer re-sent a message whose previous send had an unknown outcome",
  detect: (h) => {
    const isResend = resendDetector(h);
    const unknown = new Uint8Array(h.messageCount);
    for (let i = 0; i < h.opCount; i++) {
      const m = h.opMsg[i]!;
      if (h.opKind[i] === Op.ProduceUnknown && m >= 0) unknown[m] = 1;
      else if (isResend(i) && unknown[m]) return true;
    }
    return false;
  },
});

registerCoverageDetector("produce-fail", { describe: "a send ended in a definite failure", detect: (h) => hasOp(h, Op.ProduceFail) });
registerCoverageDetector("produce-unknown", { describe: "a send ended with an unknown outcome", detect: (h) => hasOp(h, Op.ProduceUnknown) });

registerCoverageDetector<number>("latency-above", {
  describe: "some message took longer than this from send to the end of its first processing",
  parse: parseDuration,
  show: formatDurationUs,
  detect: (h, boundUs) => {
    const done = new Uint8Array(h.messageCount);
    for (let i = 0; i < h.opCount; i++) {
      if (h.opKind[i] !== Op.ProcessEnd) continue;
      const m = h.opMsg[i];
      if (done[m]) continue;
      done[m] = 1;
      if (h.opTimeUs[i] - h.msgCreatedUs[m] > boundUs) return true;
    }
    return false;
  },
});

registerCoverageDetector<number>("lag-above", {
  describe: "some consumer group was more than this many records behind (appended, not yet committed)",
  parse: parseCount,
  show: String,
  detect: (h, threshold, scenario) => {
    const subscribers = groupsByTopic(h, scenario);
    const logEnd = new Map<number, number>(); // topic * 2^20 + partition → log end offset
    const committed = new Map<number, number>(); // group * 2^20 + partition → committed offset
    const lag = new Map<number, number>(); // group → records behind
    for (let i = 0; i < h.opCount; i++) {
      const kind = h.opKind[i];
      const p = h.opPartition[i];
      if (kind === Op.Append) {
        const topic = h.opActor[i];
        const k = topic * 2 ** 20 + p;
        const before = logEnd.get(k) ?? 0;
        const after = Math.max(before, h.opOffset[i] + 1);
        logEnd.set(k, after);
        for (const { group } of subscribers.get(topic) ?? []) {
          const l = (lag.get(group) ?? 0) + after - before;
          lag.set(group, l);
          if (l > threshold) return true;
        }
      } else if (kind === Op.Commit) {
        const group = h.opAux[i];
        const k = group * 2 ** 20 + p;
        const before = committed.get(k) ?? 0;
        const after = Math.max(before, h.opOffset[i]);
        committed.set(k, after);
        lag.set(group, (lag.get(group) ?? 0) - (after - before));
      }
    }
    return false;
  },
});

registerCoverageDetector<number>("op", {
  describe: "an operation of this kind appears in the history (any name in the op log, e.g. commit)",
  parse: (raw) => {
    const entry = Object.entries(OP_NAMES).find(([, name]) => name === raw);
    if (!entry) {
      const guess = typeof raw === "string" ? didYouMean(raw, Object.values(OP_NAMES)) : undefined;
      throw new Error(`no history op named ${JSON.stringify(raw)}${guess ? ` (did you mean "${guess}"?)` : ""}; ops: ${Object.values(OP_NAMES).join(", ")}`);
    }
    return Number(entry[0]);
  },
  show: (op) => OP_NAMES[op] ?? String(op),
  detect: (h, op) => hasOp(h, op),
});

// Situations other families record as ops, named by what a person looks for. They are looked up by op name
// when a sweep runs, so this file needs no change when a family adds or renumbers its ops; while no family
// records them, they are simply never reached (and the sweep says so).
function opCodes(names: readonly string[]): Set<number> {
  return new Set(Object.entries(OP_NAMES).filter(([, n]) => names.includes(n)).map(([code]) => Number(code)));
}

function registerOpSituation(name: string, describe: string, opNames: readonly string[]): void {
  registerCoverageDetector(name, {
    describe: `${describe} (history ops: ${opNames.join(", ")})`,
    detect: (h) => {
      const codes = opCodes(opNames);
      for (let i = 0; i < h.opCount; i++) if (codes.has(h.opKind[i]!)) return true;
      return false;
    },
  });
}

registerOpSituation("leader-change", "a partition got a new leader", ["leader-election", "unclean-leader-election"]);
registerOpSituation("rebalance", "a consumer group rebalanced", ["rebalance-start"]);
registerOpSituation("rebalance-during-commit", "a commit was refused because the group had rebalanced meanwhile", ["commit-rejected"]);
registerOpSituation("dlq", "a message was moved to a dead-letter queue", ["queue-dead-letter"]);
