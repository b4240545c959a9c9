// Small pieces the report's hand-drawn SVG diagrams share (leader/ISR timeline, lineage swimlanes, key
// space-time diagrams): time formatting, axis ticks, node colours. No library and no script: the diagrams are
// plain inline SVG, with <title> elements for hover text, so they render offline and without JavaScript.

/** Colours for brokers and other nodes, in a fixed order (the same node keeps its colour within a diagram). */
export const NODE_PALETTE = ["#4c78a8", "#f58518", "#54a24b", "#b279a2", "#9d755d", "#72b7b2", "#eeca3b", "#ff9da6", "#bab0ac", "#17becf"];
export const BAD = "#cf222e";
export const WARN = "#d4a72c";
export const OK = "#2da44e";
export const MUTED = "#59636e";
export const LINE = "#d1d9e0";

/** "12.345 s" with millisecond precision, or µs when the time has them. */
export function seconds(us: number): string {
  return `${(us / 1e6).toFixed(us % 1000 === 0 ? 3 : 6)} s`;
}

/** A duration in the unit that reads best: "850 µs", "12.3 ms", "8.50 s". */
export function duration(us: number): string {
  if (us < 1000) return `${Math.round(us)} µs`;
  if (us < 1e6) return `${(us / 1000).toFixed(us < 1e4 ? 2 : 1)} ms`;
  return `${(us / 1e6).toFixed(2)} s`;
}

/** Round tick values (1, 2 or 5 × a power of ten) covering [fromUs, toUs], about `count` of them. */
export function timeTicks(fromUs: number, toUs: number, count = 8): number[] {
  const span = Math.max(1, toUs - fromUs);
  const raw = span / count;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? 10 * pow;
  const ticks: number[] = [];
  for (let t = Math.ceil(fromUs / step) * step; t <= toUs; t += step) ticks.push(t);
  return ticks;
}

/** Tick label: seconds with as many decimals as the step needs. */
export function tickLabel(us: number, stepUs: number): string {
  const decimals = stepUs >= 1e6 ? 0 : stepUs >= 1e5 ? 1 : stepUs >= 1e4 ? 2 : 3;
  return `${(us / 1e6).toFixed(decimals)} s`;
}

/** Clips a label to at most `max` characters. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(1, max - 1))}…`;
}

/** A number written with at most 1 decimal, as SVG coordinates (keeps the page small and byte-stable). */
export function n1(x: number): string {
  return String(Math.round(x * 10) / 10);
}
