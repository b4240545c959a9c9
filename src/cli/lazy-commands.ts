// The commands, each loaded on first use: a command's module pulls in the models, checkers, schema and report
// code it needs, and `brokersim --version`, `--help` or `partition` should not pay for the rest.
type Args<F> = F extends (...a: infer A) => unknown ? A : never;
type Run = typeof import("./run.ts");
type Sweep = typeof import("./sweep.ts");

export async function cmdRun(...a: Args<Run["cmdRun"]>): Promise<number> {
  return (await import("./run.ts")).cmdRun(...a);
}
export async function cmdValidate(...a: Args<Run["cmdValidate"]>): Promise<number> {
  return (await import("./run.ts")).cmdValidate(...a);
}
export async function cmdList(...a: Args<Run["cmdList"]>): Promise<number> {
  return (await import("./run.ts")).cmdList(...a);
}
export async function cmdSweep(...a: Args<Sweep["cmdSweep"]>): Promise<number> {
  return (await import("./sweep.ts")).cmdSweep(...a);
}
export async function cmdMerge(...a: Args<Sweep["cmdMerge"]>): Promise<number> {
  return (await import("./sweep.ts")).cmdMerge(...a);
}
export async function cmdShrink(...a: Args<typeof import("./shrink.ts").cmdShrink>): Promise<number> {
  return (await import("./shrink.ts")).cmdShrink(...a);
}
export async function cmdReplay(...a: Args<typeof import("./replay.ts").cmdReplay>): Promise<number> {
  return (await import("./replay.ts")).cmdReplay(...a);
}
export async function cmdPartition(...a: Args<typeof import("./partition.ts").cmdPartition>): Promise<number> {
  return (await import("./partition.ts")).cmdPartition(...a);
}
export async function cmdAssign(...a: Args<typeof import("./assign.ts").cmdAssign>): Promise<number> {
  return (await import("./assign.ts")).cmdAssign(...a);
}
export async function cmdSchemaCheck(...a: Args<typeof import("./schema-check.ts").cmdSchemaCheck>): Promise<number> {
  return (await import("./schema-check.ts")).cmdSchemaCheck(...a);
}
export async function cmdDlq(...a: Args<typeof import("./dlq.ts").cmdDlq>): Promise<number> {
  return (await import("./dlq.ts")).cmdDlq(...a);
}
export async function cmdCompare(...a: Args<typeof import("./compare.ts").cmdCompare>): Promise<number> {
  return (await import("./compare.ts")).cmdCompare(...a);
}
