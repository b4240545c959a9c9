// A pre-run estimate of what a scenario costs: kernel events and memory, from the resolved scenario alone.
// A run's cost is driven by a handful of products: messages (rate × duration, capped by maxMessages) times
// the work each message causes (groups that read it, replicas that copy it), and timers that fire whatever
// the load (members × heartbeat and idle-poll frequencies, follower fetches per partition replica, broker
// heartbeats, SQS short polls, random faults). Each driver is one feature; the coefficients below were fitted
// against the event counts of the bundled scenarios (bench/calibrate-cost.ts) and test/runner checks that the
// estimate stays within ESTIMATE_FACTOR of every bundled scenario's real count.
import type { Scenario } from "../scenario/schema.ts";
import { formatDurationUs } from "../scenario/units.ts";
import { publishingServices } from "../scenario/schema.ts";
import { eventTopicOf } from "../scenario/schema-publish.ts";

/** The estimate is within this factor (either way) of the real event count of every bundled scenario. */
export const ESTIMATE_FACTOR = 2;

export interface CostDriver {
  /** The fields that drive it, as a person would look them up: `producers[0].rate × duration`. */
  fields: string;
  events: number;
}

export interface CostEstimate {
  events: number;
  memoryBytes: number;
  messages: number;
  /** Largest first. */
  drivers: CostDriver[];
}

/** Kernel events per unit of each driver, fitted on the bundled scenarios. */
export const COST_COEFFICIENTS = {
  perMessage: 0.8,
  perDelivery: 1.85,
  /** Produce requests: a batch per partition per linger at most, at least one per message at low rates. */
  perBatch: 3.9,
  /** Each follower fetches each batch. */
  perReplicaBatch: 1,
  perHeartbeat: 4,
  perIdlePoll: 4,
  perFollowerFetch: 4,
  perBrokerHeartbeat: 10,
  perQueueMessage: 6.65,
  perQueuePoll: 3,
  perRandomFault: 30,
  base: 200,
};

/** Bytes per unit, a conservative reading of the history's columns, the metrics and per-replica state. */
const MEMORY = { base: 64e6, perMessage: 250, perDelivery: 120, perReplica: 16e3, perMember: 32e3, perQueueConsumer: 8e3 };

const S = 1e6;

/** Messages a producer sends: its rate profile over the duration, capped by maxMessages. */
function producerMessages(p: { rate: number; schedule: { at: number; rate: number }[]; maxMessages?: number | undefined }, durationUs: number): number {
  const steps = [{ at: 0, rate: p.rate }, ...[...p.schedule].sort((a, b) => a.at - b.at)];
  let total = 0;
  for (let i = 0; i < steps.length; i++) {
    const from = Math.min(steps[i]!.at, durationUs);
    const to = Math.min(steps[i + 1]?.at ?? durationUs, durationUs);
    if (to > from) total += (steps[i]!.rate * (to - from)) / S;
  }
  return p.maxMessages !== undefined ? Math.min(total, p.maxMessages) : total;
}

export function estimateCost(s: Scenario): CostEstimate {
  const C = COST_COEFFICIENTS;
  const runS = (s.duration + s.drain) / S;
  const drivers: CostDriver[] = [];
  const add = (fields: string, events: number) => {
    if (events > 0 && Number.isFinite(events)) drivers.push({ fields, events });
    else if (!Number.isFinite(events)) drivers.push({ fields, events: Number.MAX_VALUE });
  };
  const topics = new Map(s.topics.map((t) => [t.name, t]));
  const readers = (topic: string) =>
    s.consumerGroups.filter((g) => g.topic === topic || g.topics?.includes(topic) || g.memberTopics?.some((l) => l.includes(topic))).length;

  let messages = 0;
  let deliveries = 0;
  s.producers.forEach((p, i) => {
    const n = producerMessages(p, s.duration);
    const topic = topics.get(p.topic);
    const rf = topic?.replicationFactor ?? 1;
    const groups = readers(p.topic);
    const batches = Math.min(n, ((topic?.partitions ?? 1) * s.duration) / Math.max(p.lingerMs, 1000));
    messages += n;
    deliveries += n * groups;
    const why = `producers[${i}].rate (${p.rate}/s) × duration (${formatDurationUs(s.duration)})${p.maxMessages !== undefined ? `, maxMessages ${p.maxMessages}` : ""}`;
    add(`${why}${groups ? ` × ${groups} group(s)` : ""}${rf > 1 ? ` × replicationFactor ${rf}` : ""}`,
      n * (C.perMessage + C.perDelivery * groups) + batches * (C.perBatch + C.perReplicaBatch * (rf - 1)));
  });

  // A publishing service's events cost what a producer's do (its relay or connector sends them); re-emissions
  // after a connector restart are not counted.
  publishingServices(s).forEach((svc) => {
    const n = (svc.rate * s.duration) / S;
    const topicName = eventTopicOf(svc);
    const topic = topics.get(topicName);
    const rf = topic?.replicationFactor ?? 1;
    const groups = readers(topicName);
    const batches = Math.min(n, ((topic?.partitions ?? 1) * s.duration) / 1000);
    messages += n;
    deliveries += n * groups;
    add(`services "${svc.name}".rate (${svc.rate}/s) × duration (${formatDurationUs(s.duration)})${groups ? ` × ${groups} group(s)` : ""}`,
      n * (C.perMessage + C.perDelivery * groups) + batches * (C.perBatch + C.perReplicaBatch * (rf - 1)));
  });

  let members = 0;
  s.consumerGroups.forEach((g, i) => {
    const most = Math.max(g.members, ...g.events.map((e) => e.scale ?? 0));
    members += most;
    const hb = g.protocol === "consumer" ? g.consumerHeartbeatInterval : g.heartbeatInterval;
    const hbField = g.protocol === "consumer" ? "consumerHeartbeatInterval" : "heartbeatInterval";
    add(`consumerGroups[${i}].members (${most}) × run / ${hbField} (${formatDurationUs(hb)})`, (most * runS * S * C.perHeartbeat) / hb);
    add(`consumerGroups[${i}].members (${most}) × run / fetchMaxWait (${formatDurationUs(g.fetchMaxWait)})`, (most * runS * S * C.perIdlePoll) / g.fetchMaxWait);
  });

  let replicas = 0;
  s.topics.forEach((t, i) => {
    replicas += t.partitions * t.replicationFactor;
    if (t.replicationFactor > 1) {
      add(`topics[${i}].partitions (${t.partitions}) × (replicationFactor ${t.replicationFactor} − 1) × run / cluster.replicaFetchWaitMax`,
        (t.partitions * (t.replicationFactor - 1) * runS * S * C.perFollowerFetch) / s.cluster.replicaFetchWaitMax);
    }
  });
  add(`cluster.brokers (${s.cluster.brokers}) × run / cluster.brokerHeartbeatInterval (${formatDurationUs(s.cluster.brokerHeartbeatInterval)})`,
    (s.cluster.brokers * runS * S * C.perBrokerHeartbeat) / s.cluster.brokerHeartbeatInterval);

  const kindOf = new Map(s.queues.map((q) => [q.name, q.kind]));
  s.queueProducers.forEach((p, i) => {
    const n = producerMessages(p, s.duration) * (1 + p.resendProbability);
    messages += n;
    deliveries += n;
    add(`queueProducers[${i}].rate (${p.rate}/s) × duration (${formatDurationUs(s.duration)})`, n * C.perQueueMessage);
  });
  let queueConsumers = 0;
  s.queueConsumers.forEach((c, i) => {
    queueConsumers += c.count;
    const kind = kindOf.get(c.queue) ?? "";
    if (!kind.startsWith("sqs")) return;
    const periodUs = c.waitTime > 0 ? c.waitTime : c.emptyPollDelay;
    const field = c.waitTime > 0 ? `waitTime (${formatDurationUs(c.waitTime)})` : `emptyPollDelay (${formatDurationUs(c.emptyPollDelay)}) with short polling`;
    add(`queueConsumers[${i}].count (${c.count}) × run / ${field}`, (c.count * runS * S * C.perQueuePoll) / Math.max(periodUs, 1));
  });

  s.faults.forEach((f, i) => {
    if (!("random" in f)) return;
    const spanS = Math.max(0, (f.stop ?? s.duration) - f.start) / S;
    add(`faults[${i}].rate (${f.rate}/s) × injection time (${formatDurationUs(spanS * S)})`, f.rate * spanS * C.perRandomFault);
  });

  drivers.sort((a, b) => b.events - a.events);
  const events = Math.min(Number.MAX_VALUE, C.base + drivers.reduce((sum, d) => sum + d.events, 0));
  const memoryBytes = MEMORY.base + messages * MEMORY.perMessage + deliveries * MEMORY.perDelivery + replicas * MEMORY.perReplica
    + members * MEMORY.perMember + queueConsumers * MEMORY.perQueueConsumer;
  return { events, memoryBytes, messages, drivers };
}
