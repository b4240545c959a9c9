import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { scenarioReferenceMarkdown } from "../../src/scenario/reference.ts";
import { BROKERSIM_VERSION } from "../../src/version.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

describe("the scenario-file reference", () => {
  it("is up to date with the schema (run `npm run docs` after changing the schema)", () => {
    const onDisk = readFileSync(join(ROOT, "docs", "scenario-reference.md"), "utf8");
    expect(onDisk).toBe(scenarioReferenceMarkdown());
  });

  it("documents every field of the top level with a description", () => {
    const md = scenarioReferenceMarkdown();
    for (const f of ["name", "description", "duration", "drain", "seed", "topics", "producers", "consumerGroups", "expect"]) {
      expect(md).toMatch(new RegExp(`\\| \`${f}\` \\| [^|]+ \\| [^|]* \\| \\S`));
    }
  });

  it("is linked from the README", () => {
    expect(readFileSync(join(ROOT, "README.md"), "utf8")).toContain("docs/scenario-reference.md");
  });
});

describe("the version", () => {
  it("in result.json equals package.json's", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
    expect(BROKERSIM_VERSION).toBe(pkg.version);
  });
});
