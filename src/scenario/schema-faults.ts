// The `faults:` list of a scenario: timed faults (a verb, a target, when, how long) and random injectors.
// Verbs crash / restart / pause hit any registered fault target by name (broker-N, producers by name,
// consumer members); network faults act on the links between named nodes (brokers, clients, "controller").
import { z } from "zod";
import { zDuration, zPositiveDuration, zProbability, zRate } from "./zod-units.ts";
import { appFaultSchemas } from "./schema-app.ts";

const zNode = z.string().min(1);
const zNodes = z.array(zNode).min(1);
const at = zDuration.describe("When the fault starts, from the start of the run.");
const forDur = zPositiveDuration.optional().describe("How long it lasts; without it the fault lasts to the end of the run (crash: no restart).");

export const zFaultCrash = z.strictObject({
  at,
  crash: zNode.describe("Target to crash: broker-N, a producer's name or a consumer member's name."),
  for: forDur,
  loseUnflushed: z.boolean().prefault(false).describe("true: the node also loses log data not yet flushed to disk (power loss, not a process kill)."),
});

export const zFaultRestart = z.strictObject({ at, restart: zNode.describe("Target to bring back after a crash.") });

export const zFaultPause = z.strictObject({
  at,
  pause: zNode.describe("Target to freeze (a long GC pause): no traffic in or out, then it carries on."),
  for: zPositiveDuration.describe("How long the pause lasts."),
});

export const zFaultPartition = z.strictObject({
  at,
  partition: z
    .union([
      z.strictObject({ groups: z.array(zNodes).min(2).describe("Groups of nodes; nodes in different groups cannot talk. Unlisted nodes reach everyone.") }),
      z.strictObject({ from: zNodes.describe("Senders whose messages are dropped..."), to: zNodes.describe("...when sent to these nodes (one way).") }),
    ])
    .describe("A network partition: symmetric `groups`, or one-way `from`/`to`."),
  for: forDur,
});

const zLinks = zNodes.optional().describe("Only links touching these nodes (default: every link).");

export const zFaultLatency = z.strictObject({
  at,
  latency: zPositiveDuration.describe("Extra one-way delay added to each message (a latency spike)."),
  between: zLinks,
  for: forDur,
});

export const zFaultLoss = z.strictObject({
  at,
  loss: zProbability.describe("Probability that a message is dropped (the request then times out)."),
  between: zLinks,
  for: forDur,
});

export const zFaultDuplicate = z.strictObject({
  at,
  duplicate: zProbability.describe("Probability that a message is delivered twice."),
  between: zLinks,
  for: forDur,
});

export const zFaultAddPartitions = z.strictObject({
  at: zDuration.describe("When the partitions are added, from the start of the run."),
  addPartitions: z
    .strictObject({
      topic: z.string().describe("Topic to grow."),
      count: z.number().int().min(2).max(10000).describe("The topic's new partition count (more than it has; partitions can never be removed)."),
    })
    .describe(
      "Not a fault but an operation (kafka-topics --alter --partitions): the topic gets more partitions. Clients learn of them only at their next metadata refresh (metadataMaxAge): " +
        "then keyed records hash over the new count, so a key can move partition, and the group leader triggers a rebalance that assigns the new partitions (from auto.offset.reset).",
    ),
});

export const zFaultRandom = z
  .strictObject({
    random: z
      .enum(["crash", "pause", "isolate", "latency", "loss", "duplicate", "outage", "brownout"])
      .describe(
        "Random injector: crash (then restart), pause, isolate (a node cut off from all others), or a latency spike, " +
          "packet loss or duplication on every link touching the picked node; outage or brownout of a downstream service (targets are `services:`; " +
          "a brownout adds `probability` to the error rate, default 0.5, and `latency` to each call, default 200ms).",
      ),
    targets: zNodes.describe("Nodes it may pick from, uniformly."),
    rate: zRate.describe("Mean rate of faults (Poisson), e.g. \"1/min\"."),
    minDuration: zPositiveDuration.prefault("5s").describe("Shortest fault; durations are uniform between minDuration and maxDuration."),
    maxDuration: zPositiveDuration.prefault("30s").describe("Longest fault."),
    start: zDuration.prefault(0).describe("No injection before this time."),
    stop: zDuration.optional().describe("No injection after this time (default: the scenario's duration)."),
    latency: zDuration.optional().describe("With random: latency, the extra one-way delay of each spike."),
    probability: zProbability.optional().describe("With random: loss or duplicate, the probability per message while the fault lasts."),
  })
  .superRefine((f, ctx) => {
    const need = f.random === "latency" ? "latency" : f.random === "loss" || f.random === "duplicate" ? "probability" : undefined;
    if (need && f[need] === undefined) {
      const example = need === "latency" ? "latency: 200ms" : "probability: 0.1";
      ctx.addIssue({
        code: "custom",
        path: [need],
        message: `random: ${f.random} needs \`${need}\``,
        params: { expected: `a ${need} for each ${f.random} fault`, hint: `add ${example}` },
      });
    }
  });

export const zFault = z.union([zFaultCrash, zFaultRestart, zFaultPause, zFaultPartition, zFaultLatency, zFaultLoss, zFaultDuplicate, zFaultAddPartitions, zFaultRandom, ...appFaultSchemas]);

export const zFaults = z
  .array(zFault)
  .prefault([])
  .describe(
    "Faults: timed ({at, crash|restart|pause|partition|latency|loss|duplicate, for}), operations ({at, addPartitions: {topic, count}}) and random injectors ({random, targets, rate, minDuration}). " +
      "Node names: broker-N, producers, consumer members, and controller.",
  );

export type FaultSpec = z.output<typeof zFault>;
