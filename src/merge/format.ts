export type StructuredFormat = 'yaml' | 'json';

/** Which structured format a path holds, from its name; undefined for text. */
export function formatOf(path: string): StructuredFormat | undefined {
  const lower = path.toLowerCase();
  if (lower.endsWith('.json')) return 'json';
  if (lower.endsWith('.yml') || lower.endsWith('.yaml')) return 'yaml';
  return undefined;
}
