// What every queue model (SQS, RabbitMQ, Pulsar subscription) shares with the consumers and producers that
// talk to it: the stored message, the delivery a consumer holds, and the codes recorded in the history.
// Codes are part of the trace format: append, never renumber.

/** Why a message became deliverable again (QueueReturn.partition). */
export const enum ReturnReason {
  /** SQS: the visibility timeout ran out before DeleteMessage. */
  VisibilityTimeout = 0,
  /** RabbitMQ nack/reject with requeue, SQS ChangeMessageVisibility(0), Pulsar negative ack. */
  Requeue = 1,
  /** The consumer (its channel / connection) went away with the delivery unacknowledged. */
  ConsumerCrash = 2,
  /** Pulsar ackTimeout, RabbitMQ consumer_timeout. */
  AckTimeout = 3,
  /** SQS standard: a copy on a server that was briefly unavailable came back after the delete (at-least-once). */
  StandardDuplicate = 4,
  /** RabbitMQ closed the channel on a channel error (double or unknown ack → PRECONDITION_FAILED). */
  ChannelError = 5,
}

export const RETURN_REASON_NAMES = [
  "visibility timeout expired",
  "requeued by the consumer",
  "consumer crashed",
  "ack timeout",
  "SQS standard duplicate copy",
  "channel closed by a channel error",
];

/** Why a message left a queue without an ack (QueueDeadLetter / QueueDrop partition), RabbitMQ's words where they exist. */
export const enum DeadLetterReason {
  /** SQS redrive policy: the receive count would exceed maxReceiveCount. */
  MaxReceiveCount = 0,
  /** RabbitMQ reject / nack with requeue=false. */
  Rejected = 1,
  /** RabbitMQ message TTL. */
  Expired = 2,
  /** RabbitMQ max-length overflow (drop-head). */
  Maxlen = 3,
  /** RabbitMQ quorum queue delivery-limit. */
  DeliveryLimit = 4,
  /** Pulsar DeadLetterPolicy: maxRedeliverCount + 1 deliveries. */
  MaxRedeliverCount = 5,
  /** SQS retention period ran out (never dead-lettered, just gone). */
  Retention = 6,
}

export const DEAD_LETTER_REASON_NAMES = ["maxReceiveCount", "rejected", "expired", "maxlen", "delivery_limit", "maxRedeliverCount", "retention"];

/** QueueProcessEnd.partition. */
export const enum HandlerOutcome {
  Success = 0,
  TransientFailure = 1,
  Poison = 2,
}

/** A message as a queue stores it. One object per message copy in a queue; moves between queues as a new copy. */
export interface QueueMessage {
  /** History message id. */
  readonly msg: number;
  /** Interned key id (FIFO MessageGroupId, Pulsar key, AMQP routing key). */
  readonly key: number;
  /** When the producer first sent it (SQS standard DLQ retention counts from here). */
  readonly sentUs: number;
  /** When it entered this queue. */
  enqueuedUs: number;
  /** Enqueue sequence in this queue: RabbitMQ classic reinserts a requeued message at this position. */
  seq: number;
  /** When it last became deliverable (enqueue or return): queue wait is measured from here. */
  readySinceUs: number;
  /** Deliveries from this queue so far (SQS ApproximateReceiveCount, Pulsar redeliveryCount + 1). */
  deliveries: number;
  /** RabbitMQ quorum x-delivery-count: returns counted toward the delivery limit. */
  returns: number;
  /** Absolute expiry (retention or TTL), Infinity when none. */
  expiresAtUs: number;
  /** Receipt handle of the current (or last) delivery; -1 before the first. */
  handle: number;
  /** Consumer index holding it, -1 when not in flight. */
  holder: number;
  /** First receive time (the 12 h visibility cap counts from here). */
  firstReceiveUs: number;
  /** Latest delivery time (Pulsar's ack timeout counts from here). */
  lastDeliveredUs: number;
  /** Left the queue's table (acked, dead-lettered, taken for a redrive, replaced by a later copy): every copy is held once. */
  gone: boolean;
  /** Pending timer (visibility / ack timeout / delay), 0 when none. */
  timer: number;
  /** Where it was dead-lettered from (redrive goes back there); -1 for none. */
  origin: number;
  /** RabbitMQ quorum x-acquired-count: every hand-out (4.3 counts failed returns apart, in `returns`). */
  acquired: number;
  /** Per-message TTL asked by the producer (AMQP `expiration`), µs; undefined: none. Kept for x-death's original-expiration. */
  ttlUs?: number | undefined;
  /** RabbitMQ dead-letter headers (x-death, x-first-death-*, x-last-death-*); undefined until first dead-lettered. */
  deaths?: DeathHeaders | undefined;
  /** Pulsar retry letter topic: RECONSUMETIMES of this copy (0: the original). */
  reconsumes: number;
  /** Pulsar retry letter topic: deliveries of the earlier copies of this message (the lineage behind this copy). */
  priorDeliveries: number;
  /** Pulsar retry letter topic: the properties the copy carries (absent on the original). */
  retryProps?: RetryProperties | undefined;
}

/** What reconsumeLater puts on the copy (RetryMessageUtil's system properties). */
export interface RetryProperties {
  RECONSUMETIMES: number;
  /** The requested delay, ms. */
  DELAY_TIME: number;
  /** The topic the message was first consumed from. */
  REAL_TOPIC: string;
  /** The original message (its history id: every copy is the same logical message). */
  ORIGIN_MESSAGE_ID: number;
}

/** One x-death entry: one per (queue, reason), updated in place when it happens again. */
export interface XDeathEntry {
  readonly queue: string;
  readonly reason: string;
  count: number;
  /** First and latest dead-lettering for this (queue, reason), µs. */
  readonly firstUs: number;
  lastUs: number;
  /** The exchange the message had been published to when it died, and its routing keys then. */
  exchange: string;
  routingKeys: string[];
  /** The per-message expiration it carried (TTL is stripped on dead-lettering), µs; undefined: none. */
  originalExpirationUs?: number;
}

/** RabbitMQ dead-letter headers. `xDeath` is most recent first (an updated entry moves to the front). */
export interface DeathHeaders {
  xDeath: XDeathEntry[];
  first: { queue: string; reason: string; exchange: string };
  last: { queue: string; reason: string; exchange: string };
  /** Where the message is routed now (after its last dead-lettering through a DLX). */
  route: { exchange: string; routingKey: string };
}

export function newQueueMessage(msg: number, key: number, sentUs: number, nowUs: number, expiresAtUs: number): QueueMessage {
  return {
    msg,
    key,
    sentUs,
    enqueuedUs: nowUs,
    seq: 0,
    readySinceUs: nowUs,
    deliveries: 0,
    returns: 0,
    expiresAtUs,
    handle: -1,
    holder: -1,
    firstReceiveUs: -1,
    lastDeliveredUs: -1,
    gone: false,
    timer: 0,
    origin: -1,
    acquired: 0,
    // Present from the start, though mostly unused: a property added later changes the object's hidden class,
    // and a queue's hot paths then see several shapes of message.
    ttlUs: undefined,
    deaths: undefined,
    reconsumes: 0,
    priorDeliveries: 0,
    retryProps: undefined,
  };
}

/** What a consumer holds: one delivery of one message. */
export interface Delivery {
  readonly msg: number;
  readonly key: number;
  readonly handle: number;
  /** 1 for the first delivery. RabbitMQ's redelivered flag is `deliveryNumber > 1`. */
  readonly deliveryNumber: number;
  readonly sentUs: number;
  /** Pulsar retry letter topic: the copy's RECONSUMETIMES (absent on the original). */
  readonly reconsumes?: number;
}

/** A ReceiveMessage answer: the batch, or an error, and the tag the receive was made with. */
export type ReceiveDone = (batch: Delivery[], error: "OverLimit" | undefined, tag: number) => void;

/** How a consumer settles a delivery. */
export type Settlement = "ack" | "requeue" | "reject" | "abandon" | "retry-later";

/** The consumer side as a queue sees it: pushed deliveries arrive here (over the network). */
export interface QueueConsumerPort {
  readonly name: string;
  readonly actorId: number;
  /** Index in the queue's consumer list. */
  index: number;
  /** Push-based queues hand deliveries over with this. */
  deliver(batch: Delivery[]): void;
  /** RabbitMQ prefetch / Pulsar receiver queue: most unacknowledged deliveries this consumer may hold. */
  readonly prefetch: number;
  /** The consumer's current channel (AMQP): settlements sent on an older one never arrive. */
  readonly channel?: number;
  /** The broker closed this consumer's channel (AMQP channel error / consumer_timeout): the client reopens one. */
  channelClosed?(code: number): void;
  /** Pulsar reconsumeLater(msg, delay): the delay this consumer asks for. */
  readonly retryDelayUs?: number;
}

/** AMQP reply code of a channel error on a double or unknown delivery tag, and of consumer_timeout. */
export const PRECONDITION_FAILED = 406;

/** What every queue model offers its clients. */
export interface QueueService {
  readonly name: string;
  readonly actorId: number;
  readonly kind: string;
  /** True when enqueue reads `dedupId` (SQS FIFO); producers build it only then. */
  readonly deduplicates?: boolean;
  /** Accepts a message from a producer; returns false when it was deduplicated (FIFO) — still a success. */
  enqueue(msg: number, key: number, sentUs: number, opts?: { ttlUs?: number; dedupId?: string }): boolean;
  /** A consumer joins (push queues start dispatching to it); false when refused (Pulsar Exclusive: ConsumerBusy). */
  attach(c: QueueConsumerPort): boolean;
  /** A consumer left or crashed: its unacknowledged deliveries go back per the system's rules. */
  detach(c: QueueConsumerPort, crashed: boolean): void;
  /**
   * Pull queues (SQS): ReceiveMessage. `done` runs (at the queue) with what was received, or with an error
   * (OverLimit), and the caller's `tag` (its channel, say), so one bound function can serve every receive.
   */
  receive?(c: QueueConsumerPort, max: number, waitUs: number, done: ReceiveDone, visibilityUs?: number, tag?: number): void;
  /** SQS ChangeMessageVisibility; false when rejected (stale handle, over the 12 h cap). */
  changeVisibility?(c: QueueConsumerPort, msg: number, handle: number, timeoutUs: number): boolean;
  /** `channel`: the AMQP channel the settlement was sent on (undefined: the current one). */
  settle(c: QueueConsumerPort, msg: number, handle: number, how: Settlement, channel?: number): void;
  /** When the publisher confirm for a message enqueued now may be sent (µs, absolute); now when there is nothing to wait for. */
  confirmAtUs?(persistent: boolean): number;
  /** Messages waiting to be delivered, and in flight. */
  readonly depth: number;
  readonly inFlight: number;
  /** Records a QueueResidual row for every message still held at the end of the run. */
  census(): void;
}
