// Kept apart from the run command so the entry point can recognise it without loading the simulator.

/** Raised for failures inside the simulator itself, carrying what is needed to reproduce them. */
export class InternalRunError extends Error {
  constructor(
    readonly file: string,
    readonly seed: number,
    readonly inner: unknown,
  ) {
    super(`while running ${file} with seed ${seed}: ${(inner as Error)?.message ?? String(inner)}`);
    this.stack = (inner as Error)?.stack;
  }
}
