// The flow of a scenario with publishing services, as a graph for the report's first picture: services (with
// their database), the relay or CDC connector that publishes their outbox, the topics, the consumer groups that
// read them and the dead-letter topics they write to. Each edge carries what crossed it over the run, counted
// from the history: commits, events published (re-emissions included), records delivered and handled, records
// dead-lettered. Computed once in the runner and stored in result.json, so the report needs no history.
import { Op, type History } from "../history/history.ts";
import { publishingServices, type Scenario } from "../scenario/schema.ts";
import { eventTopicOf } from "../scenario/schema-publish.ts";
import { groupTopics } from "../scenario/group-topics.ts";

export type FlowNodeKind = "service" | "relay" | "topic" | "group" | "dlt";

export interface FlowNode {
  id: string;
  kind: FlowNodeKind;
  label: string;
  /** A second line: partitions, members, the strategy. */
  detail: string;
}

export interface FlowEdge {
  from: string;
  to: string;
  /** What crossed the edge over the run. */
  count: number;
  /** count / simulated seconds. */
  perS: number;
  /** What the count counts ("commits", "events", "handled"...), with extra counts ("412 re-emitted"). */
  label: string;
}

export interface FlowGraph {
  nodes: FlowNode[];
  edges: FlowEdge[];
}

const RELAY_LABEL: Record<string, string> = { "outbox-cdc": "CDC connector", "outbox-polling": "polling relay" };

/** The flow graph, or undefined when the scenario has no publishing service. */
export function flowGraph(h: History, s: Scenario, simulatedUs: number): FlowGraph | undefined {
  const services = publishingServices(s);
  if (services.length === 0) return undefined;
  const seconds = Math.max(simulatedUs / 1e6, 1e-6);
  const per = (n: number) => Math.round((n / seconds) * 10) / 10;
  const nodes: FlowNode[] = [];
  const edges: FlowEdge[] = [];
  const node = (n: FlowNode) => {
    if (!nodes.some((x) => x.id === n.id)) nodes.push(n);
  };
  const edge = (from: string, to: string, count: number, label: string) => edges.push({ from, to, count, perS: per(count), label });

  // One pass: counts per actor.
  const commits = new Map<number, number>();
  const reads = new Map<number, number>();
  const appends = new Map<number, number>();
  const appendedMsg = new Map<number, Set<number>>();
  const delivered = new Map<number, number>();
  const handled = new Map<number, number>();
  const memberOwner = new Map<number, number>();
  const dead = new Map<string, number>();
  const bump = (m: Map<number, number>, k: number) => m.set(k, (m.get(k) ?? 0) + 1);
  for (let i = 0; i < h.opCount; i++) {
    const k = h.opKind[i];
    if (k === Op.DbCommit) bump(commits, h.opActor[i]);
    else if (k === Op.RelayRead) bump(reads, h.opActor[i]);
    else if (k === Op.Append) {
      bump(appends, h.opActor[i]);
      let set = appendedMsg.get(h.opActor[i]);
      if (set === undefined) appendedMsg.set(h.opActor[i], (set = new Set()));
      set.add(h.opMsg[i]);
    } else if (k === Op.Deliver) {
      bump(delivered, h.opAux[i]);
      memberOwner.set(h.opActor[i], h.opAux[i]);
    } else if (k === Op.AppHandlerDone) bump(handled, h.opAux[i]);
    else if (k === Op.AppDeadLetter) {
      const owner = memberOwner.get(h.opActor[i]);
      if (owner === undefined) continue;
      const key = `${owner}>${h.opAux[i]}`;
      dead.set(key, (dead.get(key) ?? 0) + 1);
    }
  }
  const actor = (name: string) => h.actorId(name) ?? -1;

  const topicNames = new Set<string>();
  for (const svc of services) {
    const topic = eventTopicOf(svc);
    topicNames.add(topic);
    const strategy = svc.publish.strategy;
    const svcActor = actor(svc.name);
    node({ id: `service:${svc.name}`, kind: "service", label: svc.name, detail: `database · ${strategy}` });
    node({ id: `topic:${topic}`, kind: "topic", label: topic, detail: "" });
    const committed = commits.get(svcActor) ?? 0;
    const tActor = actor(topic);
    const published = appends.get(tActor) ?? 0;
    const distinct = appendedMsg.get(tActor)?.size ?? 0;
    const again = published - distinct;
    const publishedLabel = again > 0 ? `appended (${again} again)` : "appended";
    const relay = RELAY_LABEL[strategy];
    if (relay !== undefined) {
      const relayName = strategy === "outbox-cdc" ? `${svc.name}-connector` : `${svc.name}-relay`;
      node({ id: `relay:${relayName}`, kind: "relay", label: relayName, detail: relay });
      edge(`service:${svc.name}`, `relay:${relayName}`, committed, "rows committed");
      edge(`relay:${relayName}`, `topic:${topic}`, published, publishedLabel);
    } else edge(`service:${svc.name}`, `topic:${topic}`, published, publishedLabel);
  }
  for (const t of s.topics) if (topicNames.has(t.name)) {
    const n = nodes.find((x) => x.id === `topic:${t.name}`)!;
    n.detail = `${t.partitions} partitions · RF ${t.replicationFactor}`;
  }
  for (const g of s.consumerGroups) {
    const topics = groupTopics(g).filter((t) => topicNames.has(t));
    if (topics.length === 0) continue;
    const gActor = actor(g.name);
    const steps = (g.handler ?? []).map((st) => Object.keys(st)[0]).filter((k) => k !== "process").join(" → ");
    node({ id: `group:${g.name}`, kind: "group", label: g.name, detail: `${g.members} member${g.members === 1 ? "" : "s"}${steps ? ` · ${steps}` : ""}` });
    const done = handled.get(gActor);
    for (const t of topics) {
      edge(`topic:${t}`, `group:${g.name}`, done ?? delivered.get(gActor) ?? 0, done !== undefined ? `handled, of ${delivered.get(gActor) ?? 0} delivered` : "delivered");
    }
    for (const [key, n] of dead) {
      const [owner, dlt] = key.split(">").map(Number);
      if (owner !== gActor) continue;
      const name = h.actorNames[dlt];
      node({ id: `dlt:${name}`, kind: "dlt", label: name, detail: "dead-letter topic" });
      edge(`group:${g.name}`, `dlt:${name}`, n, "dead-lettered");
    }
  }
  return { nodes, edges };
}

/** `{ flow }` for the run's metrics, or nothing. */
export function flowMetrics(h: History, s: Scenario, simulatedUs: number): { flow?: FlowGraph } {
  const flow = flowGraph(h, s, simulatedUs);
  return flow ? { flow } : {};
}
