import { Simulation } from "../src/kernel/sim.ts";
import { Rng } from "../src/kernel/rng.ts";

function hold(n: number, events: number) {
  const sim = new Simulation();
  const rng = new Rng(42);
  const meanUs = 1_000_000;
  const handler = (): void => {
    sim.after(Math.floor(-meanUs * Math.log(1 - rng.next())), handler);
  };
  for (let i = 0; i < n; i++) sim.at(Math.floor(rng.next() * meanUs), handler);
  sim.run({ maxEvents: Math.min(events, 2e6) });
  const t0 = process.cpuUsage();
  sim.run({ maxEvents: events });
  const dt = process.cpuUsage(t0);
  const s = (dt.user + dt.system) / 1e6;
  return events / s / 1e6;
}
for (const n of [1e3, 1e4, 1e5, 1e6]) console.log(n, hold(n, n >= 1e6 ? 5e6 : 1e7).toFixed(2));
