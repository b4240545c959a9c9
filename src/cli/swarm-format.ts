// How drawn swarm values are shown before a run, so a seed's concrete configuration is on screen.
import type { SwarmDraw } from "../report/result-types.ts";

export function describeDraws(draws: readonly SwarmDraw[]): string[] {
  if (draws.length === 0) return [];
  return [`swarm draws (this seed's configuration): ${draws.map((d) => `${d.path} = ${JSON.stringify(d.value)}`).join(", ")}`];
}
