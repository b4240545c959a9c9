// Runs a digest in a fresh worker thread (for `run --check-determinism`).
import { Worker } from "node:worker_threads";
import type { SeedSpec } from "./run-seed.ts";
import type { TraceDigest, TraceWindow } from "./determinism.ts";
import { workerEntry } from "./thread.ts";

const ENTRY = workerEntry("determinism-worker-entry.mjs");

export function digestInWorker(spec: SeedSpec, window?: TraceWindow): Promise<TraceDigest> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(ENTRY, { workerData: { spec, window } });
    let settled = false;
    worker.once("message", (m: { ok: boolean; digest?: TraceDigest; message?: string }) => {
      settled = true;
      if (m.ok) resolve(m.digest!);
      else reject(new Error(`the worker-thread run failed: ${m.message}`));
      void worker.terminate();
    });
    worker.once("error", (err) => {
      settled = true;
      reject(err);
    });
    worker.once("exit", (code) => {
      if (!settled) reject(new Error(`the worker thread exited with code ${code} before reporting`));
    });
  });
}
