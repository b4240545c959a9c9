// An application instance is one process: its consumer and its producers die, restart and pause together. The
// consumer group registers its members through this, so a fault on "<applicationId>-<i>" reaches the member and
// the instance's producers (whose buffered records are lost with the process), not the consumer alone.
import { FaultTargets, type FaultTarget } from "../faults/targets.ts";

export class InstanceTargets extends FaultTargets {
  constructor(
    private readonly run: FaultTargets,
    /** The producers of the instance a member belongs to, looked up when the fault happens. */
    private readonly producersOf: (memberName: string) => FaultTarget[],
  ) {
    super();
  }

  override register(member: FaultTarget): void {
    const others = (): FaultTarget[] => this.producersOf(member.name);
    this.run.register({
      name: member.name,
      kind: member.kind,
      crash: (opts) => {
        member.crash(opts);
        for (const p of others()) p.crash(opts);
      },
      restart: () => {
        member.restart();
        for (const p of others()) p.restart();
      },
      pause: (us) => {
        member.pause(us);
        for (const p of others()) p.pause(us);
      },
    });
  }

  override get(name: string): FaultTarget | undefined {
    return this.run.get(name);
  }

  override names(kind?: Parameters<FaultTargets["names"]>[0]): string[] {
    return this.run.names(kind);
  }
}
