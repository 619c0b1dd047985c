/**
 * Compiling Handlebars costs more than all the I/O of a render, so compiled templates are kept
 * by content: the key covers the source, the Handlebars version and our compile options.
 * (Kept apart from handlebars.ts so that holding a cache does not load Handlebars.)
 */
export interface CompiledCache {
  get(key: string): string | undefined;
  set(key: string, spec: string): void;
}

/** An in-memory cache, optionally seeded with specs read from disk; `added` is what is new. */
export function memoryCache(seed: Record<string, string> = {}): CompiledCache & { added: Record<string, string> } {
  const entries = new Map(Object.entries(seed));
  const added: Record<string, string> = {};
  return {
    added,
    get: (key) => entries.get(key),
    set: (key, spec) => {
      entries.set(key, spec);
      added[key] = spec;
    },
  };
}
