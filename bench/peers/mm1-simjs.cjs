// M/M/1 in simjs 2.0.3 (λ, μ per unit time, N customers): the peer brokersim's bench compares against.
// Prints one JSON line: customers, mean wait, whole-process CPU and peak RSS.
// simjs is a browserify bundle that only publishes itself on `window`, so give it one.
const cpuStart = process.cpuUsage();
globalThis.window = {};
require("simjs");
const { Sim, Entity, Facility, Random } = globalThis.window.Sim;
const [lambda, mu, customers, seed] = process.argv.slice(2).map(Number);
const sim = new Sim();
const rng = new Random(seed);
const server = new Facility("server", Facility.FCFS);
let arrived = 0;
let done = 0;
let waitSum = 0;
class Source extends Entity {
  start() {
    this.next();
  }
  next() {
    if (arrived >= customers) return;
    this.setTimer(rng.exponential(lambda)).done(this.arrive);
  }
  arrive() {
    arrived++;
    const t = this.time();
    const service = rng.exponential(mu);
    this.useFacility(server, service).done(() => {
      waitSum += this.time() - t - service;
      done++;
    });
    this.next();
  }
}
sim.addEntity(Source);
const cpuSim = process.cpuUsage();
sim.simulate(Infinity);
const cpu = process.cpuUsage();
console.log(JSON.stringify({
  customers: done,
  meanWait: waitSum / done,
  cpuUs: cpu.user + cpu.system,
  setupCpuUs: cpuSim.user + cpuSim.system,
  peakRssKB: process.resourceUsage().maxRSS,
  startCpuUs: cpuStart.user + cpuStart.system,
}));
