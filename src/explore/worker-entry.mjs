// Pool threads start here: register tsx in this thread (Node 20 worker threads inherit neither the main
// thread's tsx registration nor `--import tsx` from execArgv), then load the TypeScript task.
import { register } from "tsx/esm/api";

register();
const { runSweepTask } = await import("./worker.ts");
export default runSweepTask;
