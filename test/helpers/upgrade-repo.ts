/**
 * In-memory repositories for upgrade scenarios: build two versions of a small template, create a
 * repository at the first on memfs, let the test edit it, then plan (and apply) the upgrade to
 * the second exactly as `platform upgrade` does, with the pure diff3 text merger (no git).
 */
import { posix } from 'node:path';
import type { Volume } from 'memfs';
import { memoryFs } from './memfs.js';
import { makeTemplate } from './template.js';
import type { Fs } from '../../src/core/fs.js';
import type { ConflictStyle } from '../../src/plan/decide.js';
import type { Plan } from '../../src/plan/plan.js';
import { applyPlan } from '../../src/apply/apply-plan.js';
import { planChanges } from '../../src/workflow/plan-changes.js';
import { newComponent } from '../../src/workflow/change.js';
import { renderTemplate } from '../../src/render/render.js';
import { diff3Merger } from '../../src/merge/text.js';
import { EMPTY_LOCKFILE, parseLockfile, type Lockfile } from '../../src/lock/lockfile.js';
import type { Template } from '../../src/template/template.js';

export const ROOT = '/repo';

export interface VersionSpec {
  version: string;
  /** template.yaml lines after `version:` (questions, files rules, renames); name is svc. */
  manifest?: string;
  /** files/ of the template. */
  files: Record<string, string | Uint8Array>;
  /** Paths under files/ that are executable in the template. */
  executable?: string[];
}

const DEFAULT_MANIFEST = `questions:
  - name: name
    type: string
`;

/** One version of the template `svc`. */
export async function templateVersion(spec: VersionSpec): Promise<Template> {
  const template = await makeTemplate(`name: svc\nversion: ${spec.version}\n${spec.manifest ?? DEFAULT_MANIFEST}`, spec.files);
  for (const path of spec.executable ?? []) {
    const file = template.files.find((f) => f.path === path);
    if (!file) throw new Error(`no template file ${path}`);
    file.executable = true;
  }
  return template;
}

export type Vol = InstanceType<typeof Volume>;

export interface Repo {
  fs: Fs;
  vol: Vol;
  root: string;
}

/** `create-service` at `template` into ROOT on a fresh memfs. */
export async function createRepo(template: Template, answers: Record<string, unknown>, existing: Record<string, string | Uint8Array> = {}): Promise<Repo> {
  const { fs, vol } = memoryFs(existing);
  const plan = await planChanges(fs, ROOT, EMPTY_LOCKFILE, [newComponent(template, 'builtin', { values: answers, secrets: new Set() })], { textMerger: diff3Merger, conflictStyle: 'markers', force: false });
  await applyPlan(fs, plan, { pid: 1 });
  return { fs, vol, root: ROOT };
}

export function readLock(repo: Repo): Lockfile {
  return parseLockfile(repo.vol.readFileSync(posix.join(repo.root, '.platform.yaml'), 'utf8') as string, '.platform.yaml');
}

export interface UpgradeOptions {
  /** Answers for the target (default: the recorded ones). */
  answers?: Record<string, unknown>;
  /** 'render' (default): the recorded version rendered with the recorded answers; 'none': it cannot be. */
  base?: 'render' | 'none';
  conflictStyle?: ConflictStyle;
  force?: boolean;
  /** Where git sees the team moved recorded files (old -> new), as the git port reports it. */
  moved?: Record<string, string>;
}

/** plan(base = from rendered with the recorded answers, ours = disk, theirs = to) through the CLI's own planChanges. */
export async function planRepoUpgrade(repo: Repo, from: Template, to: Template, options: UpgradeOptions = {}): Promise<Plan> {
  const lock = readLock(repo);
  const locked = lock.templates.find((t) => t.name === to.manifest.name);
  if (!locked) throw new Error(`no ${to.manifest.name} in the lockfile`);
  const targetName = posix.basename(repo.root);
  const answers = options.answers ?? locked.answers;
  const base = options.base === 'none' ? undefined : renderTemplate(from, { answers: locked.answers, targetName });
  return planChanges(repo.fs, repo.root, lock, [{ target: to, source: locked.source, locked, base, answers: { values: answers, secrets: new Set() } }], {
    textMerger: diff3Merger,
    conflictStyle: options.conflictStyle ?? 'markers',
    force: options.force ?? false,
    ...(options.moved ? { moved: async (missing: string[]) => new Map(missing.filter((p) => options.moved![p] !== undefined).map((p) => [p, options.moved![p]!])) } : {}),
  });
}

/** Plans and applies the upgrade; returns the plan. */
export async function upgradeRepo(repo: Repo, from: Template, to: Template, options: UpgradeOptions = {}): Promise<Plan> {
  const plan = await planRepoUpgrade(repo, from, to, options);
  await applyPlan(repo.fs, plan, { pid: 2 });
  return plan;
}

/** path -> operation kind (several operations on one path are joined with +). */
export function kinds(plan: Plan): Record<string, string> {
  const out: Record<string, string> = {};
  for (const op of plan.operations) out[op.path] = out[op.path] ? `${out[op.path]}+${op.kind}` : op.kind;
  return out;
}

/** Every file under the repository (without the lockfile) as text, absent ones left out. */
export function files(repo: Repo): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [full, content] of Object.entries(repo.vol.toJSON(repo.root))) {
    const path = posix.relative(repo.root, full);
    if (path === '.platform.yaml' || content === null) continue;
    out[path] = content;
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

export function isExecutable(repo: Repo, path: string): boolean {
  return ((repo.vol.statSync(posix.join(repo.root, path)).mode as number) & 0o111) !== 0;
}

/** `create-service`/`platform add` of one template into root as the CLI plans it: a change from nothing. */
export function planCreate(input: { fs: Fs; root: string; template: Template; sourceLabel: string; answers: { values: Record<string, unknown>; secrets: ReadonlySet<string> }; lock: Lockfile }): Promise<Plan> {
  const answers = { values: input.answers.values, secrets: new Set(input.answers.secrets) };
  return planChanges(input.fs, input.root, input.lock, [newComponent(input.template, input.sourceLabel, answers)], { textMerger: diff3Merger, conflictStyle: 'markers', force: false });
}
