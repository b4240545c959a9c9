// The consumer-group protocols' vocabulary (classic, and the KIP-848 additions), shared by the coordinator and its members: error codes,
// why members leave and rebalances start (both recorded in the history by number), the request shapes,
// where a group's coordinator lives (Utils.abs(groupId.hashCode) % 50 offsets partitions), and how group
// rows name their topic in the history.
import type { TopicPartition } from "./assignors.ts";
import { javaStringHash } from "../java-hash.ts";

export type GroupError =
  | "NONE"
  | "UNKNOWN_MEMBER_ID"
  | "ILLEGAL_GENERATION"
  | "REBALANCE_IN_PROGRESS"
  | "FENCED_INSTANCE_ID"
  // The consumer rebalance protocol's (KIP-848) member-epoch errors.
  | "STALE_MEMBER_EPOCH"
  | "FENCED_MEMBER_EPOCH"
  | "UNRELEASED_INSTANCE_ID";
export const GROUP_ERROR_CODES: Record<GroupError, number> = {
  NONE: 0,
  UNKNOWN_MEMBER_ID: 1,
  ILLEGAL_GENERATION: 2,
  REBALANCE_IN_PROGRESS: 3,
  FENCED_INSTANCE_ID: 4,
  STALE_MEMBER_EPOCH: 5,
  FENCED_MEMBER_EPOCH: 6,
  UNRELEASED_INSTANCE_ID: 7,
};

/** Why a member left the group; recorded as the MemberLeft row's partition column. */
export const enum LeaveReason {
  LeaveGroup = 0,
  SessionTimeout = 1,
  PollTimeout = 2,
  Fenced = 3,
  RebalanceTimeout = 4,
  /** Consumer protocol: the member kept partitions it had to revoke past its rebalance timeout. */
  RevocationTimeout = 5,
  /** Consumer protocol: a static member left with epoch -2; it stays in the group, its partitions wait for it. */
  StaticLeave = 6,
}
export const LEAVE_REASONS = [
  "left the group",
  "session timeout",
  "max.poll.interval exceeded",
  "fenced",
  "did not rejoin within the rebalance timeout",
  "did not revoke its partitions within the rebalance timeout",
  "left for a while (static member, epoch -2; its partitions wait for it until the session timeout)",
];

/** Why a rebalance started; recorded as the RebalanceStart row's partition column. */
export const enum RebalanceCause {
  MemberJoined = 0,
  MemberLeft = 1,
  SessionTimeout = 2,
  RevokedPartitions = 3,
  CoordinatorMoved = 4,
  MetadataChanged = 5,
  /** Consumer protocol: a member was fenced for not revoking within its rebalance timeout. */
  MemberFenced = 6,
}
export const REBALANCE_CAUSES = [
  "a member joined",
  "a member left",
  "a member's session timed out",
  "a member revoked partitions (cooperative second round)",
  "the coordinator moved",
  "subscription changed",
  "a member was fenced (it did not revoke in time)",
];

/** The client side the coordinator answers; responses travel over the network like any other. */
export interface GroupClient {
  readonly name: string;
  readonly actorId: number;
  onJoinResponse(r: { error: GroupError; memberId: string; generation: number; leader: boolean }): void;
  onSyncResponse(r: { error: GroupError; generation: number; assignment: TopicPartition[] }): void;
  onHeartbeatResponse(r: { error: GroupError }): void;
  onCommitResponse(r: { error: GroupError; offsets: CommitOffset[]; generation: number; sync: boolean }): void;
}

// ---------- the consumer rebalance protocol (KIP-848): one ConsumerGroupHeartbeat RPC ----------

/** ConsumerGroupHeartbeat's special member epochs. */
export const JOIN_EPOCH = 0;
export const LEAVE_EPOCH = -1;
export const STATIC_LEAVE_EPOCH = -2;

export interface ConsumerHeartbeatResponse {
  error: GroupError;
  memberId: string;
  memberEpoch: number;
  heartbeatIntervalUs: number;
  /** The partitions the member should own now (assigned, not pending revocation). */
  assignment: TopicPartition[];
}

/** Who heartbeats: the member's consumer-protocol side. */
export interface ConsumerProtocolClient {
  readonly name: string;
  readonly actorId: number;
  onConsumerHeartbeatResponse(r: ConsumerHeartbeatResponse): void;
}

/** Who commits: the consumer itself. */
export interface CommitClient {
  readonly name: string;
  readonly actorId: number;
  onCommitResponse(r: { error: GroupError; offsets: CommitOffset[]; generation: number; sync: boolean }): void;
}

export interface ConsumerHeartbeatRequest {
  client: ConsumerProtocolClient;
  memberId: string;
  instanceId?: string;
  memberEpoch: number;
  topics: readonly string[];
  owned: readonly TopicPartition[];
  rebalanceTimeoutUs: number;
  /** Why a member leaves (epoch -1), for the history. */
  leaveReason?: LeaveReason;
}

export interface CommitOffset {
  tp: TopicPartition;
  offset: number;
}

export interface JoinRequest {
  client: GroupClient;
  memberId: string;
  instanceId?: string;
  topics: string[];
  owned: TopicPartition[];
  ownedGeneration: number;
  rebalanceTimeoutUs: number;
  sessionTimeoutUs: number;
}

export { javaStringHash } from "../java-hash.ts";

/** Kafka's Utils.abs (MIN_VALUE → 0) of the group id's hash, modulo offsets.topic.num.partitions (50). */
export function offsetsPartitionFor(groupId: string, offsetsPartitions = 50): number {
  const h = javaStringHash(groupId);
  return (h === -2147483648 ? 0 : Math.abs(h)) % offsetsPartitions;
}

/** What the coordinator needs from the cluster: which brokers are up, and news of crashes. */
export interface BrokerLiveness {
  readonly brokers: readonly { readonly id: number; readonly name: string }[];
  isAlive(broker: number): boolean;
  onBrokerEvent?(fn: (e: { kind: "crash" | "restart"; brokerId: number }) => void): void;
}

/** Commit rows carry the topic in the msg column as -2 - topic actor (-1 would mean "topic not recorded"). */
export function commitMsgFor(topicActor: number): number {
  return topicActor >= 0 ? -2 - topicActor : -1;
}

/** The topic actor of a commit / assignment row, or -1 when it was not recorded. */
export function topicOfCommitRow(msg: number): number {
  return msg <= -2 ? -2 - msg : -1;
}
