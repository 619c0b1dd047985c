/**
 * Placeholders: what a `placeholder: true` question renders while nobody has given its
 * environment-specific value (a cloud account, a role, a registry). One marker, `<set-me:NAME>`,
 * valid wherever the templates put these answers (a YAML plain or quoted scalar, a JSON string,
 * a shell double-quoted word, Markdown), found again by one scan: create's warnings,
 * `platform status --check` and the generated CI's deploy jobs all look for the same text.
 */
import type { Question } from '../template/schema.js';

const PREFIX = '<set-me:';

/** The marker of a question. */
export function placeholderOf(name: string): string {
  return `${PREFIX}${name}>`;
}

/** Whether this value is the question's own marker (accepted whatever the question's pattern says). */
export function isOwnPlaceholder(question: Question, value: unknown): boolean {
  return question.type === 'string' && question.placeholder === true && value === placeholderOf(question.name);
}

/** Whether a (default) value is derived from a placeholder, so no real value either. */
export function holdsPlaceholder(value: unknown): boolean {
  return typeof value === 'string' && value.includes(PREFIX);
}

/** One marker left in a file. */
export interface PlaceholderHit {
  path: string;
  /** 1-based. */
  line: number;
  name: string;
}

/** Longest question name the scan recognises; a marker is short, so the scan stays linear. */
const MARKER = /<set-me:([A-Za-z_][A-Za-z0-9_]{0,63})>/g;

/** Every marker in a text file, in order (at most `limit`, so a hostile file cannot flood the report). */
export function findPlaceholders(path: string, text: string, limit = 100): PlaceholderHit[] {
  const hits: PlaceholderHit[] = [];
  if (!text.includes(PREFIX)) return hits;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length && hits.length < limit; i++) {
    const line = lines[i]!;
    if (!line.includes(PREFIX)) continue;
    for (const match of line.matchAll(MARKER)) {
      hits.push({ path, line: i + 1, name: match[1]! });
      if (hits.length >= limit) break;
    }
  }
  return hits;
}

/** The placeholders grouped by answer name, each with where it is (`path:line`), for messages. */
export function groupPlaceholders(hits: readonly PlaceholderHit[]): Map<string, string[]> {
  const byName = new Map<string, string[]>();
  for (const hit of hits) {
    const where = byName.get(hit.name) ?? [];
    where.push(`${hit.path}:${hit.line}`);
    byName.set(hit.name, where);
  }
  return byName;
}

/** One line per answer: where its marker is and how to set it. */
export function describePlaceholders(hits: readonly PlaceholderHit[], command: string): string[] {
  return [...groupPlaceholders(hits)].map(([name, where]) => {
    const shown = where.length > 3 ? `${where.slice(0, 3).join(', ')} and ${where.length - 3} more` : where.join(', ');
    return `${name}: ${shown} — set it with \`${command} --set ${name}=VALUE\``;
  });
}
