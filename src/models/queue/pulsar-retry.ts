// Pulsar's retry letter topic (semantics.md §6; pulsar-client RetryMessageUtil / ConsumerImpl.reconsumeLater).
// With enableRetry the consumer also subscribes (same subscription name and type) to `<topic>-<subscription>-RETRY`.
// reconsumeLater(msg, delay) publishes a copy there, delivered after the delay, with properties RECONSUMETIMES
// (1, 2, ...), DELAY_TIME, REAL_TOPIC and ORIGIN_MESSAGE_ID, then acknowledges the message it came from. Once
// RECONSUMETIMES would exceed maxRedeliverCount (16 without a DeadLetterPolicy) the copy is published to the
// dead-letter topic `<topic>-<subscription>-DLQ` instead. For the checkers the copy is the same message (same
// history id): its publish is a QueueRetryPublish row from the source to the retry topic.
import type { QueueConsumerPort } from "./queue-types.ts";

/** reconsumeLater without a DeadLetterPolicy: the client's default policy allows 16 reconsumes. */
export const RETRY_WITHOUT_POLICY_MAX = 16;

export const retryTopicName = (topic: string, subscription: string): string => `${topic}-${subscription}-RETRY`;
export const deadLetterTopicName = (topic: string, subscription: string): string => `${topic}-${subscription}-DLQ`;

/**
 * The consumer's second subscription, on the retry topic. A queue keeps its own index per consumer, so the
 * retry topic sees a port of its own that forwards deliveries to the real consumer.
 */
export class RetryPorts {
  private readonly ports = new Map<QueueConsumerPort, QueueConsumerPort>();

  of(c: QueueConsumerPort): QueueConsumerPort {
    let p = this.ports.get(c);
    if (!p) {
      p = {
        name: c.name,
        actorId: c.actorId,
        index: -1,
        prefetch: c.prefetch,
        deliver: (batch) => c.deliver(batch),
        get retryDelayUs() {
          return c.retryDelayUs;
        },
      };
      this.ports.set(c, p);
    }
    return p;
  }
}
