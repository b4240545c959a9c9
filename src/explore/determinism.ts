// The determinism self-check (after madsim): run a seed twice and demand the same fingerprint and the same
// result.json bytes. When they differ, say where: the first event whose (time, kind, id) differs.
//
// Memory stays bounded however long the run: each run keeps one 32-bit hash per CHUNK events, not the trace.
// The first differing chunk is found by comparing hash lists; then both runs are repeated keeping only that
// chunk's events, which are compared one by one.
import type { Simulation } from "../kernel/sim.ts";
import { stableJson } from "../report/stable-json.ts";
import { formatDurationUs } from "../scenario/units.ts";
import { runSeed, type SeedSpec } from "./run-seed.ts";

export const CHUNK = 4096;

export interface TraceEvent {
  /** 0-based position in the dispatch order. */
  index: number;
  timeUs: number;
  kind: string;
  id: number;
}

/** Event indices [from, to) whose events a run keeps in full. */
export interface TraceWindow {
  from: number;
  to: number;
}

export interface TraceDigest {
  fingerprint: string;
  events: number;
  resultJson: string;
  chunkHashes: number[];
  window: TraceEvent[];
}

export interface DeterminismFinding {
  same: boolean;
  detail: string;
  /** The first event that differs; `a` or `b` is absent when one run ended earlier. */
  firstDifference?: { index: number; a?: TraceEvent; b?: TraceEvent };
}

export type DigestFn = (spec: SeedSpec, window?: TraceWindow) => TraceDigest | Promise<TraceDigest>;

/** Hooks a simulation's dispatches: chunk hashes always, full events inside `window`. */
export function traceRecorder(window?: TraceWindow) {
  const chunkHashes: number[] = [];
  const kept: TraceEvent[] = [];
  let sim: Simulation | undefined;
  let index = 0;
  let hash = 0x811c9dc5;
  const mix = (h: number, x: number) => Math.imul(h ^ (x | 0), 0x01000193) >>> 0;
  return {
    observe(s: Simulation): void {
      sim = s;
      s.onDispatch = (timeUs, kind, id) => {
        const lo = timeUs >>> 0;
        hash = mix(mix(mix(mix(hash, lo), (timeUs - lo) / 4294967296), kind), id);
        if (window && index >= window.from && index < window.to) kept.push({ index, timeUs, kind: s.kindName(kind), id });
        index++;
        if (index % CHUNK === 0) {
          chunkHashes.push(hash);
          hash = 0x811c9dc5;
        }
      };
    },
    digest(fingerprint: string, resultJson: string): TraceDigest {
      if (sim) sim.onDispatch = undefined;
      const hashes = index % CHUNK === 0 ? chunkHashes : [...chunkHashes, hash];
      return { fingerprint, events: index, resultJson, chunkHashes: hashes, window: kept };
    },
  };
}

/** Runs the seed in this thread and digests it. */
export function digestRun(spec: SeedSpec, window?: TraceWindow): TraceDigest {
  const rec = traceRecorder(window);
  const { result } = runSeed(spec, { observe: rec.observe });
  return rec.digest(result.fingerprint, stableJson(result));
}

/** Compares two digests of one seed; on a difference, localizes it by re-running both sides on one chunk. */
export async function compareDigests(a: TraceDigest, b: TraceDigest, spec: SeedSpec, runA: DigestFn, runB: DigestFn): Promise<DeterminismFinding> {
  if (a.fingerprint === b.fingerprint && a.resultJson === b.resultJson) {
    return { same: true, detail: `same fingerprint ${a.fingerprint} and byte-identical result over ${a.events} events` };
  }
  const n = Math.max(a.chunkHashes.length, b.chunkHashes.length);
  let chunk = -1;
  for (let i = 0; i < n && chunk < 0; i++) if (a.chunkHashes[i] !== b.chunkHashes[i]) chunk = i;
  if (chunk < 0 && a.events === b.events) {
    return { same: false, detail: `the events are identical (fingerprint ${a.fingerprint}) but result.json differs: ${firstLineDifference(a.resultJson, b.resultJson)}` };
  }
  if (chunk < 0) chunk = Math.floor(Math.min(a.events, b.events) / CHUNK);
  const window = { from: chunk * CHUNK, to: (chunk + 1) * CHUNK };
  const [wa, wb] = [await runA(spec, window), await runB(spec, window)];
  for (let i = window.from; i < window.to; i++) {
    const ea = wa.window[i - window.from];
    const eb = wb.window[i - window.from];
    if (!ea && !eb) break;
    if (ea && eb && ea.timeUs === eb.timeUs && ea.kind === eb.kind && ea.id === eb.id) continue;
    return { same: false, detail: `runs diverge at event #${i}: ${describeEvent(ea)} vs ${describeEvent(eb)}`, firstDifference: { index: i, ...(ea ? { a: ea } : {}), ...(eb ? { b: eb } : {}) } };
  }
  // The hashes differed but the re-run windows agree: the nondeterminism is not even stable between re-runs.
  return { same: false, detail: `fingerprints differ (${a.fingerprint} vs ${b.fingerprint}) from event chunk #${chunk} (events ${window.from}..${window.to - 1}), but a re-run of that chunk agreed` };
}

/** Runs `runA` and `runB` once each and compares them. */
export async function checkDeterminism(spec: SeedSpec, runA: DigestFn, runB: DigestFn): Promise<DeterminismFinding> {
  const a = await runA(spec);
  const b = await runB(spec);
  return compareDigests(a, b, spec, runA, runB);
}

function describeEvent(e: TraceEvent | undefined): string {
  return e ? `${e.kind} id ${e.id} at ${formatDurationUs(e.timeUs)} (${e.timeUs} µs)` : "the run had already ended";
}

function firstLineDifference(a: string, b: string): string {
  const la = a.split("\n");
  const lb = b.split("\n");
  for (let i = 0; i < Math.max(la.length, lb.length); i++) {
    if (la[i] !== lb[i]) return `line ${i + 1}: ${JSON.stringify((la[i] ?? "").trim().slice(0, 80))} vs ${JSON.stringify((lb[i] ?? "").trim().slice(0, 80))}`;
  }
  return "they differ";
}
