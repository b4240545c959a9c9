// Worker threads run the TypeScript sources directly, as the main thread does. On Node 20 a thread inherits
// neither the main thread's tsx registration nor `--import tsx` from execArgv (measured: "Unknown file
// extension .ts"), so each worker entry is a small .mjs file that registers tsx and imports the .ts module.
export function workerEntry(name: "worker-entry.mjs" | "determinism-worker-entry.mjs"): URL {
  return new URL(`./${name}`, import.meta.url);
}
