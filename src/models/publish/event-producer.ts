// The Kafka producer a service, its polling relay or its CDC connector publishes events with: the ordinary
// producer model (acks, retries, idempotence, batching) with no workload of its own — it sends the events it
// is handed (`publish`) and reports each one's outcome.
import type { World } from "../../runner/world.ts";
import type { Cluster } from "../kafka/cluster.ts";
import { Producer } from "../kafka/producer.ts";
import { zProducer, type PublishingServiceSpec } from "../../scenario/schema.ts";
import { eventTopicOf } from "../../scenario/schema-publish.ts";

export function eventProducer(world: World, cluster: Cluster, service: PublishingServiceSpec, name: string): Producer {
  // The producer's own workload is empty (rate 0); its Kafka settings are the service's.
  const spec = { ...zProducer.parse({ name, topic: eventTopicOf(service), rate: "0/s" }), ...service.producer };
  if (service.publish.strategy === "transactional-producer") {
    spec.transactionalId = `${service.name}-tx`;
    spec.transaction = { interval: service.publish.transactionInterval, abortRatio: 0 };
  }
  return new Producer(world, cluster, cluster.topics.get(spec.topic)!, spec);
}
