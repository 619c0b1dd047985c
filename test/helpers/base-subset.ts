/**
 * An upgrade planned twice on two identical repositories: with the recorded version rendered
 * whole (the base every file used to get) and rendered only for the files that need one (what
 * `platform upgrade` does now). Tests assert the two plans are equal.
 */
import { posix } from 'node:path';
import { ROOT, createRepo, readLock, type Repo } from './upgrade-repo.js';
import type { Plan } from '../../src/plan/plan.js';
import type { RenderedTree } from '../../src/render/render.js';
import { STAND_IN_CLI } from '../../src/render/render.js';
import { planChanges } from '../../src/workflow/plan-changes.js';
import { renderRecorded, type ComponentChange } from '../../src/workflow/change.js';
import { diff3Merger } from '../../src/merge/text.js';
import type { Template } from '../../src/template/template.js';

export interface BothWays {
  whole: Plan;
  subset: Plan;
  /** How many files the subset's base held (the whole one: every file of the version). */
  rendered: number;
}

export async function planBothWays(from: Template, to: Template, edit?: (repo: Repo) => void, options: { answers?: Record<string, unknown>; moved?: Record<string, string>; initial?: Record<string, unknown> } = {}): Promise<BothWays> {
  const plans: Plan[] = [];
  let rendered = 0;
  for (const subset of [false, true]) {
    const repo = await createRepo(from, options.initial ?? { name: 'billing' });
    edit?.(repo);
    const lock = readLock(repo);
    const locked = lock.templates[0]!;
    const render = (paths?: ReadonlySet<string>): Promise<RenderedTree> => renderRecorded(from, locked, posix.basename(ROOT), STAND_IN_CLI, paths);
    const answers = { values: options.answers ?? locked.answers, secrets: new Set<string>() };
    const change: ComponentChange = subset
      ? {
          target: to,
          source: locked.source,
          locked,
          base: undefined,
          renderBase: async (paths) => {
            const tree = await render(paths);
            rendered = tree.size;
            return tree;
          },
          answers,
        }
      : { target: to, source: locked.source, locked, base: await render(), answers };
    const moved = options.moved;
    plans.push(
      await planChanges(repo.fs, repo.root, lock, [change], {
        textMerger: diff3Merger,
        conflictStyle: 'markers',
        force: false,
        ...(moved ? { moved: async (missing: string[]) => new Map(missing.filter((p) => moved[p] !== undefined).map((p) => [p, moved[p]!])) } : {}),
      }),
    );
  }
  return { whole: plans[0]!, subset: plans[1]!, rendered };
}
