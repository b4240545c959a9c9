// Replay on bundled scenarios reads in the system's words: names, partitions, offsets and the cause chain, no raw
// columns; the domain trace is one JSON object per history row and the same bytes for the same seed.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { messageTimeline, partitionTimeline, replaySeed, writeDomainTrace } from "../../src/explore/replay.ts";

const ROOT = join(import.meta.dirname, "..", "..");
const bundled = (name: string) => ({ text: readFileSync(join(ROOT, "scenarios", `${name}.yaml`), "utf8"), file: `${name}.yaml`, seed: 1 });
const RAW = /\bactor -?\d|\baux\b|undefined|NaN|op-\d/;

describe("replay of a bundled scenario in domain terms", () => {
  it("tells a record lost to an unclean election with the crash, the election and the chain behind it", () => {
    const run = replaySeed(bundled("kafka-unclean-election"));
    const lost = run.anomalies.find((a) => a.kind === "lost-write");
    expect(lost).toBeDefined();
    const msg = lost!.messageIds[0]!;
    const lines = messageTimeline(run.history, msg, undefined, run.scenario);
    const text = lines.join("\n");
    expect(text).not.toMatch(RAW);
    expect(text).toMatch(new RegExp(`appended to ledger-0 at offset \\d+ on leader broker-0`));
    expect(text).toContain("broker-0 crashed (fault 3: crash of broker-0)");
    expect(text).toMatch(/the controller fenced broker-\d \(its session expired\)/);
    expect(text).toMatch(/ISR of ledger-0 shrank to \{0\}: broker-2 dropped out/);
    const chain = lines[lines.indexOf("cause chain:") + 1]!;
    expect(chain).toMatch(/broker-0 crashed .* → .*the controller fenced broker-0 .* → .*broker-1 elected leader of ledger-0 UNCLEANLY .*: m-\d+ at ledger-0 offset \d+ was past the new leader's log end, so it is gone from the log/);
    const partition = partitionTimeline(run.history, "ledger-0", 20_000, run.scenario);
    expect(partition[0]).toMatch(/^partition ledger-0: \d+ rows$/);
    expect(partition.join("\n")).toMatch(/· 5\.000000s +broker-1 crashed \(fault 1: crash of broker-1\)/);
    expect(partitionTimeline(run.history, "nope-1")[0]).toMatch(/no partition "nope-1" in this run: .*topics: ledger/);
  });

  it("tells a queue's redelivery by its visibility timeout, and writes the same trace bytes for the same seed", () => {
    const a = replaySeed(bundled("queue-visibility-duplicates"));
    const dup = a.anomalies.find((x) => x.kind === "duplicate")!;
    const text = messageTimeline(a.history, dup.messageIds[0]!, undefined, a.scenario).join("\n");
    expect(text).not.toMatch(RAW);
    expect(text).toMatch(/queue thumbnails made it deliverable again: visibility timeout expired/);
    expect(text).toMatch(/deleted it with a stale receipt \d+: queue thumbnails answered success but did NOT delete it/);
    expect(text).toMatch(/cause chain:\n {2}.*visibility timeout expired .*: so m-\d+ was delivered again \(delivery 2\)/);

    const trace = (run: typeof a) => {
      let out = "";
      const rows = writeDomainTrace(run.history, (c) => (out += c), run.scenario);
      return { out, rows };
    };
    const first = trace(a);
    const second = trace(replaySeed(bundled("queue-visibility-duplicates")));
    expect(second.out).toBe(first.out);
    const lines = first.out.trimEnd().split("\n");
    expect(lines).toHaveLength(first.rows);
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed.every((o) => typeof o.t === "number" && typeof o.op === "string" && typeof o.text === "string")).toBe(true);
    expect(Object.keys(parsed.find((o) => o.op === "queue-deliver")!)).toEqual(["t", "op", "node", "msg", "key", "queue", "text"]);
    expect(first.out).not.toMatch(RAW);
  });
});
