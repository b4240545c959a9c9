// Write a file so that readers see either the old content or the whole new content, never half of it
// (design.md §8: bad input never leaves a half-written report).
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";

// pid + counter make the temp name unique per process and per call without randomness or the clock;
// "wx" below still refuses to reuse a stale temp file left by a crashed process with a recycled pid.
let tempCounter = 0;

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const dir = dirname(path);
  // Same directory as the target: rename(2) is atomic only within one filesystem.
  const tempPath = join(dir, `.${basename(path)}.${process.pid}.${tempCounter++}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tempPath, "wx", 0o644);
    writeFileSync(fd, data);
    // Flush before rename, or a power cut can leave the new name pointing at an empty file.
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tempPath, path);
  } catch (err) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // Already failing; the original error is the one worth reporting.
      }
    }
    try {
      unlinkSync(tempPath);
    } catch {
      // The temp file may never have been created.
    }
    throw err;
  }
  syncDirectory(dir);
}

/** Make the rename itself durable. Best effort: some platforms (Windows) cannot open a directory. */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, "r");
    fsyncSync(fd);
  } catch {
    // Durability of the directory entry is a bonus, not a correctness requirement for the CLI.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
