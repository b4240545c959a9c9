// The other half of `--check-determinism`: the same seed, run in a fresh worker thread (fresh module state,
// its own WebAssembly histogram instance), digested and posted back.
import { parentPort, workerData } from "node:worker_threads";
import { digestRun } from "./determinism.ts";

const { spec, window } = workerData as { spec: Parameters<typeof digestRun>[0]; window?: Parameters<typeof digestRun>[1] };
try {
  parentPort!.postMessage({ ok: true, digest: digestRun(spec, window) });
} catch (err) {
  parentPort!.postMessage({ ok: false, message: String((err as Error)?.stack ?? err) });
}
