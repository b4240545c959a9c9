// Cross-reference checks for the application layer: services and stores a handler, fault or expectation names
// must exist; an atomic dedup needs the effect in the same store after it; redrive names a dead-letter topic of a
// group that has a handler; service and store names must not clash with other names.
import { zProducer, type Scenario } from "./schema.ts";
import type { YamlSource } from "./load-yaml.ts";
import { didYouMean, type ScenarioIssue } from "./errors.ts";
import { groupTopics } from "./group-topics.ts";
import { isQueueRedrive, queueAppIssues, queueRedriveIssues } from "./check-app-queues.ts";

export function appReferenceIssues(s: Scenario, source: YamlSource): ScenarioIssue[] {
  const issues: ScenarioIssue[] = [];
  const services = new Set(s.services.filter((x) => x.publish === undefined).map((x) => x.name));
  const stores = new Set(s.stores.map((x) => x.name));
  const ref = (path: PropertyKey[], name: string, set: Set<string>, what: string, example: string): void => {
    if (set.has(name)) return;
    const guess = didYouMean(name, set);
    issues.push(
      source.issue(path, `no ${what} named "${name}"`, {
        expected: set.size > 0 ? `one of the ${what}s: ${[...set].join(", ")}` : `a ${what} declared at the top level`,
        found: JSON.stringify(name),
        hint: guess ? `did you mean \`${guess}\`?` : `declare it, e.g. ${example}`,
        code: "E_REFERENCE",
      }),
    );
  };
  const svcRef = (path: PropertyKey[], name: string) => ref(path, name, services, "service", `services: [{ name: ${name}, servers: 8, serviceTime: 10ms }]`);
  const storeRef = (path: PropertyKey[], name: string) => ref(path, name, stores, "store", `stores: [{ name: ${name}, commitLatency: 2ms }]`);

  const seen = new Map<string, string>();
  for (const [kind, list] of [["topics", s.topics], ["producers", s.producers], ["consumerGroups", s.consumerGroups], ["queues", s.queues]] as const) for (const x of list) seen.set(x.name, kind);
  for (const [kind, list] of [["services", s.services], ["stores", s.stores]] as const) {
    list.forEach((x, i) => {
      const prev = seen.get(x.name);
      if (prev !== undefined) issues.push(source.issue([kind, i, "name"], `the name "${x.name}" is already used under ${prev}`, { hint: "give every service and store its own name", code: "E_REFERENCE" }));
      seen.set(x.name, kind);
    });
  }

  const topicNames = new Set(s.topics.map((t) => t.name));
  const handlers: [PropertyKey[], NonNullable<Scenario["consumerGroups"][number]["handler"]>][] = [];
  s.consumerGroups.forEach((g, gi) => g.handler && handlers.push([["consumerGroups", gi, "handler"], g.handler]));
  s.queueConsumers.forEach((c, ci) => c.handler && handlers.push([["queueConsumers", ci, "handler"], c.handler]));
  for (const [base, steps] of handlers) {
    steps.forEach((st, j) => {
      const at = (...p: PropertyKey[]): PropertyKey[] => [...base, j, ...p];
      if ("produce" in st) {
        if (base[0] === "queueConsumers") {
          issues.push(source.issue(at("produce"), "a produce step writes to a Kafka topic through a consumer group member's producer; queue consumers have none", { hint: "move the pipeline stage to a consumer group", code: "E_SCHEMA" }));
        }
        ref(at("produce", "topic"), st.produce.topic, topicNames, "topic", `topics: [{ name: ${st.produce.topic}, partitions: 6 }]`);
        const parsed = zProducer.safeParse({ ...st.produce.producer, name: "p", topic: st.produce.topic, rate: "0/s" });
        for (const e of parsed.success ? [] : parsed.error.issues) {
          const field = e.path.length > 0 ? e.path : [];
          const known = field.length > 0 && !["name", "topic", "rate"].includes(String(field[0]));
          issues.push(
            source.issue(known ? at("produce", "producer", ...field) : at("produce", "producer"), `producer setting: ${e.message}`, {
              expected: "the settings of a `producers:` entry (acks, enableIdempotence, lingerMs, batchSize, retries, deliveryTimeout, ...)",
              hint: "see producers in the scenario reference; name, topic and rate are set by the step",
              code: "E_SCHEMA",
            }),
          );
        }
      } else if ("call" in st) {
        svcRef(at("call", "service"), st.call.service);
        const r = st.call.retry;
        if (r && r.cap < r.base) issues.push(source.issue(at("call", "retry", "cap"), "the back-off cap is below its base", { hint: "make cap at least base", code: "E_SCHEMA" }));
      } else if ("effect" in st) storeRef(at("effect", "store"), st.effect.store);
      else if ("dedup" in st) {
        const d = st.dedup;
        if (d.store !== "memory") storeRef(at("dedup", "store"), d.store);
        if (d.atomic) {
          if (d.store === "memory") {
            issues.push(source.issue(at("dedup", "atomic"), "an atomic dedup needs a store shared with the effect, not memory", { hint: "name a `stores:` entry, the one the effect step writes to", code: "E_SCHEMA" }));
          } else if (!steps.slice(j + 1).some((x) => "effect" in x && x.effect.store === d.store)) {
            issues.push(
              source.issue(at("dedup", "atomic"), `atomic: true needs an effect step on store ${d.store} after this dedup step`, {
                hint: `add - effect: { store: ${d.store} } after it, or set atomic: false (check, then act)`,
                code: "E_SCHEMA",
              }),
            );
          }
        }
      } else if ("fail" in st && st.fail.window && st.fail.window.to <= st.fail.window.from) {
        issues.push(source.issue(at("fail", "window", "to"), "the window ends before it starts", { hint: "make to later than from", code: "E_SCHEMA" }));
      }
    });
  }
  s.consumerGroups.forEach((g, gi) => {
    if (g.errorHandling !== undefined && g.handler === undefined) {
      issues.push(source.issue(["consumerGroups", gi, "errorHandling"], "errorHandling needs a handler: it decides what happens when the handler fails", { hint: "add handler: [ ... ] to the group", code: "E_SCHEMA" }));
    }
  });

  const dlts = new Set<string>();
  for (const g of s.consumerGroups) if (g.handler) for (const t of groupTopics(g)) dlts.add(`${t}.DLT`).add(`${t}-dlt`);
  s.faults.forEach((f, i) => {
    if ("outage" in f) svcRef(["faults", i, "outage"], f.outage);
    else if ("brownout" in f) svcRef(["faults", i, "brownout", "service"], f.brownout.service);
    else if ("slowdown" in f) svcRef(["faults", i, "slowdown", "service"], f.slowdown.service);
    else if ("random" in f && (f.random === "outage" || f.random === "brownout")) f.targets.forEach((n, ni) => svcRef(["faults", i, "targets", ni], n));
    else if ("redrive" in f && isQueueRedrive(s, f.redrive.from)) issues.push(...queueRedriveIssues(s, source, i));
    else if ("redrive" in f) {
      ref(["faults", i, "redrive", "from"], f.redrive.from, dlts, "dead-letter topic", "a group with a handler: its topic's <topic>.DLT or <topic>-dlt");
      const from = f.redrive.from.replace(/(\.DLT|-dlt)$/, "");
      if (f.redrive.to !== from) issues.push(source.issue(["faults", i, "redrive", "to"], `records of ${f.redrive.from} go back to ${from}`, { expected: JSON.stringify(from), found: JSON.stringify(f.redrive.to), code: "E_REFERENCE" }));
    }
  });
  for (const name of Object.keys(s.expect.downstream ?? {})) svcRef(["expect", "downstream", name], name);
  const groupNames = new Set(s.consumerGroups.map((g) => g.name));
  for (const name of Object.keys(s.expect.rebalancePause ?? {})) ref(["expect", "rebalancePause", name], name, groupNames, "consumer group", `consumerGroups: [{ name: ${name}, topic: orders }]`);
  s.consumerGroups.forEach((g, gi) => {
    const p = g.processing;
    const at = (...rest: PropertyKey[]): PropertyKey[] => ["consumerGroups", gi, "processing", ...rest];
    if (p.maxInFlight !== undefined && p.maxInFlight < p.concurrency) {
      issues.push(source.issue(at("maxInFlight"), `maxInFlight ${p.maxInFlight} is below the concurrency ${p.concurrency}: the workers could never all be busy`, { expected: `at least ${p.concurrency}`, hint: `e.g. maxInFlight: ${2 * p.concurrency}`, code: "E_SCHEMA" }));
    }
    if (p.batch !== undefined && (p.concurrency > 1 || p.handoff === "async" || g.handler !== undefined)) {
      issues.push(
        source.issue(at("batch"), "batch processing runs each poll's records together in the poll loop; it cannot be combined with concurrency, handoff: async or a per-record handler", {
          expected: "batch alone",
          hint: "drop batch, or drop concurrency / handoff: async / handler",
          code: "E_SCHEMA",
        }),
      );
    }
    if (p.concurrency <= 1) return;
    if (p.handoff === "async") {
      issues.push(source.issue(at("handoff"), "handoff: async and concurrency > 1 are two designs of the worker pool; pick one", { expected: "handoff: inline (the default) with concurrency", hint: "drop handoff: async, or set concurrency: 1", code: "E_SCHEMA" }));
    }
    if ((g as { transactional?: unknown }).transactional) {
      issues.push(source.issue(at("concurrency"), "a transactional (read-process-write) group processes each poll batch in one transaction, one record after another", { expected: "concurrency: 1", hint: "drop concurrency, or the group's transactional setting", code: "E_SCHEMA" }));
    }
  });
  issues.push(...queueAppIssues(s, source));
  return issues;
}
