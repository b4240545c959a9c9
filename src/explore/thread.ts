// Where a worker thread starts. Compiled (dist/*.js), a thread loads the compiled module itself and pays no
// TypeScript transform. From the sources, a thread inherits neither the main thread's tsx registration nor
// `--import tsx` from execArgv on Node 20 (measured: "Unknown file extension .ts"), so each worker entry is a
// small .mjs file that registers tsx and imports the .ts module.
const COMPILED = import.meta.url.endsWith(".js");

export function workerEntry(name: "worker-entry.mjs" | "determinism-worker-entry.mjs"): URL {
  // "../explore/": the compiled build may bundle this module into dist/chunks/ rather than dist/explore/.
  if (COMPILED) return new URL(name === "worker-entry.mjs" ? "../explore/worker.js" : "../explore/determinism-worker.js", import.meta.url);
  return new URL(`./${name}`, import.meta.url);
}
