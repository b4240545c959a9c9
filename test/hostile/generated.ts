// Hostile cases too large to keep as files: each is built from a few lines of code when the suite runs.
// Same shape as the files in corpus/: a name, the exit codes allowed, and the text (or bytes) of the file.

const HEAD = "name: hostile\ndescription: A hostile case.\nduration: 2s\ndrain: 2s\n";
const TOPIC = "topics: [{ name: t, partitions: 3 }]\nproducers: [{ name: p, topic: t, rate: 200/s }]\n";

export interface HostileCase {
  name: string;
  exits: number[];
  body: string | Buffer;
}

function laughs(levels: number, fanOut: number): string {
  let out = `a0: &a0 "lol"\n`;
  for (let i = 1; i <= levels; i++) out += `a${i}: &a${i} [${Array(fanOut).fill(`*a${i - 1}`).join(", ")}]\n`;
  return out;
}

export function generatedCases(): HostileCase[] {
  return [
    { name: "billion-laughs", exits: [2], body: `${HEAD}${TOPIC}x-bomb:\n${laughs(9, 10).replace(/^/gm, "  ")}` },
    {
      name: "big-string-aliased-900-times",
      exits: [2],
      body: `${HEAD}${TOPIC}extra: &big "${"x".repeat(200_000)}"\nrefs: [${Array(900).fill("*big").join(", ")}]\n`,
    },
    { name: "nested-flow-maps-5000", exits: [2], body: `${HEAD}${TOPIC}deep: ${"{a: ".repeat(5000)}1${"}".repeat(5000)}\n` },
    { name: "nested-flow-lists-100000", exits: [2], body: `${HEAD}${TOPIC}deep: ${"[".repeat(100_000)}${"]".repeat(100_000)}\n` },
    {
      name: "nested-block-maps-2000",
      exits: [2],
      body: `${HEAD}${TOPIC}deep:\n${Array.from({ length: 2000 }, (_, i) => `${" ".repeat(i + 1)}k:`).join("\n")} 1\n`,
    },
    {
      name: "nested-swarm-oneof-2000",
      exits: [2],
      body: `${HEAD}topics: [{ name: t, partitions: ${"{ oneOf: [".repeat(2000)}3${"] }".repeat(2000)} }]\nproducers: [{ name: p, topic: t, rate: 200/s }]\n`,
    },
    {
      name: "topics-2000-of-10000-partitions",
      exits: [2],
      body: `${HEAD}topics:\n${Array.from({ length: 2000 }, (_, i) => `  - { name: t${i}, partitions: 10000 }`).join("\n")}\nproducers: [{ name: p, topic: t0, rate: 200/s }]\n`,
    },
    { name: "document-too-large", exits: [2], body: `${HEAD}${TOPIC}# ${"x".repeat(12 * 1024 * 1024)}\n` },
    { name: "utf16-bom", exits: [2], body: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${HEAD}${TOPIC}`, "utf16le")]) },
  ];
}
