// Builds the scenario's publishing services (services with `publish:`) for a run; the runner calls this once,
// before the fault schedule is installed (services and connectors are fault targets), and starts them after.
import type { World } from "../../runner/world.ts";
import type { Cluster } from "../kafka/cluster.ts";
import { PublishingService } from "./service.ts";
import { publishingServices } from "../../scenario/schema.ts";

export function buildPublishingServices(world: World, cluster: Cluster): PublishingService[] {
  return publishingServices(world.scenario).map((s) => new PublishingService(world, cluster, s));
}
