import type { OperationKind, Plan } from '../plan/plan.js';
import type { ComponentChange } from './change.js';

/** One changelog entry of a version moved through. */
export interface ChangelogEntry {
  version: string;
  text: string;
}

const PAST: Record<OperationKind, string> = { create: 'created', update: 'updated', merge: 'merged', conflict: 'conflict', delete: 'deleted', keep: 'kept', skip: 'skipped' };
const MAX_GIST = 140;

/** Operation counts of one component, from its plan's paths (keep and skip left out: nothing changes). */
export function countsOf(plan: Plan, paths: ReadonlySet<string>): string {
  const counts = new Map<OperationKind, number>();
  for (const op of plan.operations) if (paths.has(op.path) && op.kind !== 'keep' && op.kind !== 'skip') counts.set(op.kind, (counts.get(op.kind) ?? 0) + 1);
  return [...counts].map(([kind, n]) => `${n} ${PAST[kind]}`).join(', ') || 'no file changes';
}

/** Questions the target asks that the recorded version did not, with the answer they got. */
export function newQuestions(change: ComponentChange): string[] {
  const recorded = change.locked?.answers ?? {};
  return change.target.manifest.questions
    .filter((q) => !q.secret && !Object.hasOwn(recorded, q.name))
    .map((q) => `${q.name}=${JSON.stringify(change.answers.values[q.name] ?? null)}`);
}

/** The gist of a changelog entry: its first paragraph of prose (headings skipped), shortened. */
export function gist(text: string): string {
  const paragraph: string[] = [];
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed.startsWith('#')) {
      if (paragraph.length > 0) break;
      continue;
    }
    if (trimmed === '') {
      if (paragraph.length > 0) break;
      continue;
    }
    paragraph.push(trimmed.replace(/^[-*] /, ''));
  }
  const joined = paragraph.join(' ');
  if (joined.length <= MAX_GIST) return joined;
  const cut = joined.slice(0, MAX_GIST);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), MAX_GIST - 20))}…`;
}

/**
 * The short form of an upgrade for an unattended run (CI logs): per component what changed in
 * its files, the new questions and their answers, the conflicts, and one line per version.
 */
export function summaryLines(input: { plan: Plan; change: ComponentChange; paths: ReadonlySet<string>; changelog: readonly ChangelogEntry[] }): string[] {
  const { plan, paths } = input;
  const lines = [`  files: ${countsOf(plan, paths)}`];
  const asked = newQuestions(input.change);
  if (asked.length > 0) lines.push(`  new questions: ${asked.join(', ')}`);
  const conflicts = plan.conflicts.filter((path) => paths.has(path));
  if (conflicts.length > 0) lines.push(`  conflicts: ${conflicts.join(', ')}`);
  for (const entry of input.changelog) lines.push(`  ${entry.version}: ${gist(entry.text)}`);
  if (input.changelog.length > 0) lines.push('  (the full changelog: --verbose, or --json)');
  return lines;
}
