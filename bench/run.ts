// `npm run bench`: every bench/*.ts module's exported bench* functions, one after another, printed as tables.
// Benchmarks are never part of the tests; figures go in issue notes.
import { readdirSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { dirname, join } from "node:path";
import os from "node:os";

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
console.log(`brokersim benchmarks on ${os.cpus().length} x ${os.cpus()[0]?.model ?? "cpu"}, node ${process.version}`);
for (const f of readdirSync(here).filter((x) => x.endsWith(".ts") && x !== "run.ts").sort()) {
  if (only.length > 0 && !only.some((o) => f.includes(o))) continue;
  const mod = (await import(pathToFileURL(join(here, f)).href)) as Record<string, unknown>;
  for (const [name, fn] of Object.entries(mod)) {
    if (!name.startsWith("bench") || typeof fn !== "function") continue;
    console.log(`\n## ${f}: ${name}`);
    const out = await (fn as () => Promise<unknown>)();
    if (Array.isArray(out)) console.table(out);
    else if (out && typeof out === "object") console.table(out);
    else console.log(out);
  }
}
