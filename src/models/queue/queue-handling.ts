// What every queue consumer does when a handler ends, whether it runs one message at a time (queue-consumer.ts)
// or a pool of them (queue-consumer-pool.ts): decide the outcome, record it, and send the settlement to the
// queue over the network. The consumers differ in what they hold and when they start the next handler, not here.
import type { Rng } from "../../kernel/rng.ts";
import { Op, type History } from "../../history/history.ts";
import type { Network } from "../../net/network.ts";
import type { QueueMetrics } from "../../metrics/queue-metrics.ts";
import { HandlerOutcome, type Delivery, type QueueConsumerPort, type QueueService, type Settlement } from "./queue-types.ts";
import type { QueueConsumerConfig } from "./queue-consumer.ts";

/** The consumer-side parts a handling end touches. */
export interface HandlingContext {
  readonly config: QueueConsumerConfig;
  readonly outcomeRng: Rng;
  readonly history: History;
  readonly metrics: QueueMetrics;
  readonly net: Network;
  readonly queue: QueueService;
  readonly actorId: number;
}

function isPoison(config: QueueConsumerConfig, d: Delivery): boolean {
  const n = config.poisonEveryNth;
  return config.poisonKeys.has(d.key) || (n > 0 && d.msg % n === n - 1);
}

/**
 * Ends a handling at `nowUs`: the application's answer when it ran one, else poison, a drawn transient failure
 * or success; records the end (and the nack), counts the processing time, and returns how the client settles.
 */
export function endHandling(ctx: HandlingContext, d: Delivery, startUs: number, nowUs: number, appOk: boolean | undefined): Settlement {
  const { config, history } = ctx;
  const outcome =
    appOk !== undefined
      ? appOk ? HandlerOutcome.Success : HandlerOutcome.TransientFailure
      : isPoison(config, d)
        ? HandlerOutcome.Poison
        : config.failureProbability > 0 && ctx.outcomeRng.bernoulli(config.failureProbability)
          ? HandlerOutcome.TransientFailure
          : HandlerOutcome.Success;
  history.record(Op.QueueProcessEnd, nowUs, d.msg, ctx.actorId, outcome, d.handle, ctx.queue.actorId);
  ctx.metrics.onProcessed(nowUs, nowUs - startUs);
  const how: Settlement = outcome === HandlerOutcome.Success ? "ack" : config.onFailure;
  if (how === "requeue" || how === "reject") history.record(Op.QueueNack, nowUs, d.msg, ctx.actorId, how === "requeue" ? 1 : 0, d.handle, ctx.queue.actorId);
  return how;
}

/** Sends a settlement from `consumer` to its queue, on the channel open now (`channel`). */
export function sendSettlement(ctx: HandlingContext, consumer: QueueConsumerPort, d: Delivery, how: Settlement, channel: number): void {
  ctx.net.send(ctx.config.name, ctx.queue.name, () => ctx.queue.settle(consumer, d.msg, d.handle, how, channel), undefined, d.msg);
}
