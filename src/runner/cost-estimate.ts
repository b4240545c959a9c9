// A pre-run estimate of what a scenario costs: kernel events and memory, from the resolved scenario alone.
// A run's cost is driven by a handful of products: messages (rate × duration, capped by maxMessages) times
// the work each message causes (groups that read it, replicas that copy it), and timers that fire whatever
// the load (members × heartbeat and idle-poll frequencies, follower fetches per partition replica, broker
// heartbeats, SQS short polls, random faults). Each driver is one feature; the coefficients below were fitted
// against the event counts of the bundled scenarios (bench/calibrate-cost.ts) and test/runner checks that the
// estimate stays within ESTIMATE_FACTOR of every bundled scenario's real count.
import type { Scenario } from "../scenario/schema.ts";
import { formatDurationUs } from "../scenario/units.ts";

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
  /** What the memory estimate is made of, largest first (events here are bytes). */
  memoryDrivers: CostDriver[];
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
  /** A publishing service's request: its database transaction, the relay or connector reading it, the publish. */
  perServiceRequest: 2.7,
  /** An outbox relay's poll or a CDC connector's log poll, loaded or not. */
  perRelayPoll: 3,
  /** A record a stream processor reads: processing, the sink and changelog records it writes and their replication. */
  perProcessorRecord: 8.6,
  /** A handler step a group runs per delivered record (dedup, call, effect: a request and its answer). */
  perHandlerStep: 1.1,
  /** A transaction's partition: AddPartitionsToTxn, the control marker and its replication. */
  perTransactionPartition: 8,
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

  // Publishing services: each request is a database transaction whose event goes to a topic that groups read.
  s.services.forEach((sv, i) => {
    if (sv.publish === undefined) return;
    const n = producerMessages({ rate: sv.rate, schedule: [] }, s.duration);
    const topic = sv.topic ?? `outbox.event.${sv.aggregateType}`;
    const groups = readers(topic);
    messages += n;
    deliveries += n * groups;
    add(`services[${i}].rate (${sv.rate}/s) × duration (${formatDurationUs(s.duration)})${groups ? ` × ${groups} group(s)` : ""}`,
      n * (C.perServiceRequest + C.perDelivery * groups));
    const pollUs = sv.publish.strategy === "outbox-polling" ? sv.publish.interval : sv.publish.strategy === "outbox-cdc" ? sv.publish.pollInterval : 0;
    if (pollUs > 0) add(`run / services[${i}].publish poll interval (${formatDurationUs(pollUs)})`, (runS * S * C.perRelayPoll) / pollUs);
  });

  // Stream processors: every record of their input topics is processed once per application (and re-processed
  // after a crash), writing sink and changelog records; their instances are group members with timers.
  const topicMessages = new Map<string, number>();
  for (const p of s.producers) topicMessages.set(p.topic, (topicMessages.get(p.topic) ?? 0) + producerMessages(p, s.duration));
  (s.processors ?? []).forEach((proc, i) => {
    const inputs = [...new Set(proc.topology.flatMap((st) => [st.source, st.join?.with]).filter((t): t is string => t !== undefined))];
    const records = inputs.reduce((sum, t) => sum + (topicMessages.get(t) ?? 0), 0);
    const sink = proc.topology[proc.topology.length - 1]?.sink;
    const out = sink !== undefined ? readers(sink) : 0;
    deliveries += records * out;
    add(`processors[${i}] input records (${Math.round(records)}) from ${inputs.join(", ")}${out ? `, sink read by ${out} group(s)` : ""}`,
      records * (C.perProcessorRecord + C.perDelivery * out));
    add(`processors[${i}].instances (${proc.instances}) × run / heartbeatInterval (${formatDurationUs(proc.heartbeatInterval)})`,
      (proc.instances * runS * S * C.perHeartbeat) / proc.heartbeatInterval);
  });

  // Transactional producers: each transaction registers and marks every partition it wrote to.
  s.producers.forEach((p, i) => {
    if (p.transactionalId === undefined) return;
    const everyUs = p.transaction?.interval ?? 100_000;
    const partitions = topics.get(p.topic)?.partitions ?? 1;
    add(`producers[${i}] transactions (duration / ${formatDurationUs(everyUs)}) × ${partitions} partition(s)`, (s.duration / everyUs) * partitions * C.perTransactionPartition);
  });

  let members = 0;
  s.consumerGroups.forEach((g, i) => {
    const most = Math.max(g.members, ...g.events.map((e) => e.scale ?? 0));
    members += most;
    const hb = g.protocol === "consumer" ? g.consumerHeartbeatInterval : g.heartbeatInterval;
    const hbField = g.protocol === "consumer" ? "consumerHeartbeatInterval" : "heartbeatInterval";
    add(`consumerGroups[${i}].members (${most}) × run / ${hbField} (${formatDurationUs(hb)})`, (most * runS * S * C.perHeartbeat) / hb);
    add(`consumerGroups[${i}].members (${most}) × run / fetchMaxWait (${formatDurationUs(g.fetchMaxWait)})`, (most * runS * S * C.perIdlePoll) / g.fetchMaxWait);
    // Read-process-write: every record read is written again to the output topic, which other groups may read.
    if (g.transactional !== undefined) {
      const read = [g.topic, ...(g.topics ?? [])].filter((t): t is string => t !== undefined).reduce((sum, t) => sum + (topicMessages.get(t) ?? 0), 0);
      const out = readers(g.transactional.outputTopic);
      deliveries += read * out;
      add(`consumerGroups[${i}].transactional → ${g.transactional.outputTopic}: records read (${Math.round(read)})${out ? ` × ${out} group(s)` : ""}`,
        read * (C.perProcessorRecord + C.perDelivery * out));
    }
    const steps = g.handler?.length ?? 0;
    if (steps > 0) {
      const read = [g.topic, ...(g.topics ?? [])].filter((t): t is string => t !== undefined).reduce((sum, t) => sum + (topicMessages.get(t) ?? 0), 0);
      add(`consumerGroups[${i}].handler (${steps} step(s)) × records read (${Math.round(read)})`, read * steps * C.perHandlerStep);
    }
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
  const memoryDrivers: CostDriver[] = [
    { fields: `${Math.round(messages)} messages (producer rates × duration)`, events: messages * MEMORY.perMessage + deliveries * MEMORY.perDelivery },
    { fields: `${replicas} partition replicas (topics[*].partitions × replicationFactor)`, events: replicas * MEMORY.perReplica },
    { fields: `${members} consumer-group members`, events: members * MEMORY.perMember },
    { fields: `${queueConsumers} queue consumers`, events: queueConsumers * MEMORY.perQueueConsumer },
  ].filter((d) => d.events > 0).sort((a, b) => b.events - a.events);
  return { events, memoryBytes, messages, drivers, memoryDrivers };
}
