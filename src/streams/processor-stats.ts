// What the report shows per processor, gathered as the run goes in bounded memory: stream time per task at
// the end of each time bucket, late drops per bucket, restore periods, changelog size per task.
export interface RestorePeriod {
  instance: string;
  partition: number;
  startUs: number;
  endUs: number;
  records: number;
  fromStandby: boolean;
}

export interface ProcessorSeries {
  applicationId: string;
  bucketUs: number;
  /** streamTimeMs[task][bucket]: the task's stream time at the bucket's end (null before its first record). */
  streamTimeMs: (number | null)[][];
  lateDrops: number[];
  restores: RestorePeriod[];
  /** Changelog records per task partition at the end of the run. */
  changelogRecords: number[];
}

export class ProcessorStats {
  private readonly streamTimes: (number | null)[][];
  private readonly drops: number[];
  private readonly restores: RestorePeriod[] = [];
  private readonly changelog: number[];

  constructor(
    readonly applicationId: string,
    partitions: number,
    readonly bucketUs: number,
    private readonly bucketCount: number,
  ) {
    this.streamTimes = Array.from({ length: partitions }, () => new Array<number | null>(bucketCount).fill(null));
    this.drops = new Array<number>(bucketCount).fill(0);
    this.changelog = new Array<number>(partitions).fill(0);
  }

  private bucket(timeUs: number): number {
    return Math.min(this.bucketCount - 1, Math.floor(timeUs / this.bucketUs));
  }

  streamTime(partition: number, nowUs: number, streamTimeMs: number): void {
    this.streamTimes[partition][this.bucket(nowUs)] = streamTimeMs;
  }

  drop(nowUs: number): void {
    this.drops[this.bucket(nowUs)]++;
  }

  restore(instance: string, partition: number, startUs: number, endUs: number, records: number, fromStandby: boolean): void {
    this.restores.push({ instance, partition, startUs, endUs, records, fromStandby });
  }

  changelogSize(partition: number, records: number): void {
    this.changelog[partition] = records;
  }

  finish(): ProcessorSeries {
    // Stream time holds between records: carry it forward over empty buckets.
    const streamTimeMs = this.streamTimes.map((row) => {
      let last: number | null = null;
      return row.map((v) => (last = v ?? last));
    });
    return { applicationId: this.applicationId, bucketUs: this.bucketUs, streamTimeMs, lateDrops: this.drops, restores: this.restores, changelogRecords: this.changelog };
  }
}
