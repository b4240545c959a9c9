import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { BrokersimError, ScenarioError, formatIssues, type ScenarioIssue } from "../../src/scenario/errors.ts";
import { acceptedKeys } from "../../src/scenario/zod-units.ts";
import { loadYaml, loadYamlFile, loadYamlLocated, throwIfIssues } from "../../src/scenario/load-yaml.ts";
import { zBytes, zDuration, zPositiveDuration, zProbability, zRate } from "../../src/scenario/zod-units.ts";

// A small stand-in for the scenario schema: nesting, lists, defaults, a union and a discriminated union.
const zDistribution = z.union([
  zDuration,
  z.strictObject({ constant: zDuration }),
  z.strictObject({ lognormal: z.strictObject({ median: zDuration, sigma: z.number().nonnegative() }) }),
]);
const TestSchema = z.strictObject({
  name: z.string(),
  duration: zDuration,
  topics: z.array(z.strictObject({
    name: z.string(),
    partitions: z.number().int().min(1).default(1),
    maxMessageSize: zBytes.prefault("1MiB"),
  })).default([]),
  producers: z.array(z.strictObject({ name: z.string(), topic: z.string(), rate: zRate, loss: zProbability.default(0) }))
    .default([]),
  consumerGroups: z.array(z.strictObject({
    name: z.string(),
    topic: z.string(),
    processing: zDistribution.default(0),
    commit: z.discriminatedUnion("mode", [
      z.strictObject({ mode: z.literal("auto"), interval: zPositiveDuration.prefault("5s") }),
      z.strictObject({ mode: z.literal("manual") }),
    ]).default({ mode: "auto", interval: 5_000_000 }),
  })).default([]),
});

/** The issues of the ScenarioError that loading `text` throws. */
function issuesOf(text: string, file = "x.yaml"): ScenarioIssue[] {
  try {
    loadYaml(text, file, TestSchema);
  } catch (err) {
    if (err instanceof ScenarioError) return err.issues;
    throw err;
  }
  throw new Error("expected the scenario to be rejected");
}

function errorOf(text: string): ScenarioError {
  try {
    loadYaml(text, "x.yaml", TestSchema);
  } catch (err) {
    if (err instanceof ScenarioError) return err;
    throw err;
  }
  throw new Error("expected the scenario to be rejected");
}

const VALID = `name: demo
duration: 30s
topics:
  - { name: orders, partitions: 12 }
producers:
  - { name: checkout, topic: orders, rate: 2000/s }
consumerGroups:
  - name: billing
    topic: orders
    processing: { lognormal: { median: 2ms, sigma: 0.5 } }
`;

describe("loadYaml", () => {
  it("returns the parsed value with units resolved and defaults filled", () => {
    const value = loadYaml(VALID, "x.yaml", TestSchema);
    expect(value.duration).toBe(30_000_000);
    expect(value.topics[0]).toEqual({ name: "orders", partitions: 12, maxMessageSize: 1_048_576 });
    expect(value.producers[0]!.rate).toBe(2000);
    expect(value.consumerGroups[0]!.commit).toEqual({ mode: "auto", interval: 5_000_000 });
    expect(value.consumerGroups[0]!.processing).toEqual({ lognormal: { median: 2000, sigma: 0.5 } });
  });

  it("reports an unclosed bracket at the line and column where it opened", () => {
    const err = errorOf("name: demo\ntopics: [orders\nduration: 5s\n");
    expect(err.code).toBe("E_YAML_SYNTAX");
    expect(err.issues[0]).toMatchObject({ file: "x.yaml", line: 2, col: 9 });
    expect(err.issues[0]!.message).toMatch(/never closed/);
  });

  it("reports a duplicate key as a syntax error with a hint", () => {
    const [issue] = issuesOf("name: a\nduration: 1s\nname: b\n");
    expect(issue).toMatchObject({ line: 3, col: 1, code: "E_YAML_SYNTAX" });
    expect(issue!.hint).toMatch(/once per mapping/);
  });

  it("points a wrong type at a nested path to the value's line and column", () => {
    const [issue] = issuesOf("name: demo\nduration: 5s\ntopics:\n  - name: orders\n    partitions: many\n");
    expect(issue).toMatchObject({
      line: 5, col: 17, path: "topics[0].partitions", expected: "a number", found: `"many"`,
      message: `expected a number, found "many"`,
    });
  });

  it("hints that a quoted number is text", () => {
    const [issue] = issuesOf(`name: demo\nduration: 5s\ntopics: [{ name: t, partitions: "12" }]\n`);
    expect(issue!.hint).toBe(`remove the quotes: 12 is a number, "12" is text`);
  });

  it("points an unknown key at the key itself and suggests the closest accepted key", () => {
    const err = errorOf("name: demo\nduration: 5s\ntopics:\n  - name: orders\n    partitons: 12\n");
    expect(err.code).toBe("E_UNKNOWN_KEY");
    expect(err.issues).toEqual([expect.objectContaining({
      line: 5, col: 5, path: "topics[0].partitons", message: "unknown key `partitons`", hint: "did you mean `partitions`?",
    })]);
  });

  it("lists the accepted keys when no key is close", () => {
    const [issue] = issuesOf("name: demo\nduration: 5s\nwhatever: 1\n");
    expect(issue!.hint).toBe("keys allowed here: name, duration, topics, producers, consumerGroups");
  });

  it("points a missing required key at its parent mapping", () => {
    const [issue] = issuesOf("name: demo\nduration: 5s\nproducers:\n  - name: checkout\n    rate: 5/s\n");
    expect(issue).toMatchObject({ line: 4, col: 5, path: "producers[0].topic", message: "missing required key `topic` (expected a string)" });
    expect(issue!.hint).toBeUndefined();
  });

  it("rejects a negative duration", () => {
    const [issue] = issuesOf("name: demo\nduration: -5s\n");
    expect(issue).toMatchObject({ line: 2, col: 11, path: "duration", expected: "a duration of 0 or more", found: `"-5s"` });
  });

  it("rejects a rate written as a word, saying what a rate looks like", () => {
    const [issue] = issuesOf("name: demo\nduration: 5s\nproducers:\n  - { name: p, topic: t, rate: fast }\n");
    expect(issue).toMatchObject({ line: 4, col: 32, path: "producers[0].rate" });
    expect(issue!.message).toBe(`expected a rate like "2000/s", "5/ms" or "120/min", found "fast"`);
  });

  it("rejects a bare number as a duration, with a hint to add a unit", () => {
    const [issue] = issuesOf("name: demo\nduration: 30\n");
    expect(issue).toMatchObject({ line: 2, col: 11, found: "30", hint: `add a unit, e.g. "30ms" or "30s"` });
  });

  it("rejects a value that fits no branch of a union with one readable sentence", () => {
    const [issue, ...rest] = issuesOf("name: demo\nduration: 5s\nconsumerGroups:\n  - { name: g, topic: t, processing: fast }\n");
    expect(rest).toEqual([]);
    expect(issue!.path).toBe("consumerGroups[0].processing");
    expect(issue!.message).toBe(`expected a duration like "250ms", "30s" or "2m", or a mapping, found "fast"`);
  });

  it("reports the problem inside the union branch whose shape the value has", () => {
    const issues = issuesOf(
      "name: demo\nduration: 5s\nconsumerGroups:\n  - name: g\n    topic: t\n    processing: { lognormal: { median: x, sigma: 1 } }\n",
    );
    expect(issues).toEqual([expect.objectContaining({ path: "consumerGroups[0].processing.lognormal.median", line: 6, col: 40 })]);
  });

  it("suggests the union branch key for a misspelt tag key", () => {
    const issues = issuesOf("name: demo\nduration: 5s\nconsumerGroups:\n  - { name: g, topic: t, processing: { lognormall: {} } }\n");
    expect(issues).toEqual([expect.objectContaining({ message: "unknown key `lognormall`", hint: "did you mean `lognormal`?" })]);
  });

  it("names the allowed tags of a discriminated union and guesses the intended one", () => {
    const [issue] = issuesOf("name: demo\nduration: 5s\nconsumerGroups:\n  - { name: g, topic: t, commit: { mode: auot } }\n");
    expect(issue).toMatchObject({ path: "consumerGroups[0].commit.mode", expected: `one of "auto", "manual"`, hint: `did you mean "auto"?` });
  });

  it("rejects an empty file and a top level that is not a mapping", () => {
    expect(issuesOf("")[0]!.message).toBe("expected a mapping of keys at the top level, found an empty document");
    expect(issuesOf("# only a comment\n")[0]!.message).toMatch(/found an empty document/);
    expect(issuesOf("- a\n- b\n")[0]!.message).toMatch(/found a list/);
  });

  it("reports every problem, in file order", () => {
    const issues = issuesOf("name: 1\nduration: 30\nproducers:\n  - { name: p, topic: t, rate: 0.5 }\n");
    expect(issues.map((i) => `${i.line}:${i.path}`)).toEqual(["1:name", "2:duration", "4:producers[0].rate"]);
  });

  it("locates keys that came in through a `<<` merge at the anchor", () => {
    const Schema = TestSchema.extend({ defaults: z.unknown().optional() });
    const text = "defaults: &p { topic: t, rate: 5/x }\nname: demo\nduration: 5s\nproducers:\n  - <<: *p\n    name: p\n";
    try {
      loadYaml(text, "x.yaml", Schema);
      expect.unreachable();
    } catch (err) {
      expect((err as ScenarioError).issues[0]).toMatchObject({ path: "producers[0].rate", line: 1, col: 32 });
    }
  });
});

describe("cross-reference issues after validation", () => {
  it("are located through the source and thrown together", () => {
    const text = VALID.replace("topic: orders\n    processing", "topic: ordrs\n    processing");
    const { value, source } = loadYamlLocated(text, "x.yaml", TestSchema);
    const topicNames = value.topics.map((t) => t.name);
    const issues = value.consumerGroups.flatMap((group, i) => topicNames.includes(group.topic) ? [] : [
      source.issue(["consumerGroups", i, "topic"], `no topic named "${group.topic}"`, { hint: `topics: ${topicNames.join(", ")}` }),
    ]);
    expect(() => throwIfIssues(issues)).toThrow(ScenarioError);
    expect(issues[0]).toMatchObject({ line: 9, col: 12, path: "consumerGroups[0].topic", found: `"ordrs"`, code: "E_REFERENCE" });
    expect(source.locate(["consumerGroups", 0, "topic"], "key")).toEqual({ line: 9, col: 5 });
    expect(source.locate(["consumerGroups", 0, "nothing", "here"])).toEqual({ line: 8, col: 5 });
    expect(() => throwIfIssues([])).not.toThrow();
  });
});

describe("formatIssues", () => {
  it("prints file:line:col, the path and the message, then the hint indented, without a stack", () => {
    const text = formatIssues(issuesOf("name: demo\nduration: 5s\nproducers:\n  - { name: p, topic: t, rate: fast }\n", "scenarios/x.yaml"));
    expect(text).toBe([
      `scenarios/x.yaml:4:32  producers[0].rate: expected a rate like "2000/s", "5/ms" or "120/min", found "fast"`,
      `    hint: write the count per unit of time, e.g. "2000/s", "5/ms", "120/min" or "1/250ms"`,
    ].join("\n"));
    expect(text).not.toMatch(/at .*\.ts:\d+/);
  });
});

describe("loadYamlFile", () => {
  const dir = mkdtempSync(join(tmpdir(), "brokersim-load-"));
  writeFileSync(join(dir, "auto-commit.yaml"), VALID);

  it("loads a file and names it in issues", () => {
    expect(loadYamlFile(join(dir, "auto-commit.yaml"), TestSchema).name).toBe("demo");
  });

  it("reports a missing file as E_FILE, suggesting a similarly named one", () => {
    const path = join(dir, "auto-comit.yaml");
    expect(() => loadYamlFile(path, TestSchema)).toThrow(expect.objectContaining({
      code: "E_FILE", hint: `did you mean ${join(dir, "auto-commit.yaml")}?`,
    }));
  });

  it("reports a directory as E_FILE with a clear message", () => {
    expect(() => loadYamlFile(dir, TestSchema)).toThrow(BrokersimError);
    expect(() => loadYamlFile(dir, TestSchema)).toThrow(/is a directory, not a scenario file/);
  });
});

describe("acceptedKeys", () => {
  it("walks arrays, defaults, unions and discriminated unions to the object shape", () => {
    expect(acceptedKeys(TestSchema, ["topics", 0])).toEqual(["name", "partitions", "maxMessageSize"]);
    expect(acceptedKeys(TestSchema, ["consumerGroups", 3, "commit"])).toEqual(["mode", "interval"]);
    expect(acceptedKeys(TestSchema, ["consumerGroups", 0, "processing"])).toEqual(["constant", "lognormal"]);
    expect(acceptedKeys(TestSchema, ["nowhere"])).toEqual([]);
  });
});
