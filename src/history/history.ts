// The record of a run, Jepsen-style: a message table (one row per message created) and an operation log
// (one row per step in a message's life or per offset commit), both in growable typed arrays so a million
// messages stay cheap. Checkers read it; models only append to it.
import { grow, growInPlace, widen } from "../kernel/typed-arrays.ts";

/** Columns of small integers (actor ids, partitions, counts): 8 bits until a value needs 16, then 32. */
export type SmallIntColumn = Int8Array | Int16Array | Int32Array;
/** Columns of integer µs or offsets: 32 bits until a value needs more (or is not an integer). */
export type WideColumn = Uint32Array | Int32Array | Float64Array;

/**
 * The next column wide enough for `v` (Int8 → Int16 → Int32). An Int32 column stays as it is: a value outside
 * 32 bits wraps there, as it always did in these columns.
 */
function widerInt(col: SmallIntColumn, v: number): SmallIntColumn {
  if (col instanceof Int32Array) return col;
  return col instanceof Int8Array && v === (v << 16) >> 16 ? widen(col, Int16Array) : widen(col, Int32Array);
}

/** A Float64 copy of a 32-bit column (a Float64 column, e.g. holding a NaN, stays as it is). */
function widerNumber(col: WideColumn): WideColumn {
  return col instanceof Float64Array ? col : widen(col, Float64Array);
}

/**
 * Every kind of row in the operation log. Values are stable: they are part of the trace format.
 * Ranges by family, so families can grow independently: 1-19 core message life, 20-49 Kafka cluster and
 * producer (replication, retries, elections, faults), 50-79 consumer groups (rebalances, generations),
 * 80-119 queues (SQS, RabbitMQ, Pulsar), 120-139 exploration markers, 140-169 the application layer (handlers,
 * stores, downstream services), 170-199 transactions and publishing, 200-229 stream processing, 230-244 schemas,
 * 245-254 diagnostics. The column is a Uint8Array: 255 is the last value. OP_NAMES must name every value.
 */
export const enum Op {
  /** A producer sent (or re-sent) the message: msg, actor = producer. */
  ProduceAttempt = 1,
  /** A partition leader appended it: actor = topic, partition, offset, aux = the leader's epoch. */
  Append = 2,
  /** The producer got the acknowledgement: partition, offset; aux = the idempotent producer's epoch (-1 without idempotence). */
  Ack = 3,
  /** The send ended in a definite failure. */
  ProduceFail = 4,
  /** The producer does not know whether the send took effect (e.g. timeout after the request left). */
  ProduceUnknown = 5,
  /** A consumer's poll returned the record: actor = member, aux = group, partition, offset. */
  Deliver = 6,
  ProcessStart = 7,
  ProcessEnd = 8,
  /**
   * An offset commit took effect: actor = member, aux = group, partition, offset = committed (next to read);
   * msg = -2 - topic actor (consumer groups record the topic this way; -1 = topic not recorded).
   */
  Commit = 9,

  // ---- Consumer groups (50-79): aux = group; msg = -2 - topic actor on per-partition rows (see Commit). ----
  /** The coordinator began a rebalance: actor = group, partition = RebalanceCause, offset = generation before it. */
  RebalanceStart = 50,
  /** SyncGroup completed, the group is stable: actor = group, partition = member count, offset = new generation. */
  GroupStable = 51,
  /** A member started owning a partition: actor = member, offset = generation. */
  PartitionAssigned = 52,
  /** A member gave a partition up in a rebalance (after its revocation commit): actor = member, offset = generation. */
  PartitionRevoked = 53,
  /** A member lost a partition without revoking it (crash, session or poll timeout, fencing): actor = member. */
  PartitionLost = 54,
  /** A member starts fetching a partition at offset (its committed offset, or the reset position). */
  FetchPosition = 55,
  /** The coordinator refused a commit: actor = member, partition = error code, offset = the member's generation. */
  CommitRejected = 56,
  /** The coordinator added a member: actor = member, offset = generation. */
  MemberJoined = 57,
  /** The coordinator removed a member: actor = member, partition = LeaveReason, offset = generation. */
  MemberLeft = 58,
  /** A consumer process crashed (fault): actor = member. */
  ConsumerCrashed = 59,
  /** A consumer process restarted (fault): actor = member. */
  ConsumerRestarted = 60,
  /** A consumer froze (long GC pause): actor = member, offset = pause length in µs. */
  ConsumerPaused = 61,
  /** The group coordinator moved to another broker: actor = group, partition = broker id, offset = generation. */
  CoordinatorMoved = 62,
  /** No committed offset: auto.offset.reset chose the position: actor = member, partition, offset = position. */
  OffsetReset = 63,
  /** No committed offset and auto.offset.reset=none: the consumer failed: actor = member, partition. */
  OffsetResetFailed = 64,
  /** A group timeline event took effect (scale, slowdown, pause partitions): actor = group, partition = event index. */
  GroupEvent = 65,
  /** A fetch position was out of the log (below its start: retention; past its end: truncation): actor = member, partition, offset = that position. An OffsetReset or OffsetResetFailed row follows. */
  OffsetOutOfRange = 75,
  /** offsets.retention expired a committed offset (the group had been empty that long): actor = group, partition, offset = the offset that expired. */
  OffsetsExpired = 76,

  // ---- Kafka cluster and producer (20-49). Non-message rows have msg = -1 unless stated. ----
  /** A producer re-sent the message after a retriable error or timeout: actor = producer, partition, aux = attempt (2, 3, ...). */
  ProduceRetry = 20,
  /** A replica cut its log: actor = broker, partition, offset = new log end, aux = topic, msg = records removed. */
  Truncate = 21,
  /** The controller elected a leader from the ISR: actor = broker, partition, offset = its log end, aux = topic, msg = leader epoch. */
  LeaderElection = 22,
  /** Like LeaderElection, but from outside the ISR (unclean.leader.election.enable=true). */
  UncleanLeaderElection = 23,
  /** No eligible leader: the partition is offline. actor = topic, partition, aux = topic. */
  PartitionOffline = 24,
  /** A replica left the ISR: actor = broker, partition, offset = new ISR size, aux = topic. */
  IsrShrink = 25,
  /** A replica rejoined the ISR: actor = broker, partition, offset = new ISR size, aux = topic. */
  IsrExpand = 26,
  /** A fault began: actor = target (or -1 for a network fault), aux = fault index in the schedule. */
  FaultStart = 27,
  /** A fault ended (restart, heal). Same columns as FaultStart. */
  FaultEnd = 28,
  /** A produce attempt for the message got an error: actor = producer, partition, aux = ProduceErrorCode. */
  ProduceError = 29,
  /** An idempotent broker recognised a duplicate batch: actor = topic, partition, offset = original offset. */
  DuplicateSuppressed = 30,
  /** End-of-run log of a partition, one row per leader-epoch range: actor = topic, partition, offset = range start, msg = range end, aux = epoch. */
  FinalLogRange = 31,
  /** The controller fenced a broker (session expired) or unfenced it: actor = broker, aux = 1 fenced / 0 unfenced. */
  BrokerFence = 32,
  /** An idempotent producer bumped its epoch locally (KIP-360): actor = producer, msg = new epoch, offset = producer id, partition + aux = topic: the partition that asked. */
  ProducerEpochBump = 33,
  /** Retention deleted old segments of a replica: actor = broker, partition, offset = new log start offset, aux = topic, msg = records deleted. */
  LogRetention = 45,
  /** Partitions were added to a topic at run time: actor = topic, partition = new count, offset = old count, aux = topic. */
  PartitionsAdded = 46,
  /** A client's metadata refresh saw a new partition count: actor = producer or member, partition = count seen, offset = count before, aux = topic. */
  MetadataRefresh = 47,

  // ---- Queues (80-119): SQS, RabbitMQ, Pulsar subscriptions. aux = the queue's actor unless stated. ----
  /** A queue producer sent the message: actor = producer, aux = queue. */
  QueueSend = 80,
  /** The queue stored it (or a DLQ/redrive moved it in): actor = queue, offset = the queue's enqueue sequence. */
  QueueEnqueue = 81,
  /** The producer got its answer (SendMessage response / publisher confirm): actor = producer, aux = queue. */
  QueueSendAck = 82,
  /** A FIFO queue answered a repeat within the dedup window with success but did not enqueue it: actor = queue. */
  QueueDeduplicated = 83,
  /** Handed to a consumer: actor = consumer, aux = queue, partition = delivery number (1-based), offset = receipt handle. */
  QueueDeliver = 84,
  /** The consumer's handler started: actor = consumer, aux = queue, offset = receipt handle. */
  QueueProcessStart = 85,
  /** The handler finished: actor = consumer, aux = queue, partition = HandlerOutcome, offset = receipt handle. */
  QueueProcessEnd = 86,
  /** The queue removed the message on an ack / DeleteMessage: actor = consumer, aux = queue, offset = handle. */
  QueueAck = 87,
  /** DeleteMessage with an old receipt handle: answered with success, message NOT deleted. */
  QueueAckStale = 88,
  /** Consumer nacked/rejected: actor = consumer, aux = queue, partition = 1 if requeue asked, offset = handle. */
  QueueNack = 89,
  /** The message is deliverable again: actor = queue, partition = ReturnReason, offset = handle returned (-1: none). */
  QueueReturn = 90,
  /** Moved to a dead-letter queue: actor = source queue, aux = DLQ, partition = DeadLetterReason, offset = deliveries so far. */
  QueueDeadLetter = 91,
  /** Removed without a dead-letter target: actor = queue, partition = DeadLetterReason, offset = deliveries so far. */
  QueueDrop = 92,
  /** A redrive task moved it from a DLQ back: actor = DLQ, aux = destination queue. */
  QueueRedrive = 93,
  /** End-of-run census: still in the queue: actor = queue, partition = 0 waiting / 1 in flight. */
  QueueResidual = 94,
  /** ChangeMessageVisibility took effect: actor = consumer, aux = queue, offset = new timeout in µs. */
  QueueVisibilityChange = 95,
  /** RabbitMQ closed the consumer's channel (its unacked deliveries are requeued): actor = consumer, aux = queue, partition = AMQP reply code (406 PRECONDITION_FAILED), offset = the offending delivery tag (-1: consumer_timeout). */
  QueueChannelClosed = 96,
  /** Pulsar reconsumeLater published a delayed copy to the retry letter topic: actor = source, aux = retry topic, partition = RECONSUMETIMES, offset = DELAY_TIME in µs. */
  QueueRetryPublish = 97,
  /** A subscribe was refused (Pulsar ConsumerBusy on an Exclusive subscription): actor = consumer, aux = queue, partition = 0. */
  QueueSubscribeRefused = 98,
  /** A receive was answered with an error (SQS OverLimit: the in-flight cap is reached): actor = consumer, aux = queue, partition = 0, offset = messages in flight. */
  QueueReceiveError = 99,

  // ---- Transactions and publishing (170-199). txn = the run-wide transaction number. ----
  /** InitProducerId answered: actor = producer, offset = producer id, partition = its new epoch, aux = coordinator broker id. */
  TxnInitProducerId = 170,
  /** A transaction began (first send after the last ended): actor = producer, offset = txn, partition = epoch. */
  TxnBegin = 171,
  /** The record was sent inside a transaction: msg, actor = producer, partition, offset = txn, aux = epoch. */
  TxnRecord = 172,
  /** AddPartitionsToTxn took effect at the coordinator: actor = producer, partition, offset = txn, aux = topic. */
  TxnAddPartition = 173,
  /** The coordinator logged PREPARE_COMMIT: actor = producer, offset = txn, partition = epoch. */
  TxnCommit = 174,
  /** The coordinator logged PREPARE_ABORT: actor = producer, offset = txn, partition = epoch written into the markers, aux = TxnAbortReason. */
  TxnAbort = 175,
  /** A control marker took an offset: msg = the marker's message id, actor = topic, partition, offset, aux = txn * 2 + (1 commit / 0 abort). */
  TxnMarker = 176,
  /** The producer learned it was fenced (fatal): actor = producer, offset = producer id, partition = its stale epoch, aux = FencedBy. */
  ProducerFenced = 177,
  /** sendOffsetsToTransaction: actor = member, aux = group, partition, offset = offset to commit with the transaction, msg = -2 - topic. */
  TxnOffsets = 178,
  /** A service's database transaction committed: msg = its event, actor = service, partition = outbox row id, offset = LSN, aux = db transaction number. */
  DbCommit = 180,
  /** A service's database transaction rolled back (crash): msg = its event (-1 if none yet), actor = service, partition = row id, aux = db transaction number. */
  DbRollback = 181,
  /** A relay read an outbox row or log entry: msg = event, actor = relay, partition = RelayReadKind, offset = the relay's position after it (id or LSN). */
  RelayRead = 182,
  /** A polling relay marked (or deleted) a published row, and saved its cursor: msg = event, actor = relay, offset = cursor saved. */
  RelayMark = 183,
  /** A CDC connector flushed its source offset: actor = connector, offset = LSN flushed (everything up to it was acknowledged). */
  ConnectorOffsetFlush = 184,
  /** A relay or connector (re)started reading: actor = relay, offset = the position it resumes after, partition = RelayReadKind. */
  RelayResume = 185,
  // ---- Schemas (230-244): registry and (de)serialization. Schema index = position in schemaRegistry.schemas. ----
  /** The registry answered a registration with an id: actor = producer, msg = -2 - topic actor (the subject's topic), partition = version, offset = global schema id, aux = schema index. */
  SchemaRegistered = 230,
  /** The registry refused a registration under the subject's mode (409): actor = producer, msg = -2 - topic actor, aux = schema index. */
  SchemaRefused = 231,
  /** A send failed in the serializer because the registry refused its schema (nothing written): msg, actor = producer, aux = schema index. */
  SerializeFailed = 232,
  /** A consumer decoded the record: msg, actor = member, aux = group, partition = reader schema index, offset = writer schema id. */
  Decoded = 233,
  /** A consumer could not decode the record: msg, actor = member, aux = group, partition = reader schema index, offset = writer schema id (-1: not in the wire format). */
  DecodeFailed = 234,
  /** What the consumer did with an undecodable record: msg, actor = member, aux = group, partition = 0 crash-loop / 1 skip / 2 stop / 3 handed to the application's error handling. */
  UndecodableHandled = 235,
  /** A producer's schema or a group's reader schema was upgraded: actor = producer or group, aux = schema index. */
  SchemaUpgraded = 236,
  /** The decoded record had reader fields the writer lacks, filled from the reader's defaults: msg, actor = member, aux = group, partition = reader schema index, offset = how many fields. */
  DefaultsApplied = 237,
  // ---- Application layer (140-169): handlers, dedup, effects, downstream calls, error handling. ----
  // owner = the consumer group's (or queue's) actor; store = the store's actor, -1 for a member's memory table.
  /** A dedup check found the idempotency key: actor = member, aux = store, partition = owner, offset = the message that wrote the key. */
  AppDedupHit = 140,
  /** A dedup check did not find it: actor = member, aux = store, partition = owner, offset = DedupMissReason (0 absent, 1 expired). */
  AppDedupMiss = 141,
  /** The idempotency key was written: actor = member, aux = store, partition = owner, offset = when it expires (µs). */
  AppDedupMark = 142,
  /** An effect was applied to a store: actor = member, aux = store, partition = owner, offset = EffectDedup (0 none, 1 atomic, 2 check-then-act). */
  AppEffect = 143,
  /** A downstream call was sent: actor = member, aux = service, partition = attempt (1-based), offset = owner. */
  AppCallStart = 144,
  /** A downstream call ended for the caller: actor = member, aux = service, partition = CallOutcome, offset = attempt. */
  AppCallEnd = 145,
  /** A circuit breaker changed state: msg = -1, actor = member, aux = service, partition = new BreakerState, offset = old state. */
  AppBreakerTransition = 146,
  /** A handler attempt failed: actor = member, aux = owner, partition = step index, offset = delivery attempt (1-based). */
  AppHandlerFailed = 147,
  /** Published to a dead-letter topic: actor = member, aux = DLT topic, partition = the record's partition, offset = attempts made. */
  AppDeadLetter = 148,
  /** Given up by policy (skip): actor = member, aux = owner, partition = the record's partition, offset = attempts made. */
  AppSkipped = 149,
  /** Moved to a retry topic: actor = member, aux = retry topic, partition = retry level (0, 1, ...), offset = its delay in µs. */
  AppRetryTopic = 150,
  /** The consumer stopped at this record (onFailure stop): actor = member, aux = owner, partition, offset = the record's offset. */
  AppStalled = 151,
  /** A redrive replayed a dead-lettered record (same message id): actor = DLT topic, aux = destination topic, partition = the record's partition. */
  AppRedrive = 152,
  /** A handler finished successfully: actor = member, aux = owner, partition = the record's partition, offset = attempts made. */
  AppHandlerDone = 153,
  /** A member paused fetching at its in-flight limit (consumer.pause): actor = member, aux = group, offset = records in flight. */
  AppMemberPaused = 154,
  /** The member resumed fetching (consumer.resume): actor = member, aux = group, offset = records in flight. */
  AppMemberResumed = 155,
  /** A handler's produce step sent a record (a pipeline stage): msg = the output record, actor = member, aux = output topic, partition = step index, offset = the input message it was produced from. */
  AppProduced = 156,
  // ---- Stream processing (200-229): aux = the application's group actor unless stated. Times in ms are Kafka timestamps. ----
  /** The producer stamped the record's event time: msg, actor = producer, offset = event time in ms. */
  EventTime = 200,
  /** A windowed aggregation dropped a record as late: msg = input, actor = application group, partition = window start (ms, -1: the whole record), aux = window end (ms), offset = the task's stream time (ms) then. */
  StreamRecordDropped = 201,
  /** A windowed result went downstream: msg = the sink record, actor = application group, partition = window start (ms), aux = window end (ms), offset = the value. */
  WindowResult = 202,
  /** A session that merged into a larger one was retracted downstream (tombstone): msg = the sink record, actor = application group, partition = start, aux = end (ms). */
  WindowRetracted = 203,
  /** A task began restoring its store: actor = instance, partition = task partition, offset = changelog records to replay (0: a caught-up standby), aux = group. */
  RestoreStart = 204,
  /** The task finished restoring and processes again: actor = instance, partition = task partition, offset = records replayed, aux = group. */
  RestoreEnd = 205,
  /** A join result went downstream: msg = the sink record, actor = application group, partition = left input message (-1: none, an unmatched right record), aux = right input message (-1: none), offset = task partition. */
  JoinResult = 206,
}

/** The last queue op code: checkers that walk queue rows take the range QueueSend..QUEUE_OP_LAST. */
export const QUEUE_OP_LAST = 99;

export const OP_NAMES: Record<number, string> = {
  1: "produce-attempt",
  2: "append",
  3: "ack",
  4: "produce-fail",
  5: "produce-unknown",
  6: "deliver",
  7: "process-start",
  8: "process-end",
  9: "commit",
  50: "rebalance-start",
  51: "group-stable",
  52: "partition-assigned",
  53: "partition-revoked",
  54: "partition-lost",
  55: "fetch-position",
  56: "commit-rejected",
  57: "member-joined",
  58: "member-left",
  59: "consumer-crashed",
  60: "consumer-restarted",
  61: "consumer-paused",
  62: "coordinator-moved",
  63: "offset-reset",
  64: "offset-reset-failed",
  65: "group-event",
  75: "offset-out-of-range",
  76: "offsets-expired",
  20: "produce-retry",
  21: "truncate",
  22: "leader-election",
  23: "unclean-leader-election",
  24: "partition-offline",
  25: "isr-shrink",
  26: "isr-expand",
  27: "fault-start",
  28: "fault-end",
  29: "produce-error",
  30: "duplicate-suppressed",
  31: "final-log-range",
  32: "broker-fence",
  33: "producer-epoch-bump",
  45: "log-retention",
  46: "partitions-added",
  47: "metadata-refresh",
  80: "queue-send",
  81: "queue-enqueue",
  82: "queue-send-ack",
  83: "queue-deduplicated",
  84: "queue-deliver",
  85: "queue-process-start",
  86: "queue-process-end",
  87: "queue-ack",
  88: "queue-ack-stale",
  89: "queue-nack",
  90: "queue-return",
  91: "queue-dead-letter",
  92: "queue-drop",
  93: "queue-redrive",
  94: "queue-residual",
  95: "queue-visibility-change",
  96: "queue-channel-closed",
  97: "queue-retry-publish",
  98: "queue-subscribe-refused",
  99: "queue-receive-error",
  170: "txn-init-producer-id",
  171: "txn-begin",
  172: "txn-record",
  173: "txn-add-partition",
  174: "txn-commit",
  175: "txn-abort",
  176: "txn-marker",
  177: "producer-fenced",
  178: "txn-offsets",
  180: "db-commit",
  181: "db-rollback",
  182: "relay-read",
  183: "relay-mark",
  184: "connector-offset-flush",
  185: "relay-resume",
  230: "schema-registered",
  231: "schema-refused",
  232: "serialize-failed",
  233: "decoded",
  234: "decode-failed",
  235: "undecodable-handled",
  236: "schema-upgraded",
  237: "defaults-applied",
  140: "app-dedup-hit",
  141: "app-dedup-miss",
  142: "app-dedup-mark",
  143: "app-effect",
  144: "app-call-start",
  145: "app-call-end",
  146: "app-breaker-transition",
  147: "app-handler-failed",
  148: "app-dead-letter",
  149: "app-skipped",
  150: "app-retry-topic",
  151: "app-stalled",
  152: "app-redrive",
  153: "app-handler-done",
  154: "app-member-paused",
  155: "app-member-resumed",
  156: "app-produced",
  200: "event-time",
  201: "stream-record-dropped",
  202: "window-result",
  203: "window-retracted",
  204: "restore-start",
  205: "restore-end",
  206: "join-result",
};


export type ActorKind = "producer" | "broker" | "consumer" | "group" | "topic" | "queue" | "service" | "store";

export class History {
  // Actors (producers, consumer members, groups, brokers, topics) are interned names.
  readonly actorNames: string[] = [];
  readonly actorKinds: ActorKind[] = [];
  private readonly actorIndex = new Map<string, number>();
  // Keys are interned so the message table stays numeric.
  readonly keyNames: string[] = [];
  private readonly keyIndex = new Map<string, number>();

  // Message table, indexed by message id (0-based).
  // Columns start narrow and widen on the first value that does not fit (see typed-arrays.ts): a queue message
  // costs 7 op rows, so 33 bytes a row was most of a long run's memory; 16 bytes hold the same values.
  messageCount = 0;
  msgProducer: SmallIntColumn = new Int8Array(1024);
  msgKey: SmallIntColumn = new Int8Array(1024);
  msgTopic: SmallIntColumn = new Int8Array(1024);
  /** Per-(producer, key) send sequence, so "produce order within a key" is a plain integer compare. */
  msgKeySeq: SmallIntColumn = new Int8Array(1024);
  msgCreatedUs: WideColumn = new Uint32Array(1024);
  /**
   * Next send sequence per key, one column per producer actor (key ids are dense). A Map keyed by
   * producer * 2^31 + key hashed a boxed double on every message: 10% of the cluster benchmark's CPU.
   */
  private readonly keySeqNext: Int32Array[] = [];

  // Operation log. Big columns grow in place (growInPlace): the arrays keep their identity and are never copied.
  opCount = 0;
  opKind = new Uint8Array(4096);
  opTimeUs: WideColumn = new Uint32Array(4096);
  opMsg = new Int32Array(4096);
  opActor: SmallIntColumn = new Int8Array(4096);
  opAux: SmallIntColumn = new Int8Array(4096);
  opPartition: SmallIntColumn = new Int8Array(4096);
  opOffset: WideColumn = new Int32Array(4096);

  actor(name: string, kind: ActorKind): number {
    let id = this.actorIndex.get(name);
    if (id === undefined) {
      id = this.actorNames.length;
      this.actorNames.push(name);
      this.actorKinds.push(kind);
      this.actorIndex.set(name, id);
    }
    return id;
  }

  actorId(name: string): number | undefined {
    return this.actorIndex.get(name);
  }

  key(name: string): number {
    let id = this.keyIndex.get(name);
    if (id === undefined) {
      id = this.keyNames.length;
      this.keyNames.push(name);
      this.keyIndex.set(name, id);
    }
    return id;
  }

  /** Creates a message row and returns its id. */
  newMessage(producer: number, key: number, topic: number, createdUs: number): number {
    const id = this.messageCount++;
    if (id >= this.msgProducer.length) {
      const n = id + 1;
      this.msgProducer = growInPlace(this.msgProducer, n);
      this.msgKey = growInPlace(this.msgKey, n);
      this.msgTopic = growInPlace(this.msgTopic, n);
      this.msgKeySeq = growInPlace(this.msgKeySeq, n);
      this.msgCreatedUs = growInPlace(this.msgCreatedUs, n);
    }
    const p = this.msgProducer, k = this.msgKey, t = this.msgTopic, c = this.msgCreatedUs, q = this.msgKeySeq;
    let next = this.keySeqNext[producer];
    if (next === undefined || key >= next.length) next = this.keySeqNext[producer] = grow(next ?? new Int32Array(64), key + 1);
    const seq = next[key]++;
    p[id] = producer;
    k[id] = key;
    t[id] = topic;
    c[id] = createdUs;
    q[id] = seq;
    if (p[id] !== producer || k[id] !== key || t[id] !== topic || c[id] !== createdUs || q[id] !== seq) this.widenMessage(id, producer, key, topic, createdUs, seq);
    return id;
  }

  record(kind: Op, timeUs: number, msg: number, actor: number, partition = -1, offset = -1, aux = -1): void {
    const i = this.opCount++;
    if (i >= this.opKind.length) {
      const n = i + 1;
      this.opKind = growInPlace(this.opKind, n);
      this.opTimeUs = growInPlace(this.opTimeUs, n);
      this.opMsg = growInPlace(this.opMsg, n);
      this.opActor = growInPlace(this.opActor, n);
      this.opAux = growInPlace(this.opAux, n);
      this.opPartition = growInPlace(this.opPartition, n);
      this.opOffset = growInPlace(this.opOffset, n);
    }
    this.opKind[i] = kind;
    this.opMsg[i] = msg;
    const t = this.opTimeUs, a = this.opActor, x = this.opAux, p = this.opPartition, o = this.opOffset;
    t[i] = timeUs;
    a[i] = actor;
    x[i] = aux;
    p[i] = partition;
    o[i] = offset;
    if (t[i] !== timeUs || a[i] !== actor || x[i] !== aux || p[i] !== partition || o[i] !== offset) this.widenRow(i, timeUs, actor, partition, offset, aux);
  }

  // A value did not fit a narrow column: widen that column (at most twice per column and run) and write the value again.
  // Int32 columns keep today's 32-bit semantics (a wider value wraps, as it always did), and a NaN never
  // compares equal, so both stop here without widening further.
  private widenRow(i: number, timeUs: number, actor: number, partition: number, offset: number, aux: number): void {
    if (this.opTimeUs[i] !== timeUs) (this.opTimeUs = widerNumber(this.opTimeUs))[i] = timeUs;
    if (this.opOffset[i] !== offset) (this.opOffset = widerNumber(this.opOffset))[i] = offset;
    if (this.opActor[i] !== actor) (this.opActor = widerInt(this.opActor, actor))[i] = actor;
    if (this.opAux[i] !== aux) (this.opAux = widerInt(this.opAux, aux))[i] = aux;
    if (this.opPartition[i] !== partition) (this.opPartition = widerInt(this.opPartition, partition))[i] = partition;
  }

  private widenMessage(id: number, producer: number, key: number, topic: number, createdUs: number, seq: number): void {
    if (this.msgProducer[id] !== producer) (this.msgProducer = widerInt(this.msgProducer, producer))[id] = producer;
    if (this.msgKey[id] !== key) (this.msgKey = widerInt(this.msgKey, key))[id] = key;
    if (this.msgTopic[id] !== topic) (this.msgTopic = widerInt(this.msgTopic, topic))[id] = topic;
    if (this.msgCreatedUs[id] !== createdUs) (this.msgCreatedUs = widerNumber(this.msgCreatedUs))[id] = createdUs;
    if (this.msgKeySeq[id] !== seq) (this.msgKeySeq = widerInt(this.msgKeySeq, seq))[id] = seq;
  }

  /** Readable name of a message, used in explanations. */
  messageName(msg: number): string {
    return `m-${msg}`;
  }

  keyOf(msg: number): string {
    return this.keyNames[this.msgKey[msg]];
  }

  /**
   * Every row whose msg column equals `msg`, in time order (the log is already in time order). Some ops use that
   * column for something else (Truncate and LogRetention: a record count; LeaderElection and
   * UncleanLeaderElection: an epoch; FinalLogRange: a range end; ProducerEpochBump: an epoch), so a reader that
   * wants the message's own rows filters those out (explore/narrate marks them `notMessage`).
   */
  lineage(msg: number): number[] {
    const rows: number[] = [];
    for (let i = 0; i < this.opCount; i++) if (this.opMsg[i] === msg) rows.push(i);
    return rows;
  }
}

/** Builds a history by hand: tests and tiny examples use it to write histories as sentences. */
export class HistoryBuilder {
  readonly h = new History();
  send(producer: string, key: string, topic: string, atUs: number): number {
    const p = this.h.actor(producer, "producer");
    const t = this.h.actor(topic, "topic");
    const m = this.h.newMessage(p, this.h.key(key), t, atUs);
    this.h.record(Op.ProduceAttempt, atUs, m, p);
    return m;
  }
  append(msg: number, partition: number, offset: number, atUs: number): this {
    this.h.record(Op.Append, atUs, msg, this.h.msgTopic[msg], partition, offset);
    return this;
  }
  ack(msg: number, partition: number, offset: number, atUs: number): this {
    this.h.record(Op.Ack, atUs, msg, this.h.msgProducer[msg], partition, offset);
    return this;
  }
  process(msg: number, group: string, member: string, partition: number, offset: number, startUs: number, endUs: number): this {
    const g = this.h.actor(group, "group");
    const c = this.h.actor(member, "consumer");
    this.h.record(Op.Deliver, startUs, msg, c, partition, offset, g);
    this.h.record(Op.ProcessStart, startUs, msg, c, partition, offset, g);
    this.h.record(Op.ProcessEnd, endUs, msg, c, partition, offset, g);
    return this;
  }
  commit(group: string, member: string, partition: number, offset: number, atUs: number): this {
    const g = this.h.actor(group, "group");
    const c = this.h.actor(member, "consumer");
    this.h.record(Op.Commit, atUs, -1, c, partition, offset, g);
    return this;
  }
}
