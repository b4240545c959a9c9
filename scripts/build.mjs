#!/usr/bin/env node
// `npm run build` (also run by `npm ci` through `prepare`): compiles src/ to dist/ so the CLI and its worker
// threads start without transforming TypeScript. dist/ is emptied first so a deleted source leaves no stale
// module behind; a stamp records the build so tests can tell a dist/ older than the sources.
//
// The output is bundled with esbuild (a dependency of tsx): a `run` otherwise loads ~240 modules of its own and
// ~130 of zod, yaml and hdr-histogram-js one file at a time, which cost more CPU than the simulation of a short
// scenario. Code splitting keeps every dynamic import() lazy (each command, and what only some scenarios need,
// loads on first use). Type errors do not stop this build: `npm run typecheck` (tsc) checks the types.
// Without esbuild the build falls back to tsc's one-file-per-module output, which runs the same.
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { dirname, join, relative, sep } from "node:path";
import { buildIdentity } from "./build-identity.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
rmSync(dist, { recursive: true, force: true });

/**
 * Modules other code loads by their dist/ path: the CLI, the worker-thread entries (src/explore/thread.ts), the
 * version bin/brokersim.js answers `--version` from, and the library entry points the benches import.
 */
const ENTRIES = [
  "cli/main",
  "explore/worker",
  "explore/determinism-worker",
  "version",
  "runner/run-scenario",
  "scenario/load",
];

/**
 * Left to Node to load from node_modules: vega* are read as files for the report (never imported), piscina
 * starts its own worker file next to itself, yargs finds its locale files relative to itself, avsc is loaded
 * on demand with require(), tsx only serves the sources.
 */
const EXTERNAL = ["vega", "vega-lite", "vega-embed", "piscina", "yargs", "yargs/*", "avsc", "tsx", "tsx/*"];

/**
 * hdr-histogram-js ships its WebAssembly build deflated and inflates it with pako (a JavaScript inflate) at
 * every start: ~40 ms of CPU, as pako's code is still cold. Node's zlib gives the same bytes natively. The
 * rewrite applies only when the expected source is there, so another version of the package builds unchanged.
 */
const HDR_WASM = /hdr-histogram-js[\\/]dist[\\/]wasm[\\/]index\.js$/;
const INFLATE_PAKO = "pako.inflate(base64.toByteArray(generated_wasm_1.BINARY))";
const INFLATE_ZLIB = 'require("node:zlib").inflateSync(Buffer.from(generated_wasm_1.BINARY, "base64"))';
const hdrNativeInflate = {
  name: "hdr-native-inflate",
  setup(b) {
    b.onLoad({ filter: HDR_WASM }, ({ path }) => {
      const source = readFileSync(path, "utf8");
      const uses = source.split(INFLATE_PAKO).length - 1;
      const requires = ['const pako = require("pako");', 'const base64 = require("base64-js");'];
      if (uses === 0 || !requires.every((r) => source.includes(r))) {
        console.warn(`build: ${path} is not the expected hdr-histogram-js source; its wasm is inflated with pako`);
        return undefined;
      }
      let contents = source.replaceAll(INFLATE_PAKO, INFLATE_ZLIB);
      for (const r of requires) contents = contents.replace(r, "");
      if (/\b(pako|base64)\./.test(contents)) return undefined;
      return { contents, loader: "js" };
    });
  },
};

/**
 * zod's `z` namespace re-exports every locale (`z.locales`, `z.core.locales`, ~370 kB of message tables), which esbuild cannot
 * shake out of a namespace; parsing them cost every start. brokersim's messages are English (zod registers `en`
 * itself, from its own module), and nothing reads z.locales, so the namespace keeps `en` only.
 */
const zodEnglishOnly = {
  name: "zod-english-only",
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, ({ importer, resolveDir }) => {
      if (!/zod[\\/]v4[\\/](classic[\\/]external|core[\\/]index)\.js$/.test(importer)) return undefined;
      return { path: join(resolveDir, "..", "locales", "index.js"), namespace: "zod-locales" };
    });
    b.onLoad({ filter: /.*/, namespace: "zod-locales" }, ({ path }) => ({
      contents: `export { default as en } from ${JSON.stringify(join(dirname(path), "en.js"))};\n`,
      loader: "js",
      resolveDir: dirname(path),
    }));
  },
};

/**
 * hdr-histogram-js's index loads all of the package, including its log reader and writer, whose module body
 * builds an Intl.NumberFormat (~25 ms of ICU start-up) and pulls in pako. brokersim uses two functions (src/metrics,
 * src/latency: build and initWebAssemblySync); the bundle takes them from their own modules. A new use of
 * another export fails the build ("No matching export"): add it here.
 */
const HDR_USED = { build: "HistogramBuilder.js", initWebAssemblySync: "wasm/index.js" };
const hdrUsedOnly = {
  name: "hdr-used-only",
  setup(b) {
    b.onResolve({ filter: /^hdr-histogram-js$/ }, ({ importer }) => {
      if (!importer.startsWith(join(root, "src"))) return undefined;
      return { path: dirname(createRequire(join(root, "package.json")).resolve("hdr-histogram-js")), namespace: "hdr-used" };
    });
    b.onLoad({ filter: /.*/, namespace: "hdr-used" }, ({ path }) => ({
      contents: Object.entries(HDR_USED).map(([name, file]) => `export { ${name} } from ${JSON.stringify(join(path, file))};\n`).join(""),
      loader: "js",
      resolveDir: path,
    }));
  },
};

async function bundle(esbuild) {
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: Object.fromEntries(ENTRIES.map((e) => [e, `src/${e}.ts`])),
    outdir: dist,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    chunkNames: "chunks/[name]-[hash]",
    external: EXTERNAL,
    // Bundled CommonJS packages (yaml, seedrandom, hdr-histogram-js) call require() for Node's built-ins.
    banner: { js: 'import { createRequire as __bundleRequire } from "node:module"; const require = __bundleRequire(import.meta.url);' },
    plugins: [hdrNativeInflate, zodEnglishOnly, hdrUsedOnly],
    logLevel: "warning",
  });
  await asciiOnly(esbuild);
  // Modules find the package root and each other from import.meta.url, two directories up (src/cli/paths.ts,
  // src/explore/thread.ts): every output file that can hold such code must sit at that depth, as in src/.
  for (const f of listJs(dist)) {
    const rel = relative(dist, f).split(sep);
    if (rel.length !== 2 && rel.join("/") !== "version.js") throw new Error(`bundle: ${rel.join("/")} is not at dist/<dir>/<file>.js`);
  }
}

/**
 * esbuild escapes non-ASCII characters in code but keeps them in the comments it preserves (an em dash in a doc
 * comment). One such character makes Node decode the whole file as UTF-8 and V8 hold it as a two-byte string:
 * ~15 ms more per start. They are replaced, and the file kept so only when its code without comments is unchanged.
 */
async function asciiOnly(esbuild) {
  for (const f of listJs(dist)) {
    const text = readFileSync(f, "utf8");
    if (!/[^\x00-\x7f]/.test(text)) continue;
    const ascii = text.replace(/[^\x00-\x7f]/g, "?");
    const code = async (t) => (await esbuild.transform(t, { minifyWhitespace: true, format: "esm", logLevel: "silent" })).code;
    if ((await code(ascii)) === (await code(text))) writeFileSync(f, ascii);
  }
}

function listJs(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listJs(join(dir, e.name)) : e.name.endsWith(".js") ? [join(dir, e.name)] : [],
  );
}

function compileWithTsc() {
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  const r = spawnSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json")], { cwd: root, stdio: "inherit" });
  if (r.status !== 0) throw new Error(`tsc exited with ${r.status}`);
}

let esbuild;
try {
  esbuild = await import("esbuild");
} catch {
  esbuild = undefined;
}
try {
  if (esbuild) await bundle(esbuild);
  else compileWithTsc();
} catch (err) {
  rmSync(dist, { recursive: true, force: true });
  console.error(`build failed: ${err.message}`);
  process.exit(1);
}
// The git commit the build came from, so a compiled run need not ask git at every start (src/cli/code-identity.ts).
writeFileSync(join(dist, "code-identity.json"), `${JSON.stringify(buildIdentity(root))}\n`);
writeFileSync(join(dist, ".built"), "compiled from src/ by scripts/build.mjs\n");
