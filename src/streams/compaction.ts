// The log cleaner on a changelog topic (cleanup.policy=compact), reduced to what a restore needs: how many
// records are left. The log is cut into segments (a new one rolls when the active one would pass segment.bytes);
// the active segment is never cleaned. The cleaner picks a log once its dirty ratio, the bytes not yet cleaned
// over all the bytes outside the active segment, reaches min.cleanable.dirty.ratio, and cleans everything up to
// the active segment: of each store key only its latest record stays (a deletion stays as a tombstone, kept for
// delete.retention.ms, a day, longer than a run). Here the cleaner looks each time a segment rolls (the real
// one polls every log.cleaner.backoff.ms, 15 s), which is when the dirty ratio can first cross the threshold.

export interface CompactionConfig {
  segmentBytes: number;
  minCleanableDirtyRatio: number;
}

/** Size of a change record in the log: its key, a value and the record overhead. */
export const changeRecordBytes = (storeKey: string): number => storeKey.length + 76;

/** How many of these records (store keys, in offset order) a full restore reads after the cleaner's work. */
export function compactedLength(keys: readonly string[], cfg: CompactionConfig): number {
  let activeBase = 0;
  let activeBytes = 0;
  let cleanedTo = 0;
  // Bytes of the cleaned part (the latest record of each key in it) and of the dirty records since.
  const cleanKeys = new Map<string, number>();
  let cleanBytes = 0;
  let dirtyBytes = 0;
  const clean = (to: number): void => {
    for (let i = cleanedTo; i < to; i++) {
      const prev = cleanKeys.get(keys[i]);
      if (prev !== undefined) cleanBytes -= prev;
      const b = changeRecordBytes(keys[i]);
      cleanKeys.set(keys[i], b);
      cleanBytes += b;
    }
    cleanedTo = to;
    dirtyBytes = 0;
  };
  for (let i = 0; i < keys.length; i++) {
    const b = changeRecordBytes(keys[i]);
    if (activeBytes > 0 && activeBytes + b > cfg.segmentBytes) {
      // Roll: the segment that was active becomes cleanable.
      dirtyBytes += activeBytes;
      activeBase = i;
      activeBytes = 0;
      if (dirtyBytes / (cleanBytes + dirtyBytes) >= cfg.minCleanableDirtyRatio) clean(activeBase);
    }
    activeBytes += b;
  }
  return cleanKeys.size + (keys.length - cleanedTo);
}
