# M/M/1 in SimPy 3 (lambda, mu per unit time, N customers): the peer brokersim's bench compares against.
# Prints one JSON line: customers, mean wait, whole-process CPU and peak RSS.
import json, random, resource, sys
import simpy

lam, mu, customers, seed = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rng = random.Random(seed)
env = simpy.Environment()
server = simpy.Resource(env, capacity=1)
stats = {"done": 0, "wait": 0.0}

def customer(env):
    t = env.now
    with server.request() as req:
        yield req
        stats["wait"] += env.now - t
        yield env.timeout(rng.expovariate(mu))
    stats["done"] += 1

def source(env):
    for _ in range(customers):
        yield env.timeout(rng.expovariate(lam))
        env.process(customer(env))

def cpu_us():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return int((r.ru_utime + r.ru_stime) * 1e6)

setup = cpu_us()
env.process(source(env))
env.run()
print(json.dumps({
    "customers": stats["done"],
    "meanWait": stats["wait"] / stats["done"],
    "cpuUs": cpu_us(),
    "setupCpuUs": setup,
    "peakRssKB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
}))
