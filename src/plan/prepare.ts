import { posix } from 'node:path';
import type { Fs } from '../core/fs.js';
import { checkedTarget, type PathOrigin } from '../core/target.js';
import type { ResolvedAnswers } from '../answers/resolve.js';
import { renderTemplate } from '../render/render.js';
import { createRenderer } from '../render/handlebars.js';
import { templateId, type Template } from '../template/template.js';
import { lockedFile, serializeLockfile, withTemplate, type LockedFile, type Lockfile } from '../lock/lockfile.js';
import { planFiles, type DiskFile, type FileOperation } from './plan.js';

export interface Plan {
  root: string;
  template: { name: string; version: string; source: string };
  operations: FileOperation[];
  lockfile: Lockfile;
  lockText: string;
  conflicts: string[];
}

export interface PlanAddInput {
  fs: Fs;
  /** Absolute path of the repository (or the new folder). */
  root: string;
  template: Template;
  sourceLabel: string;
  answers: ResolvedAnswers;
  /** The repository's lockfile, or the empty one. */
  lock: Lockfile;
}

/**
 * Create and add: plan(base = nothing, ours = disk, theirs = the rendered template).
 * Reads only the paths the template writes, never the rest of the repository.
 */
export async function planAdd(input: PlanAddInput): Promise<Plan> {
  const { template, answers } = input;
  const theirs = renderTemplate(template, { answers: answers.values, secrets: answers.secrets, targetName: posix.basename(input.root) });
  const ours = await readOurs(input.fs, input.root, theirs.keys());
  const operations = planFiles({
    base: new Map(),
    ours,
    theirs,
    labels: { ours: 'local', theirs: templateId(template) },
  });

  const files: Record<string, LockedFile> = {};
  for (const [path, file] of theirs) {
    files[path] = lockedFile(file.policy, file.bytes, file.executable);
  }
  // Only this template's own questions are recorded (a preset's answers are shared by several).
  const own = new Set(template.manifest.questions.map((q) => q.name));
  const persisted = Object.fromEntries(Object.entries(answers.values).filter(([name]) => own.has(name) && !answers.secrets.has(name)));
  const lockfile = withTemplate(input.lock, {
    name: template.manifest.name,
    version: template.manifest.version,
    source: input.sourceLabel,
    answers: persisted,
    files,
  });
  return {
    root: input.root,
    template: { name: template.manifest.name, version: template.manifest.version, source: input.sourceLabel },
    operations,
    lockfile,
    lockText: serializeLockfile(lockfile),
    conflicts: operations.filter((op) => op.kind === 'conflict').map((op) => op.path),
  };
}

/** The disk side of the merge: each path (rendered or recorded) as it is now, read through checkedTarget. */
export async function readOurs(fs: Fs, root: string, paths: Iterable<string>, origin: PathOrigin = { what: 'the rendered template' }): Promise<Map<string, DiskFile | undefined>> {
  const ours = new Map<string, DiskFile | undefined>();
  for (const path of paths) {
    const target = await checkedTarget(fs, root, path, origin);
    ours.set(path, target.stat ? { bytes: await fs.readFile(target.full), executable: (target.stat.mode & 0o111) !== 0 } : undefined);
  }
  return ours;
}

/** Evaluates `default` and `when` expressions with the template's own hardened renderer. */
export function expressionEvaluator(template: Template, targetName: string): (expression: string, answers: Record<string, unknown>) => string {
  const renderer = createRenderer({
    partials: template.partials,
    templateId: templateId(template),
    ...(template.compiled ? { cache: template.compiled } : {}),
    data: { target: targetName, template: { name: template.manifest.name, version: template.manifest.version }, pins: template.pins },
  });
  const file = posix.join(template.root, 'template.yaml');
  return (expression, answers) => renderer.render(expression, JSON.parse(JSON.stringify(answers)) as object, file);
}
