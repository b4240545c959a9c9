// Values the schema's types accept but a run cannot use: intervals of zero that would fire forever at one
// instant, bounds in the wrong order, weights that do not match their values, factors that overflow, and
// names that point at nothing. Each is refused at load with its location, so it never surfaces as a hang or
// an internal error during the run. Called from load.ts after the other cross-reference checks.
import type { Scenario } from "./schema.ts";
import type { YamlSource } from "./load-yaml.ts";
import { didYouMean, type ScenarioIssue } from "./errors.ts";
import { formatDurationUs } from "./units.ts";
import { latencyBoundIssues } from "./schema-latency.ts";

/** A slowdown beyond this is not a slow dependency but a stopped one; use a crash or pause fault instead. */
export const MAX_SLOWDOWN_FACTOR = 1e6;

export function degenerateValueIssues(s: Scenario, source: YamlSource): ScenarioIssue[] {
  const issues: ScenarioIssue[] = [];
  const refuse = (path: PropertyKey[], message: string, expected: string, hint: string): void => {
    issues.push(source.issue(path, message, { expected, hint, code: "E_SCHEMA" }));
  };
  /** An interval that schedules its own next firing: zero would repeat forever without time moving. */
  const positive = (path: PropertyKey[], value: number | undefined, what: string): void => {
    if (value !== undefined && value <= 0) {
      refuse(path, `${what} of ${formatDurationUs(value)} would repeat without simulated time moving`, "a duration greater than 0", `e.g. "1ms"; the smallest step is 1us`);
    }
  };

  distributionIssues(s, [], refuse, 0);

  s.producers.forEach((p, i) => {
    positive(["producers", i, "retryBackoff"], p.retryBackoff, "a retry backoff");
    positive(["producers", i, "retryBackoffMax"], p.retryBackoffMax, "a retry backoff cap");
  });

  const end = s.duration + s.drain;
  s.consumerGroups.forEach((g, i) => {
    const at = (...rest: PropertyKey[]) => ["consumerGroups", i, ...rest];
    positive(at("heartbeatInterval"), g.heartbeatInterval, "a heartbeat interval");
    positive(at("consumerHeartbeatInterval"), g.consumerHeartbeatInterval, "a heartbeat interval");
    positive(at("sessionTimeout"), g.sessionTimeout, "a session timeout");
    positive(at("consumerSessionTimeout"), g.consumerSessionTimeout, "a session timeout");
    positive(at("maxPollInterval"), g.maxPollInterval, "a poll interval");
    positive(at("fetchMaxWait"), g.fetchMaxWait, "a fetch wait (the pause of an empty poll)");
    positive(at("requestTimeout"), g.requestTimeout, "a request timeout (a fetch to a silent broker is retried after it)");
    if (g.commit.mode === "auto") positive(at("commit", "interval"), g.commit.interval, "an auto-commit interval");
    if (g.recovery.within !== undefined) positive(at("recovery", "within"), g.recovery.within, "a recovery bound");
    g.events.forEach((e, j) => {
      if (e.slowdown) {
        const f = e.slowdown.factor;
        if (!(f <= MAX_SLOWDOWN_FACTOR)) {
          refuse(at("events", j, "slowdown", "factor"), `a slowdown factor of ${f} makes processing times overflow`, `a factor of at most ${MAX_SLOWDOWN_FACTOR}`,
            "to stop a consumer altogether, use a pause or crash fault");
        }
        positive(at("events", j, "slowdown", "for"), e.slowdown.for, "a slowdown");
      }
      if (e.pausePartitions) positive(at("events", j, "pausePartitions", "for"), e.pausePartitions.for, "a partition pause");
    });
  });

  s.queues.forEach((q, i) => {
    if (q.kind === "rabbitmq-classic" && q.durable) positive(["queues", i, "fsyncInterval"], q.fsyncInterval, "an fsync interval");
    positive(["queues", i, "consumerTimeout"], q.consumerTimeout, "a consumer timeout check");
    if (q.redrive && !(q.redrive.rate > 0)) {
      refuse(["queues", i, "redrive", "rate"], "a redrive rate of 0/s never moves a message", "a rate above 0, e.g. \"500/s\"", "remove redrive to leave the dead letters where they are");
    }
  });
  const kindOf = new Map(s.queues.map((q) => [q.name, q.kind]));
  s.queueConsumers.forEach((c, i) => {
    const kind = kindOf.get(c.queue);
    if (kind?.startsWith("sqs") && c.waitTime === 0) positive(["queueConsumers", i, "emptyPollDelay"], c.emptyPollDelay, "a short-polling pause");
    if (c.extendVisibilityEvery > 0) positive(["queueConsumers", i, "extendVisibilityBy"], c.extendVisibilityBy, "a visibility extension");
  });

  s.faults.forEach((f, i) => {
    if (!("random" in f)) return;
    if (!(f.rate > 0)) {
      refuse(["faults", i, "rate"], "a random injector with rate 0/s never injects anything", "a rate above 0, e.g. \"1/min\"", "remove the injector to have no random faults");
    }
    const stop = f.stop ?? s.duration;
    if (f.start >= stop) {
      refuse(["faults", i, "start"], `injection starts at ${formatDurationUs(f.start)} but stops at ${formatDurationUs(stop)}`, "start before stop", "move start earlier or stop later");
    }
    if (f.latency !== undefined) positive(["faults", i, "latency"], f.latency, "a latency spike");
  });

  issues.push(...queueWaitIssues(s, source), ...scaledMemberFaultIssues(s, source, end));
  issues.push(...latencyBoundIssues(s, source));
  return issues;
}

type Refuse = (path: PropertyKey[], message: string, expected: string, hint: string) => void;

/**
 * Finds every distribution in the resolved scenario (wherever a schema put one) and checks what the types
 * cannot: uniform bounds in order, empirical weights one per value and not all zero. The resolved scenario is
 * shallow (the loader bounds nesting), so this recursion is bounded too.
 */
function distributionIssues(value: unknown, path: PropertyKey[], refuse: Refuse, depth: number): void {
  if (value === null || typeof value !== "object" || depth > 32) return;
  if (Array.isArray(value)) {
    value.forEach((v, i) => distributionIssues(v, [...path, i], refuse, depth + 1));
    return;
  }
  const o = value as Record<string, unknown>;
  const uniform = o.uniform as { min?: unknown; max?: unknown } | undefined;
  if (uniform && typeof uniform.min === "number" && typeof uniform.max === "number" && uniform.min > uniform.max) {
    refuse([...path, "uniform", "max"], `uniform max (${formatDurationUs(uniform.max)}) is below min (${formatDurationUs(uniform.min)})`, "max >= min", "swap the two bounds");
  }
  const empirical = o.empirical as { values?: unknown; weights?: unknown } | undefined;
  if (empirical && Array.isArray(empirical.values) && Array.isArray(empirical.weights)) {
    const { values, weights } = empirical as { values: unknown[]; weights: number[] };
    if (weights.length !== values.length) {
      refuse([...path, "empirical", "weights"], `${weights.length} weights for ${values.length} values`, `one weight per value (${values.length})`,
        "give each value its weight, in the same order, or drop weights to make the values equally likely");
    } else if (!weights.some((w) => w > 0)) {
      refuse([...path, "empirical", "weights"], "every weight is 0, so no value can be drawn", "at least one weight above 0", "drop weights to make the values equally likely");
    }
  }
  for (const [k, v] of Object.entries(o)) distributionIssues(v, [...path, k], refuse, depth + 1);
}

/** expect.queueWait names queues; a missing one would only fail at the end of the run. */
function queueWaitIssues(s: Scenario, source: YamlSource): ScenarioIssue[] {
  const names = new Set(s.queues.map((q) => q.name));
  const issues: ScenarioIssue[] = [];
  (s.expect.queueWait ?? []).forEach((w, i) => {
    if (names.has(w.queue)) return;
    const guess = didYouMean(w.queue, names);
    issues.push(source.issue(["expect", "queueWait", i, "queue"], `no queue named "${w.queue}"`, {
      expected: names.size ? `one of the queues declared under queues: ${[...names].join(", ")}` : "a queue declared under queues",
      found: JSON.stringify(w.queue),
      hint: guess ? `did you mean \`${guess}\`?` : "queueWait bounds a queue's mean wait; declare the queue under queues",
      code: "E_REFERENCE",
    }));
  });
  return issues;
}

/**
 * Members added by `scale` events exist from that event on: a fault may name them only from then. (Members
 * are numbered in the order they were created, so scaling in and out again creates new names.)
 */
export function memberJoinTimes(s: Scenario): Map<string, number> {
  const joins = new Map<string, number>();
  for (const g of s.consumerGroups) {
    for (let i = 0; i < g.members; i++) joins.set(`${g.name}-${i}`, 0);
    let created = g.members;
    let live = g.members;
    const scales = g.events.map((e, j) => ({ e, j })).filter(({ e }) => e.scale !== undefined)
      .sort((a, b) => a.e.at - b.e.at || a.j - b.j);
    for (const { e } of scales) {
      const target = e.scale!;
      for (; live < target; live++, created++) joins.set(`${g.name}-${created}`, e.at);
      live = target;
    }
  }
  return joins;
}

function scaledMemberFaultIssues(s: Scenario, source: YamlSource, end: number): ScenarioIssue[] {
  const joins = memberJoinTimes(s);
  const issues: ScenarioIssue[] = [];
  s.faults.forEach((f, i) => {
    const name = "crash" in f ? f.crash : "restart" in f ? f.restart : "pause" in f ? f.pause : undefined;
    const key = "crash" in f ? "crash" : "restart" in f ? "restart" : "pause";
    const joinAt = name === undefined ? undefined : joins.get(name);
    if (!("random" in f) && joinAt !== undefined && joinAt > 0 && f.at < joinAt && f.at < end) {
      issues.push(source.issue(["faults", i, key], `${name} joins its group at ${formatDurationUs(joinAt)} (a scale event); this fault is at ${formatDurationUs(f.at)}, before it exists`, {
        expected: `a time at or after ${formatDurationUs(joinAt)}`,
        hint: "move the fault after the scale event, or name a member that exists from the start",
        code: "E_REFERENCE",
      }));
    }
    if ("random" in f) {
      f.targets.forEach((t, j) => {
        const at = joins.get(t);
        if (at !== undefined && at > f.start) {
          issues.push(source.issue(["faults", i, "targets", j], `${t} joins its group at ${formatDurationUs(at)} (a scale event), after injection starts at ${formatDurationUs(f.start)}`, {
            hint: `set start: ${formatDurationUs(at)} or later, or pick members that exist from the start`,
            code: "E_REFERENCE",
          }));
        }
      });
    }
  });
  return issues;
}
