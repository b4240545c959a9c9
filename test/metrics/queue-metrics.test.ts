import { describe, expect, it } from "vitest";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { loadScenarioFile } from "../../src/scenario/load.ts";
import { runScenario } from "../../src/runner/run-scenario.ts";

const DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "scenarios");

describe("queue metrics over time", () => {
  // Messages are pushed at once here (RabbitMQ prefetch), so the oldest held message is often minutes younger
  // than a bucket: the case where a bucket closed with the next message's enqueue time came out negative.
  for (const name of ["queue-rabbitmq-double-ack", "queue-poison-dlq"]) {
    it(`never reports a negative age of the oldest message (${name})`, () => {
      const scenario = loadScenarioFile(join(DIR, `${name}.yaml`));
      const { result } = runScenario(scenario, { seed: 1, file: `scenarios/${name}.yaml` });
      const queues = result.metrics.queues ?? [];
      expect(queues.length).toBeGreaterThan(0);
      for (const q of queues) {
        const ages = q.series.oldestAgeUs.filter((a): a is number => a !== null);
        expect(ages.length).toBeGreaterThan(0);
        expect(Math.min(...ages)).toBeGreaterThanOrEqual(0);
        expect(Math.max(...ages)).toBeGreaterThan(0);
      }
    });
  }
});
