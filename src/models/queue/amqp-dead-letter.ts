// RabbitMQ dead-letter headers (semantics.md §5, dlx.md). Each dead-lettering adds to `x-death` one entry per
// (queue, reason) — a repeat increments its count and moves it to the front — with the exchange and routing
// keys the message had then and the per-message expiration it carried (the TTL itself is stripped).
// `x-first-death-*` is set once, `x-last-death-*` every time. A message routed back to a queue it already died
// in forms a cycle: RabbitMQ drops it, unless something in the cycle was a rejection (a consumer decided, so
// the loop is not fully automatic). A rejection itself is never treated as closing a cycle.
import { DEAD_LETTER_REASON_NAMES, DeadLetterReason, type DeathHeaders, type XDeathEntry } from "./queue-types.ts";

/** Where a message is routed now: the default exchange with its key until it is dead-lettered through a DLX. */
export interface Route {
  exchange: string;
  routingKey: string;
}

/** The dead-letter exchange of a queue and the routing key it substitutes (undefined: keep the message's). */
export interface DeadLetterExchange {
  exchange: string;
  routingKey?: string;
}

/** Headers after one more dead-lettering from `queue` through `dlx` at `nowUs` (a new object; the input is not changed). */
export function withDeath(
  prev: DeathHeaders | undefined,
  route: Route,
  dlx: DeadLetterExchange,
  queue: string,
  reason: DeadLetterReason,
  nowUs: number,
  originalExpirationUs: number | undefined,
): DeathHeaders {
  const why = DEAD_LETTER_REASON_NAMES[reason];
  const entries = (prev?.xDeath ?? []).map((e) => ({ ...e, routingKeys: [...e.routingKeys] }));
  const i = entries.findIndex((e) => e.queue === queue && e.reason === why);
  let entry: XDeathEntry;
  if (i >= 0) {
    entry = entries.splice(i, 1)[0];
    entry.count++;
    entry.lastUs = nowUs;
    entry.exchange = route.exchange;
    entry.routingKeys = [route.routingKey];
  } else {
    entry = { queue, reason: why, count: 1, firstUs: nowUs, lastUs: nowUs, exchange: route.exchange, routingKeys: [route.routingKey] };
    if (originalExpirationUs !== undefined) entry.originalExpirationUs = originalExpirationUs;
  }
  entries.unshift(entry);
  const now = { queue, reason: why, exchange: route.exchange };
  return { xDeath: entries, first: prev?.first ?? now, last: now, route: routeAfter(route, dlx) };
}

/**
 * True if sending a message with these (already updated) headers to `target` closes a fully automatic cycle:
 * `target` appears in x-death and no entry from the most recent one up to it was a rejection.
 */
export function isAutomaticCycle(headers: DeathHeaders, target: string, reason: DeadLetterReason): boolean {
  if (reason === DeadLetterReason.Rejected) return false;
  const rejected = DEAD_LETTER_REASON_NAMES[DeadLetterReason.Rejected];
  for (const e of headers.xDeath) {
    if (e.reason === rejected) return false;
    if (e.queue === target) return true;
  }
  return false;
}

/** The route of a message after dead-lettering through `dlx`: its routing key stays unless the DLX sets one. */
export function routeAfter(route: Route, dlx: DeadLetterExchange): Route {
  return { exchange: dlx.exchange, routingKey: dlx.routingKey ?? route.routingKey };
}

/** One line of evidence per x-death entry, for reports and tests. */
export function formatDeaths(h: DeathHeaders, fmtUs: (us: number) => string): string {
  const entries = h.xDeath.map(
    (e) =>
      `{queue ${e.queue}, reason ${e.reason}, count ${e.count}, time ${fmtUs(e.firstUs)}..${fmtUs(e.lastUs)}, exchange "${e.exchange}", ` +
      `routing-keys [${e.routingKeys.join(", ")}]${e.originalExpirationUs !== undefined ? `, original-expiration ${e.originalExpirationUs / 1000}ms` : ""}}`,
  );
  return `x-death [${entries.join(", ")}]; x-first-death ${h.first.queue}/${h.first.reason}; x-last-death ${h.last.queue}/${h.last.reason}`;
}
