// Human units in scenario files ("30s", "2000/s", "16KiB"), resolved once at load to plain numbers so the
// simulator never sees a string. Durations become integer microseconds because the kernel's clock is an
// integer count of µs (determinism: no float drift in event times).

import { BrokersimError, showValue } from "./errors.ts";

/** A value that is not a valid duration, rate, size or probability. Carries the parts a schema issue needs. */
export class UnitError extends BrokersimError {
  override name = "UnitError";
  readonly expected: string;
  readonly found: string;

  constructor(expected: string, raw: unknown, hint?: string) {
    const found = showValue(raw);
    super("E_UNIT", `expected ${expected}, found ${found}`, hint === undefined ? {} : { hint });
    this.expected = expected;
    this.found = found;
  }
}

const US_PER_UNIT: Record<string, number> = {
  us: 1, "µs": 1, "μs": 1, usec: 1,
  ms: 1e3, msec: 1e3,
  s: 1e6, sec: 1e6, secs: 1e6, second: 1e6, seconds: 1e6,
  m: 60e6, min: 60e6, mins: 60e6, minute: 60e6, minutes: 60e6,
  h: 3600e6, hr: 3600e6, hrs: 3600e6, hour: 3600e6, hours: 3600e6,
};
const BYTES_PER_UNIT: Record<string, number> = {
  b: 1,
  kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12,
  kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40,
};

const NUM = String.raw`(\d+(?:\.\d*)?|\.\d+)`;
const UNIT = String.raw`([a-zA-Zµμ]+)`;
// "1h 30m", "2m30s" and "1.5s" all parse, so formatDurationUs output always reads back.
const DURATION_PART = new RegExp(String.raw`${NUM}\s*${UNIT}\s*`, "y");
const RATE = new RegExp(String.raw`^${NUM}\s*(?:msgs?|messages?|records?|requests?|ops)?\s*/\s*${NUM}?\s*${UNIT}$`);
const BYTES = new RegExp(String.raw`^${NUM}\s*${UNIT}?$`);
const BARE_NUMBER = /^[-+]?(\d+(\.\d*)?|\.\d+)(e[-+]?\d+)?$/i;

export const DURATION_EXPECTED = `a duration like "250ms", "30s" or "2m"`;
export const RATE_EXPECTED = `a rate like "2000/s", "5/ms" or "120/min"`;
export const BYTES_EXPECTED = `a size like "512B", "16KiB" or "32MiB"`;
const DURATION_UNITS_HINT = `units: us (or µs), ms, s, m (or min), h; parts may be combined, as in "1m 30s"`;

/**
 * The longest duration a scenario may write: 2^50 µs, about 35.7 years. Run ends, delays and samples all stay
 * below 2^52 µs when added together, so simulated times remain exact integers (doubles are exact to 2^53).
 */
export const MAX_DURATION_US = 2 ** 50;

/** "30s", "250ms", "100us", "1.5s", "2m", "1h 30m", "500µs", "0" → integer µs, rounded to the nearest µs. */
export function parseDurationUs(raw: string | number): number {
  const value = unwrapNumberOrString(raw, DURATION_EXPECTED, DURATION_UNITS_HINT);
  if (typeof value === "number") {
    if (value === 0) return 0;
    rejectNegative(value, raw, "a duration of 0 or more");
    // A bare number is ambiguous (ms? s?), and guessing wrong silently changes a run by 1000×.
    throw new UnitError(DURATION_EXPECTED, raw, `add a unit, e.g. "${value}ms" or "${value}s"`);
  }
  if (value.startsWith("-")) throw new UnitError("a duration of 0 or more", raw, "durations cannot be negative");
  let totalUs = 0;
  DURATION_PART.lastIndex = 0;
  while (DURATION_PART.lastIndex < value.length) {
    const match = DURATION_PART.exec(value);
    if (!match) throw new UnitError(DURATION_EXPECTED, raw, DURATION_UNITS_HINT);
    const factor = US_PER_UNIT[match[2]!];
    if (factor === undefined) {
      throw new UnitError(DURATION_EXPECTED, raw, `unknown unit "${match[2]}"; ${DURATION_UNITS_HINT}`);
    }
    totalUs += Number(match[1]) * factor;
  }
  if (totalUs > MAX_DURATION_US) {
    throw new UnitError("a duration of at most 312749h (2^50 µs, about 35 years: the simulated time range)", raw,
      "simulated time is counted in whole microseconds; longer spans are beyond what a run can represent");
  }
  return toSafeInteger(Math.round(totalUs), raw, DURATION_EXPECTED);
}

/** "2000/s", "5/ms", "120/min", "3.5/s", "1000/h", "2000 msg/s", "1/250ms", "0/s" → messages per second. */
export function parseRatePerS(raw: string | number): number {
  const hint = `write the count per unit of time, e.g. "2000/s", "5/ms", "120/min" or "1/250ms"`;
  const value = unwrapNumberOrString(raw, RATE_EXPECTED, hint);
  if (typeof value === "number") {
    if (value === 0) return 0;
    rejectNegative(value, raw, "a rate of 0 or more");
    throw new UnitError(RATE_EXPECTED, raw, `add the time unit, e.g. "${value}/s"`);
  }
  if (value.startsWith("-")) throw new UnitError("a rate of 0 or more", raw, "rates cannot be negative");
  const match = RATE.exec(value);
  if (!match) throw new UnitError(RATE_EXPECTED, raw, hint);
  const unitUs = US_PER_UNIT[match[3]!];
  if (unitUs === undefined) throw new UnitError(RATE_EXPECTED, raw, `unknown time unit "${match[3]}"; ${hint}`);
  const per = match[2] === undefined ? 1 : Number(match[2]);
  if (per === 0) throw new UnitError(RATE_EXPECTED, raw, `"/0${match[3]}" divides by zero`);
  return (Number(match[1]) * 1e6) / (per * unitUs);
}

/** "16KiB", "32MiB", "1MB", "512B", 16384, "16384" → integer bytes. KB/MB are powers of 1000, KiB/MiB of 1024. */
export function parseBytes(raw: string | number): number {
  const hint = `units: B, KB, MB, GB (powers of 1000) or KiB, MiB, GiB (powers of 1024); a bare integer means bytes`;
  const value = unwrapNumberOrString(raw, BYTES_EXPECTED, hint);
  if (typeof value === "number") {
    rejectNegative(value, raw, "a size of 0 or more");
    if (!Number.isInteger(value)) throw new UnitError("a whole number of bytes", raw, hint);
    return toSafeInteger(value, raw, BYTES_EXPECTED);
  }
  if (value.startsWith("-")) throw new UnitError("a size of 0 or more", raw, "sizes cannot be negative");
  const match = BYTES.exec(value);
  const factor = match ? BYTES_PER_UNIT[(match[2] ?? "b").toLowerCase()] : undefined;
  if (!match || factor === undefined) throw new UnitError(BYTES_EXPECTED, raw, hint);
  return toSafeInteger(Math.round(Number(match[1]) * factor), raw, BYTES_EXPECTED);
}

/** A probability: a number in [0, 1] or a percentage string like "5%" or "0.1%". */
export function parseProbability(raw: string | number): number {
  const expected = `a probability between 0 and 1 (or a percentage like "5%")`;
  let p: number;
  if (typeof raw === "number") p = raw;
  else if (typeof raw === "string" && /^\s*(\d+(\.\d*)?|\.\d+)\s*%\s*$/.test(raw)) p = parseFloat(raw) / 100;
  else if (typeof raw === "string" && BARE_NUMBER.test(raw.trim())) p = Number(raw);
  else throw new UnitError(expected, raw);
  if (!Number.isFinite(p) || p < 0 || p > 1) {
    const hint = typeof raw === "number" && p > 1 && p <= 100 ? `for ${p} percent write "${p}%"` : undefined;
    throw new UnitError(expected, raw, hint);
  }
  return p;
}

/**
 * Compact and exact enough for reports: "0s", "12µs", "1.5ms", "250ms", "1.5s", "59.999s", "2m 30s",
 * "1h 5m". Below a minute up to three decimals are kept; from minutes up, parts are whole or have at most
 * three decimals on the seconds. The output parses back with parseDurationUs (to within that rounding).
 */
export function formatDurationUs(us: number): string {
  if (!Number.isFinite(us)) return String(us);
  if (us < 0) return `-${formatDurationUs(-us)}`;
  us = Math.round(us);
  if (us === 0) return "0s";
  if (us < 1_000) return `${us}µs`;
  if (us < 1_000_000) return `${trimDecimals(us / 1_000)}ms`;
  if (Math.round(us / 1_000) < 60_000) return `${trimDecimals(us / 1_000_000)}s`;
  const ms = Math.round(us / 1_000); // round first, so 2m 59.9999s carries into "3m", not "2m 60s"
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = (ms % 60_000) / 1_000;
  const parts: string[] = [];
  if (hours) parts.push(`${hours}h`);
  if (minutes) parts.push(`${minutes}m`);
  if (seconds) parts.push(`${trimDecimals(seconds)}s`);
  return parts.join(" ");
}

/** "2000/s", "0.5/s": plain numbers (no "12.5k/s") so the text reads back with parseRatePerS. */
export function formatRatePerS(perS: number): string {
  return `${trimDecimals(perS)}/s`;
}

/** "512B", "16KiB", "1.5MiB": binary units, since buffer and batch sizes in the modelled systems are. */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let i = 0;
  while (Math.abs(value) >= 1024 && i < units.length - 1) [value, i] = [value / 1024, i + 1];
  return `${trimDecimals(value)}${units[i]}`;
}

function trimDecimals(n: number): string {
  return String(Math.round(n * 1000) / 1000);
}

/** Numbers and numeric strings become numbers (bare-number handling is the caller's); other strings are trimmed. */
function unwrapNumberOrString(raw: unknown, expected: string, hint: string): number | string {
  if (typeof raw === "number") {
    if (!Number.isFinite(raw)) throw new UnitError(expected, raw, hint);
    return raw;
  }
  if (typeof raw !== "string") throw new UnitError(expected, raw, hint);
  const text = raw.trim();
  if (text === "") throw new UnitError(expected, raw, hint);
  return BARE_NUMBER.test(text) ? Number(text) : text;
}

function rejectNegative(value: number, raw: unknown, expected: string): void {
  if (value < 0) throw new UnitError(expected, raw, "negative values are not allowed here");
}

function toSafeInteger(n: number, raw: unknown, expected: string): number {
  if (!Number.isSafeInteger(n)) throw new UnitError(expected, raw, "the value is too large");
  return n;
}
