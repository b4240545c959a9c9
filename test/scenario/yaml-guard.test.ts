import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ScenarioError } from "../../src/scenario/errors.ts";
import { loadYaml } from "../../src/scenario/load-yaml.ts";
import { YAML_LIMITS, decodeScenarioBytes, firstInvalidUtf8 } from "../../src/scenario/yaml-guard.ts";

const Any = z.record(z.string(), z.unknown());

function errorOf(text: string): ScenarioError {
  try {
    loadYaml(text, "x.yaml", Any);
  } catch (err) {
    if (err instanceof ScenarioError) return err;
    throw err;
  }
  throw new Error("expected the document to be refused");
}

describe("YAML limits", () => {
  it("refuses 100,000 nested flow lists at the nesting-depth limit instead of overflowing the stack", () => {
    const err = errorOf(`deep: ${"[".repeat(100_000)}${"]".repeat(100_000)}\n`);
    expect(err.code).toBe("E_YAML_LIMIT");
    expect(err.issues[0]!.message).toMatch(/nesting-depth limit/);
    expect(err.issues[0]).toMatchObject({ line: 1, col: 6 + YAML_LIMITS.maxDepth });
  });

  it("refuses deep block nesting and nested flow maps the same way", () => {
    const block = Array.from({ length: 500 }, (_, i) => `${" ".repeat(i)}k:`).join("\n") + " 1\n";
    expect(errorOf(block).issues[0]!.message).toMatch(/nesting-depth limit/);
    expect(errorOf(`a: ${"{b: ".repeat(5000)}1${"}".repeat(5000)}\n`).issues[0]!.message).toMatch(/nesting-depth limit/);
  });

  it("accepts nesting up to the limit", () => {
    const depth = YAML_LIMITS.maxDepth - 2;
    expect(loadYaml(`deep: ${"[".repeat(depth)}${"]".repeat(depth)}\n`, "x.yaml", Any)).toHaveProperty("deep");
  });

  it("names the billion-laughs bomb an alias-expansion limit", () => {
    let text = `a0: &a0 "lol"\n`;
    for (let i = 1; i <= 9; i++) text += `a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(", ")}]\n`;
    const err = errorOf(text);
    expect(err.code).toBe("E_YAML_LIMIT");
    expect(err.issues[0]!.message).toMatch(/alias-expansion limit/);
    expect(err.issues[0]!.message).toMatch(/billion laughs/);
  });

  it("limits the number of aliases (a large string aliased 900 times)", () => {
    const err = errorOf(`big: &big "${"x".repeat(1000)}"\nrefs: [${Array(900).fill("*big").join(", ")}]\n`);
    expect(err.issues[0]!.message).toMatch(/alias-count limit/);
  });

  it("refuses a document over the size limit", () => {
    expect(() => decodeScenarioBytes(new Uint8Array(YAML_LIMITS.maxBytes + 1), "x.yaml")).toThrow(/limited to/);
    expect(errorOf(`a: "${"x".repeat(YAML_LIMITS.maxBytes)}"\n`).code).toBe("E_YAML_LIMIT");
  });
});

describe("YAML errors located where the trouble starts", () => {
  it("points an unclosed quote at the quote that opened it", () => {
    const err = errorOf(`name: "demo\nduration: 5s\ntopics: []\n`);
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0]).toMatchObject({ line: 1, col: 7 });
    expect(err.issues[0]!.message).toMatch(/never closed/);
  });

  it("does not take an apostrophe in plain text for a quote", () => {
    expect(loadYaml(`description: don't panic\nname: 'it''s'\n`, "x.yaml", Any)).toEqual({ description: "don't panic", name: "it's" });
  });

  it("names a bracket closed by the wrong kind", () => {
    const err = errorOf(`topics: [{ name: t, partitions: 3 ]\nname: x\n`);
    expect(err.issues[0]).toMatchObject({ line: 1, col: 10 });
    expect(err.issues[0]!.message).toMatch(/closed by \] at line 1, column 35/);
  });

  it("explains a block dedented by one space: the line, and what YAML took it as", () => {
    const err = errorOf("producers:\n  - name: p\n    topic: t\n   rate: 200/s\n");
    expect(err.issues[0]!.line).toBe(4);
    expect(err.issues[0]!.message).toMatch(/line 4 is indented 3 spaces, one less than `topic` on line 3 \(4\)/);
    expect(err.issues[0]!.hint).toMatch(/indent line 4 by 4 spaces/);
  });

  it("locates an undefined alias", () => {
    const err = errorOf("a: 1\nb: *nosuch\n");
    expect(err.issues[0]).toMatchObject({ line: 2, col: 4 });
    expect(err.issues[0]!.message).toMatch(/\*nosuch refers to no anchor/);
  });

  it("refuses an alias inside its own anchor instead of building a cycle", () => {
    const err = errorOf("a: &t [1, *t]\n");
    expect(err.issues[0]!.message).toMatch(/would contain itself/);
  });

  it("refuses a list used as a mapping key (no warning on stderr)", () => {
    const err = errorOf("? [a, b]\n: 1\n");
    expect(err.issues[0]!.message).toMatch(/a list is used as a mapping key/);
  });

  it("refuses a merge key with a scalar", () => {
    const err = errorOf("a: { <<: 5, b: 1 }\n");
    expect(err.issues[0]!.message).toMatch(/merge key `<<` needs a mapping/);
    expect(loadYaml("d: &d { x: 1 }\na: { <<: *d, b: 1 }\n", "x.yaml", Any)).toEqual({ d: { x: 1 }, a: { x: 1, b: 1 } });
  });

  it("treats __proto__ and constructor as plain keys and pollutes nothing", () => {
    const data = loadYaml("__proto__: { polluted: true }\nconstructor: 1\n", "x.yaml", z.unknown()) as Record<string, unknown>;
    expect(Object.keys(data)).toEqual(["__proto__", "constructor"]);
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("encodings", () => {
  it("names the byte offset, line and column of the first byte that is not UTF-8", () => {
    const bytes = Buffer.concat([Buffer.from("name: x\ndescription: caf"), Buffer.from([0xe9]), Buffer.from(" au lait\n")]);
    expect(firstInvalidUtf8(bytes)).toBe(24);
    expect(() => decodeScenarioBytes(bytes, "x.yaml")).toThrow(/byte 0xE9 at byte offset 24 \(line 2, column 17\)/);
  });

  it("accepts UTF-8 text with accents and emoji, and strips a UTF-8 byte order mark", () => {
    expect(decodeScenarioBytes(Buffer.from("\uFEFFa: café 🚀\n"), "x.yaml")).toBe("a: café 🚀\n");
  });

  it("refuses UTF-16 and overlong or surrogate UTF-8 forms", () => {
    expect(() => decodeScenarioBytes(Buffer.from([0xff, 0xfe, 0x61, 0]), "x.yaml")).toThrow(/UTF-16/);
    expect(firstInvalidUtf8(Buffer.from([0x61, 0xc0, 0x80]))).toBe(1);
    expect(firstInvalidUtf8(Buffer.from([0xed, 0xa0, 0x80]))).toBe(0);
  });
});
