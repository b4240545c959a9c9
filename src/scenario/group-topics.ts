// The topics a consumer group subscribes to, from either spelling in the scenario file. Kept apart from the
// schema so that models and checkers can use it without importing zod schemas.

/** `topics`, else `[topic]`. */
export function groupTopics(g: { topic?: string; topics?: string[] }): string[] {
  return g.topics ?? (g.topic !== undefined ? [g.topic] : []);
}
