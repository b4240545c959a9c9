// `brokersim partition`: the partition each key lands in, computed by the producer's own function.
import { partitionForKey } from "../models/kafka/partitioner.ts";
import { BrokersimError } from "../scenario/errors.ts";

async function readStdinLines(): Promise<string[]> {
  if (process.stdin.isTTY) return [];
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks)
    .toString("utf8")
    .split(/\r?\n/)
    .filter((l) => l.length > 0);
}

export async function cmdPartition(opts: { keys: string[]; partitions: number; json: boolean }): Promise<number> {
  if (!Number.isInteger(opts.partitions) || opts.partitions < 1) {
    throw new BrokersimError("E_USAGE", `--partitions: expected a positive whole number, found ${opts.partitions}`, {
      hint: "give the topic's partition count, e.g. --partitions 12",
    });
  }
  const keys = opts.keys.length > 0 ? opts.keys.map(String) : await readStdinLines();
  if (keys.length === 0) {
    throw new BrokersimError("E_USAGE", "no keys given", { hint: "pass keys as arguments or one per line on stdin" });
  }
  const rows = keys.map((key) => ({ key, partition: partitionForKey(key, opts.partitions) }));
  if (opts.json) process.stdout.write(JSON.stringify(rows) + "\n");
  else process.stdout.write(rows.map((r) => `${r.key}\t${r.partition}`).join("\n") + "\n");
  return 0;
}
