// result.json must be byte-reproducible: keys keep their insertion order (the code builds objects in a fixed
// order), numbers print with JavaScript's shortest round-trip form, and non-finite numbers become null.
export function stableJson(value: unknown): string {
  return (
    JSON.stringify(
      value,
      (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v),
      2,
    ) + "\n"
  );
}
