// `brokersim assign`: the partition assignment the model's assignors would make for a set of members, so a
// user can check by hand what range, roundrobin or the sticky assignors do before running a scenario.
import { readFileSync } from "node:fs";
import { ASSIGNORS, assign, compareTopicPartitions, type AssignorMember, type AssignorName, type TopicPartition } from "../models/groups/assignors.ts";
import { BrokersimError } from "../scenario/errors.ts";

export interface AssignArgs {
  strategy: string;
  topics: string[];
  members: string[];
  previous?: string;
  json: boolean;
}

function usage(message: string, hint: string): BrokersimError {
  return new BrokersimError("E_USAGE", message, { hint });
}

/** "orders:12,payments:3" (the option may also repeat) → topic → partition count. */
export function parseTopics(values: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const item of values.flatMap((v) => v.split(",")).filter((s) => s.length > 0)) {
    const m = /^([^:\s]+):(\d+)$/.exec(item);
    if (!m || Number(m[2]) < 1) {
      throw usage(`--topics: expected NAME:COUNT with a positive count, found "${item}"`, "e.g. --topics orders:12,payments:3");
    }
    if (out.has(m[1])) throw usage(`--topics: topic "${m[1]}" is listed twice`, "list each topic once");
    out.set(m[1], Number(m[2]));
  }
  if (out.size === 0) throw usage("--topics: no topic given", "e.g. --topics orders:12");
  return out;
}

/** "C0" subscribes to every topic; "C1:orders,payments" to those two. */
export function parseMembers(values: readonly string[], topics: ReadonlyMap<string, number>): AssignorMember[] {
  if (values.length === 0) throw usage("no --member given", "name each consumer, e.g. --member C0 --member C1:orders");
  const seen = new Set<string>();
  return values.map((v) => {
    const colon = v.indexOf(":");
    const memberId = colon < 0 ? v : v.slice(0, colon);
    if (memberId.length === 0) throw usage(`--member: empty member id in "${v}"`, "e.g. --member C0 or --member C0:orders,payments");
    if (seen.has(memberId)) throw usage(`--member: "${memberId}" is given twice`, "member ids must be unique");
    seen.add(memberId);
    const list = colon < 0 ? [...topics.keys()] : v.slice(colon + 1).split(",").filter((s) => s.length > 0);
    if (list.length === 0) throw usage(`--member: "${v}" lists no topic after ':'`, "drop the ':' to subscribe to every topic");
    for (const t of list) {
      if (!topics.has(t)) throw usage(`--member ${memberId}: topic "${t}" is not in --topics`, `declare it, e.g. --topics ${[...topics.keys(), t].map((x) => `${x}:${topics.get(x) ?? 3}`).join(",")}`);
    }
    return { memberId, topics: list };
  });
}

/** Reads a prior assignment in the --json output shape: {"C0": [{"topic": "t", "partition": 0}, ...], ...}. */
export function parsePrevious(text: string, file: string, topics: ReadonlyMap<string, number>): Map<string, TopicPartition[]> {
  const shape = `{"MEMBER": [{"topic": "NAME", "partition": N}, ...], ...} (what --json prints)`;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw usage(`--previous ${file}: not valid JSON (${(e as Error).message})`, `expected ${shape}`);
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) throw usage(`--previous ${file}: expected an object of members`, `expected ${shape}`);
  const out = new Map<string, TopicPartition[]>();
  for (const [member, list] of Object.entries(data)) {
    if (!Array.isArray(list)) throw usage(`--previous ${file}: member "${member}" should map to a list`, `expected ${shape}`);
    out.set(
      member,
      list.map((tp: unknown, i) => {
        const o = tp as { topic?: unknown; partition?: unknown };
        if (typeof o?.topic !== "string" || !Number.isInteger(o?.partition)) {
          throw usage(`--previous ${file}: ${member}[${i}] should be {"topic": NAME, "partition": N}`, `expected ${shape}`);
        }
        const count = topics.get(o.topic);
        if (count === undefined || (o.partition as number) < 0 || (o.partition as number) >= count) {
          throw usage(`--previous ${file}: ${member}[${i}] names ${o.topic}-${o.partition}, which --topics does not have`, "match --topics to the prior assignment");
        }
        return { topic: o.topic, partition: o.partition as number };
      }),
    );
  }
  return out;
}

export function runAssign(args: AssignArgs, readFile: (path: string) => string = (p) => readFileSync(p, "utf8")): string {
  if (!(ASSIGNORS as readonly string[]).includes(args.strategy)) {
    throw usage(`--strategy: unknown assignor "${args.strategy}"`, `choose one of ${ASSIGNORS.join(", ")}`);
  }
  const topics = parseTopics(args.topics);
  const members = parseMembers(args.members, topics);
  if (args.previous !== undefined) {
    let text: string;
    try {
      text = readFile(args.previous);
    } catch (e) {
      throw new BrokersimError("E_FILE", `--previous: cannot read ${args.previous} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, {
        hint: "give a file written by `brokersim assign --json`",
      });
    }
    const previous = parsePrevious(text, args.previous, topics);
    for (const m of members) m.owned = previous.get(m.memberId) ?? [];
  }
  const { assignment, pending } = assign(args.strategy as AssignorName, members, topics);
  const ids = members.map((m) => m.memberId);
  for (const list of assignment.values()) list.sort(compareTopicPartitions);
  if (args.json) {
    const obj: Record<string, TopicPartition[]> = {};
    for (const id of ids) obj[id] = assignment.get(id)!;
    return JSON.stringify(obj) + "\n";
  }
  const width = Math.max(...ids.map((id) => id.length));
  const lines = ids.map((id) => {
    const list = assignment.get(id)!;
    return `${id.padEnd(width)}  ${list.length === 0 ? "(none)" : list.map((tp) => `${tp.topic}-${tp.partition}`).join(" ")}`;
  });
  for (const p of pending) {
    lines.push(`pending ${p.tp.topic}-${p.tp.partition}: ${p.from} revokes it, ${p.to} gets it in the second rebalance`);
  }
  return lines.join("\n") + "\n";
}

export function cmdAssign(args: AssignArgs): number {
  process.stdout.write(runAssign(args));
  return 0;
}
