// The determinism check's worker thread starts here: register tsx in this thread, then run the TypeScript.
import { register } from "tsx/esm/api";

register();
await import("./determinism-worker.ts");
