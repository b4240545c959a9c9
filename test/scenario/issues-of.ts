import { loadScenarioText } from "../../src/scenario/load.ts";
import { ScenarioError } from "../../src/scenario/errors.ts";

/** The located issues a scenario text raises, one "line:col path: message" per line; "" when it loads. */
export function issuesOf(yaml: string): string {
  try {
    loadScenarioText(yaml, "t.yaml");
    return "";
  } catch (e) {
    if (e instanceof ScenarioError) return e.issues.map((i) => `${i.line}:${i.col} ${i.path}: ${i.message}`).join("\n");
    throw e;
  }
}
