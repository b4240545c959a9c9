// What result.json and the report carry about the application layer: each service's load per time bucket,
// each circuit breaker's transitions, and the dead-letter topics' records with the triage table.
import type { DeadLetterRow, DlqTriageRow } from "./dlq-triage.ts";

export interface ServiceRunMetrics {
  service: string;
  calls: number;
  errors: number;
  bucketUs: number;
  /** Calls offered, answered ok and answered with an error, per bucket (per second of the bucket). */
  offeredPerS: number[];
  okPerS: number[];
  errorsPerS: number[];
}

export interface BreakerRunMetrics {
  member: string;
  service: string;
  transitions: { atUs: number; state: "closed" | "open" | "half-open"; reason: string }[];
}

export interface AppRunMetrics {
  services: ServiceRunMetrics[];
  breakers: BreakerRunMetrics[];
  /** Dead-lettered records (first 200), with their headers. */
  deadLetters: DeadLetterRow[];
  deadLetterCount: number;
  /** Dead-lettered, skipped and stalled records grouped by destination, cause and key. */
  triage: DlqTriageRow[];
  skipped: number;
  stalled: number;
  redriven: number;
}
