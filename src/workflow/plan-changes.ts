import { posix } from 'node:path';
import type { Fs } from '../core/fs.js';
import { STAND_IN_CLI, type CliIdentity } from '../render/render.js';
import { recordedHash, serializeLockfile, type LockedTemplate, type Lockfile } from '../lock/lockfile.js';
import type { TextMerger } from '../merge/text.js';
import type { ConflictStyle } from '../plan/decide.js';
import { componentPaths, planComponent, type ComponentInput, type ComponentPlan } from '../plan/plan-component.js';
import { assertSafeRelative } from '../core/target.js';
import { diskHash, type DiskFile, type FileOperation, type Plan } from '../plan/plan.js';
import { readOurs } from '../plan/read-ours.js';
import { renderChange, type ComponentChange } from './change.js';

export interface PlanOptions {
  textMerger: TextMerger;
  conflictStyle: ConflictStyle;
  /** Overwrite local edits of owned files. */
  force: boolean;
  /** The CLI running now: what the target renders as @cli, and what the lockfile records. */
  cli?: CliIdentity;
  /** Recorded paths gone from disk -> where the team moved them (git's rename detection); none if absent. */
  moved?: (missing: string[]) => Promise<ReadonlyMap<string, string>>;
  /** Files this run already read through the checked door (nothing was written since): not read again. */
  disk?: ReadonlyMap<string, DiskFile | undefined>;
}

/**
 * Render -> read ours -> plan, for every change in turn on the same disk (each sees the lockfile
 * as the previous one left it). The edge of the pure planner: it reads only the paths each
 * component owns, through the checked door, and nothing is written.
 */
export async function planChanges(fs: Fs, root: string, lock: Lockfile, changes: readonly ComponentChange[], options: PlanOptions): Promise<Plan> {
  const targetName = posix.basename(root);
  let current = lock;
  const parts: ComponentPlan[] = [];
  const read = new Set<string>();
  for (const change of changes) {
    const { cli = STAND_IN_CLI, moved, disk, ...planOptions } = options;
    const rendered = { ...renderChange(change, targetName, cli), lock: current, ...planOptions };
    const id = `${rendered.target.name}@${rendered.target.version}`;
    const paths = componentPaths(rendered);
    const ours = await readOurs(fs, root, paths, { what: change.locked ? `.platform.yaml or ${id}` : 'the rendered template' }, disk);
    for (const path of paths) read.add(path);
    const teamMoves = change.locked && moved ? await placesMoved(fs, root, rendered, paths, ours, moved) : new Map<string, string>();
    for (const to of teamMoves.values()) read.add(to);
    const base = change.locked && change.renderBase ? await change.renderBase(needingBase(change.locked, ours)) : rendered.base;
    const part = await planComponent({ ...rendered, base, teamMoves }, ours);
    current = part.lockfile;
    parts.push(part);
  }
  return combine(root, parts, { ...current, cli: options.cli ?? STAND_IN_CLI }, read);
}

/**
 * The recorded paths whose decision can look at the base: the file is gone (the note shows the
 * template's change) or differs from what was written (a merge). A file on disk exactly as the
 * lockfile recorded it takes the template's version (or stays) without a base. Secret files
 * are never compared.
 */
export function needingBase(locked: LockedTemplate, ours: ReadonlyMap<string, DiskFile | undefined>): Set<string> {
  const paths = new Set<string>();
  for (const [path, file] of Object.entries(locked.files)) {
    const hash = recordedHash(file);
    if (hash === undefined) continue;
    const disk = ours.get(path);
    if (!disk || diskHash(disk) !== hash) paths.add(path);
  }
  return paths;
}

/**
 * Where the team moved files the template still writes and that are gone from their recorded
 * path. The new paths come from git (the repository is input): each must be a safe path in the
 * root that nothing else of the component claims, read through the checked door into ours.
 */
async function placesMoved(fs: Fs, root: string, input: Pick<ComponentInput, 'locked' | 'theirs'>, claimed: ReadonlySet<string>, ours: Map<string, DiskFile | undefined>, moved: NonNullable<PlanOptions['moved']>): Promise<Map<string, string>> {
  const recorded = input.locked?.files ?? {};
  const missing = Object.keys(recorded).filter((path) => !ours.get(path) && input.theirs.has(path) && recorded[path]!.policy !== 'secret');
  const places = new Map<string, string>();
  if (missing.length === 0) return places;
  for (const [from, to] of await moved(missing)) {
    if (!missing.includes(from) || claimed.has(to) || [...places.values()].includes(to)) continue;
    try {
      assertSafeRelative(to, { what: 'git\'s rename detection' });
    } catch {
      continue;
    }
    const found = await readOurs(fs, root, [to], { what: `git's rename of ${from}` }).catch(() => undefined);
    const file = found?.get(to);
    if (!file) continue;
    ours.set(to, file);
    places.set(from, to);
  }
  return places;
}

/** Several components' plans as one write; a path two of them would change is a claim checkPlan refuses. */
function combine(root: string, parts: ComponentPlan[], lockfile: Lockfile, read: ReadonlySet<string>): Plan {
  const owner = new Map<string, string>();
  const claims: Plan['claims'] = [];
  const operations: FileOperation[] = [];
  for (const part of parts) {
    for (const op of part.operations) {
      operations.push(op);
      if (op.kind === 'keep' || op.kind === 'skip') continue;
      const other = owner.get(op.path);
      if (other !== undefined && other !== part.name) claims.push({ path: op.path, components: [other, part.name] });
      owner.set(op.path, part.name);
    }
  }
  operations.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return {
    root,
    components: parts.map(({ operations: ops, lockfile: _lockfile, ...component }) => ({ ...component, paths: ops.map((op) => op.path) })),
    operations,
    lockfile,
    lockText: serializeLockfile(lockfile),
    conflicts: operations.filter((op) => op.kind === 'conflict').map((op) => op.path),
    notes: parts.flatMap((p) => p.notes),
    twoWay: parts.flatMap((p) => p.twoWay),
    claims,
    read,
  };
}
