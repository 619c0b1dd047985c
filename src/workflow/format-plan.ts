import type { ChalkInstance } from 'chalk';
import { LOCKFILE_NAME } from '../render/paths.js';
import type { OperationKind, Plan } from '../plan/plan.js';

const VERBS: Record<OperationKind, readonly [string, string]> = {
  create: ['create', 'created'],
  update: ['update', 'updated'],
  merge: ['merge', 'merged'],
  conflict: ['conflict', 'conflict'],
  delete: ['delete', 'deleted'],
  keep: ['keep', 'kept'],
  skip: ['skip', 'skipped'],
};

export interface FormatOptions {
  color: ChalkInstance;
  /** 'would' for a dry run, 'did' after writing. */
  tense: 'would' | 'did';
  /** A diff to show under a path (dry runs show what changes in files that exist). */
  diffs?: ReadonlyMap<string, string>;
}

/**
 * The plan as people read it, the same for every command: one line per file that changes or
 * is left alone on purpose (kept files are only counted), the lockfile, then a count per kind.
 */
export function formatPlan(plan: Plan, options: FormatOptions): string[] {
  const c = options.color;
  const paint: Record<OperationKind, (text: string) => string> = { create: c.green, update: c.cyan, merge: c.cyan, conflict: c.red, delete: c.red, keep: c.dim, skip: c.dim };
  const tense = options.tense === 'would' ? 0 : 1;
  const lines: string[] = [];
  for (const op of plan.operations) {
    if (op.kind === 'keep') continue;
    const reason = op.kind === 'create' && (op.reason === 'new file' || op.reason === 'new in this version') ? '' : c.dim(` (${op.reason})`);
    lines.push(`  ${paint[op.kind](VERBS[op.kind][tense].padEnd(9))}${op.path}${reason}`);
    const diff = options.diffs?.get(op.path);
    if (diff !== undefined) lines.push(diff);
  }
  lines.push(`  ${c.green((tense === 0 ? 'write' : 'wrote').padEnd(9))}${LOCKFILE_NAME}`);
  const counts = new Map<OperationKind, number>();
  for (const op of plan.operations) counts.set(op.kind, (counts.get(op.kind) ?? 0) + 1);
  const summary = [...counts].map(([kind, n]) => `${n} ${VERBS[kind][1]}`).join(', ');
  lines.push(`${plan.operations.length} files${summary ? `: ${summary}` : ''}.`);
  return lines;
}

/** The plan in --json, one shape for every command that writes files. */
export function planJson(plan: Plan, dryRun: boolean): Record<string, unknown> {
  return {
    dryRun,
    root: plan.root,
    components: plan.components.map((c) => ({ name: c.name, from: c.from ?? null, to: c.to, source: c.source, notes: c.notes, twoWay: c.twoWay })),
    files: [
      ...plan.operations.map((op) => ({ path: op.path, action: op.kind, ...('policy' in op ? { policy: op.policy } : {}), reason: op.reason })),
      { path: LOCKFILE_NAME, action: 'update', reason: 'records what the template wrote' },
    ],
    conflicts: plan.conflicts,
    // Deprecated names (create and add before 0.x): kept one release for scripts that read them.
    target: plan.root,
    templates: plan.components.map((c) => ({ name: c.name, version: c.to, source: c.source })),
  };
}
