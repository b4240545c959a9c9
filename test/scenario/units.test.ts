import { describe, expect, it } from "vitest";
import {
  UnitError, formatBytes, formatDurationUs, formatRatePerS, parseBytes, parseDurationUs, parseProbability, parseRatePerS,
} from "../../src/scenario/units.ts";

function unitError(fn: () => unknown): UnitError {
  try {
    fn();
  } catch (err) {
    if (err instanceof UnitError) return err;
    throw err;
  }
  throw new Error("expected a UnitError");
}

describe("parseDurationUs", () => {
  it.each([
    ["30s", 30_000_000], ["250ms", 250_000], ["100us", 100], ["500µs", 500], ["500μs", 500], ["1.5s", 1_500_000],
    ["2m", 120_000_000], ["2min", 120_000_000], ["1h", 3_600_000_000], ["0", 0], [0, 0], ["0s", 0],
    [" 30 s ", 30_000_000], ["1m 30s", 90_000_000], ["2m30s", 150_000_000], [".5ms", 500], ["0.1s", 100_000],
  ])("reads %j as %i µs", (text, us) => {
    expect(parseDurationUs(text)).toBe(us);
  });

  it("rounds to the nearest whole microsecond", () => {
    expect(parseDurationUs("1.4us")).toBe(1);
    expect(parseDurationUs("1.5us")).toBe(2);
    expect(parseDurationUs("0.0004ms")).toBe(0);
  });

  it("rejects a bare number with a hint to add a unit", () => {
    const err = unitError(() => parseDurationUs(30));
    expect(err.message).toBe(`expected a duration like "250ms", "30s" or "2m", found 30`);
    expect(err.hint).toBe(`add a unit, e.g. "30ms" or "30s"`);
    expect(unitError(() => parseDurationUs("30")).hint).toContain("add a unit");
  });

  it("rejects negative durations", () => {
    expect(unitError(() => parseDurationUs("-5s")).expected).toBe("a duration of 0 or more");
    expect(unitError(() => parseDurationUs(-5)).expected).toBe("a duration of 0 or more");
  });

  it("rejects unknown units and junk, naming the units it knows", () => {
    const err = unitError(() => parseDurationUs("30d"));
    expect(err.hint).toMatch(/unknown unit "d"/);
    expect(unitError(() => parseDurationUs("fast")).found).toBe(`"fast"`);
    expect(unitError(() => parseDurationUs("")).code).toBe("E_UNIT");
    expect(unitError(() => parseDurationUs("5s 3")).message).toContain("expected a duration");
  });

  it("rejects values of the wrong type at run time", () => {
    expect(unitError(() => parseDurationUs(true as unknown as string)).found).toBe("true");
    expect(unitError(() => parseDurationUs(Infinity)).found).toBe("Infinity");
  });
});

describe("parseRatePerS", () => {
  it.each([
    ["2000/s", 2000], ["5/ms", 5000], ["120/min", 2], ["3.5/s", 3.5], ["1000/h", 1000 / 3600], ["0/s", 0],
    ["2000 msg/s", 2000], ["1/250ms", 4], ["10/us", 10_000_000], [0, 0],
  ])("reads %j as %d per second", (text, perS) => {
    expect(parseRatePerS(text)).toBeCloseTo(perS, 9);
  });

  it("rejects a rate without a time unit", () => {
    expect(unitError(() => parseRatePerS(2000)).hint).toBe(`add the time unit, e.g. "2000/s"`);
    expect(unitError(() => parseRatePerS("2000")).hint).toBe(`add the time unit, e.g. "2000/s"`);
  });

  it("rejects negative rates and words", () => {
    expect(unitError(() => parseRatePerS("-5/s")).expected).toBe("a rate of 0 or more");
    expect(unitError(() => parseRatePerS("fast")).message).toBe(`expected a rate like "2000/s", "5/ms" or "120/min", found "fast"`);
    expect(unitError(() => parseRatePerS("5/fortnight")).hint).toMatch(/unknown time unit "fortnight"/);
  });
});

describe("parseBytes", () => {
  it.each([
    ["16KiB", 16384], ["16384", 16384], [16384, 16384], ["32MiB", 32 * 2 ** 20], ["1MB", 1_000_000],
    ["512B", 512], ["1kb", 1000], ["1.5KiB", 1536], ["2 GiB", 2 * 2 ** 30],
  ])("reads %j as %i bytes", (text, bytes) => {
    expect(parseBytes(text)).toBe(bytes);
  });

  it("rejects negative sizes, fractions of a byte and unknown units", () => {
    expect(unitError(() => parseBytes(-1)).expected).toBe("a size of 0 or more");
    expect(unitError(() => parseBytes(1.5)).expected).toBe("a whole number of bytes");
    expect(unitError(() => parseBytes("16 furlongs")).expected).toBe(`a size like "512B", "16KiB" or "32MiB"`);
  });
});

describe("parseProbability", () => {
  it("reads fractions and percentages", () => {
    expect(parseProbability(0.25)).toBe(0.25);
    expect(parseProbability("5%")).toBeCloseTo(0.05, 12);
    expect(parseProbability("0.5")).toBe(0.5);
  });

  it("rejects values outside 0..1, suggesting a percent sign for whole numbers", () => {
    expect(unitError(() => parseProbability(5)).hint).toBe(`for 5 percent write "5%"`);
    expect(unitError(() => parseProbability(-0.1)).message).toMatch(/^expected a probability between 0 and 1/);
  });
});

describe("formatDurationUs", () => {
  it.each([
    [0, "0s"], [12, "12µs"], [1_500, "1.5ms"], [250_000, "250ms"], [1_500_000, "1.5s"], [30_000_000, "30s"],
    [150_000_000, "2m 30s"], [120_000_000, "2m"], [3_900_000_000, "1h 5m"], [3_600_000_001, "1h"],
    [-250_000, "-250ms"],
  ])("writes %i µs as %j", (us, text) => {
    expect(formatDurationUs(us)).toBe(text);
  });

  it("produces text that parses back to the same value when nothing was rounded away", () => {
    for (const us of [0, 7, 1_234, 999_999, 1_500_000, 59_999_000, 61_000_000, 3_723_000_000]) {
      expect(parseDurationUs(formatDurationUs(us))).toBe(us);
    }
  });
});

describe("formatRatePerS and formatBytes", () => {
  it("write compact text that reads back", () => {
    expect(formatRatePerS(2000)).toBe("2000/s");
    expect(parseRatePerS(formatRatePerS(0.5))).toBe(0.5);
    expect(formatBytes(16384)).toBe("16KiB");
    expect(formatBytes(512)).toBe("512B");
    expect(parseBytes(formatBytes(1536 * 1024))).toBe(1536 * 1024);
  });
});
