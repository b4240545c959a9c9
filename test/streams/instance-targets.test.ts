import { describe, expect, it } from "vitest";
import { FaultTargets, type FaultTarget } from "../../src/faults/targets.ts";
import { InstanceTargets } from "../../src/streams/instance-targets.ts";

function fake(name: string, log: string[]): FaultTarget {
  return {
    name,
    kind: "consumer",
    crash: () => log.push(`crash ${name}`),
    restart: () => log.push(`restart ${name}`),
    pause: (us) => log.push(`pause ${name} ${us}`),
  };
}

describe("an application instance as one fault target", () => {
  it("crashes, restarts and pauses the member and the instance's producers together", () => {
    const run = new FaultTargets();
    const log: string[] = [];
    const producers = [fake("app-0-sink-producer", log), fake("app-0-changelog-producer", log)];
    const targets = new InstanceTargets(run, (m) => (m === "app-0" ? producers : []));
    targets.register(fake("app-0", log));
    run.get("app-0")!.crash({ loseUnflushed: false });
    run.get("app-0")!.restart();
    run.get("app-0")!.pause(5);
    expect(log).toEqual([
      "crash app-0",
      "crash app-0-sink-producer",
      "crash app-0-changelog-producer",
      "restart app-0",
      "restart app-0-sink-producer",
      "restart app-0-changelog-producer",
      "pause app-0 5",
      "pause app-0-sink-producer 5",
      "pause app-0-changelog-producer 5",
    ]);
    expect(targets.names("consumer")).toEqual(["app-0"]);
  });
});
