import type { Fs } from '../core/fs.js';
import type { RenderedFile, RenderedTree } from '../render/render.js';
import { sha256, withTemplate, serializeLockfile, type LockedFile, type LockedTemplate, type Lockfile } from '../lock/lockfile.js';
import { mergeFile } from '../merge/merge-file.js';
import { isText, twoWayConflict } from '../merge/conflict.js';
import type { MergeLabels, TextMerger } from '../merge/text.js';
import { readOurs, type Plan } from './prepare.js';
import type { DiskFile, FileOperation } from './plan.js';

export type ConflictStyle = 'markers' | 'reject';

export interface UpgradeInput {
  fs: Fs;
  root: string;
  lock: Lockfile;
  /** The lockfile's entry for this template: what was written last time. */
  locked: LockedTemplate;
  /** The recorded version rendered again with the recorded answers; undefined if it cannot be. */
  base: RenderedTree | undefined;
  theirs: RenderedTree;
  target: { name: string; version: string; source: string };
  /** Answers to record (secrets already removed). */
  answers: Record<string, unknown>;
  /** Old path -> new path, declared by the target version. */
  renames: ReadonlyMap<string, string>;
  textMerger: TextMerger;
  conflictStyle: ConflictStyle;
  /** Overwrite local edits of owned files. */
  force: boolean;
}

export interface UpgradePlan extends Plan {
  from: string;
  /** Files merged without a base (two-way), and why. */
  twoWay: string[];
  notes: string[];
}

const same = (a: Uint8Array | undefined, b: Uint8Array | undefined): boolean =>
  a !== undefined && b !== undefined && a.length === b.length && Buffer.compare(a, b) === 0;

/**
 * plan(base, ours, theirs) for an upgrade, file by file. Cost grows with the files the template
 * owns: only those paths are read from disk.
 */
export async function planUpgrade(input: UpgradeInput): Promise<UpgradePlan> {
  const { locked, theirs } = input;
  const labels: MergeLabels = {
    ours: 'local',
    base: `${locked.name}@${locked.version}`,
    theirs: `${input.target.name}@${input.target.version}`,
  };
  const oldPaths = Object.keys(locked.files);
  const renamedTo = new Map([...input.renames].filter(([from]) => Object.hasOwn(locked.files, from)));
  const paths = new Set<string>([...oldPaths, ...theirs.keys(), ...renamedTo.values()]);
  const ours = await readOurs(input.fs, input.root, paths);

  const operations: FileOperation[] = [];
  const notes: string[] = [];
  const twoWay: string[] = [];
  const handled = new Set<string>();

  /** The base of a path, trusted only if it hashes to what the lockfile says was written. */
  const baseOf = (path: string): Uint8Array | undefined => {
    const file = input.base?.get(path);
    const recorded = locked.files[path];
    return file && recorded && sha256(file.bytes) === recorded.sha256 ? file.bytes : undefined;
  };

  const decide = async (oldPath: string | undefined, newPath: string, next: RenderedFile): Promise<void> => {
    const recorded = oldPath ? locked.files[oldPath] : undefined;
    const disk = ours.get(oldPath ?? newPath);
    const write = { path: newPath, bytes: next.bytes, executable: next.executable, policy: next.policy };
    const moved = oldPath !== undefined && oldPath !== newPath;

    // A path new to this template: like a create; a different local file is a conflict.
    if (!recorded) {
      const existing = ours.get(newPath);
      if (!existing) operations.push({ kind: 'create', ...write, reason: 'new in this version' });
      else if (same(existing.bytes, next.bytes)) operations.push({ kind: 'keep', path: newPath, policy: next.policy, reason: 'already identical' });
      else pushConflict(newPath, next, undefined, existing, 'added here and in the template', true);
      return;
    }
    if (!disk) {
      if (moved) operations.push({ kind: 'create', ...write, reason: `moved from ${oldPath}` });
      else {
        operations.push({ kind: 'skip', path: newPath, policy: next.policy, reason: 'you deleted it; left deleted' });
        if (!same(baseOf(newPath), next.bytes)) notes.push(`${newPath}: you deleted it and the template changed it; it stays deleted.`);
      }
      return;
    }
    const untouched = sha256(disk.bytes) === recorded.sha256;
    const executable = untouched || disk.executable === (recorded.executable ?? false) ? next.executable : disk.executable;
    if (next.policy === 'once') {
      operations.push({ kind: 'skip', path: newPath, policy: 'once', reason: 'written once; yours now' });
      return;
    }
    if (untouched) {
      if (moved) {
        operations.push({ kind: 'create', ...write, executable, reason: `moved from ${oldPath}` });
        operations.push({ kind: 'delete', path: oldPath!, reason: `moved to ${newPath}` });
      } else if (same(disk.bytes, next.bytes) && disk.executable === executable) {
        operations.push({ kind: 'keep', path: newPath, policy: next.policy, reason: 'unchanged' });
      } else {
        operations.push({ kind: 'update', ...write, executable, reason: 'template changed; no local edits' });
      }
      return;
    }
    // Local edits from here on.
    if (next.policy === 'owned' && !input.force) {
      pushConflict(newPath, next, baseOf(oldPath!), disk, 'owned by the platform, edited locally (use --force to take the template\'s)', false);
      if (moved) operations.push({ kind: 'delete', path: oldPath!, reason: `moved to ${newPath}` });
      return;
    }
    if (next.policy === 'owned' && input.force) {
      operations.push({ kind: 'update', ...write, reason: 'owned: local edits replaced (--force)' });
      if (moved) operations.push({ kind: 'delete', path: oldPath!, reason: `moved to ${newPath}` });
      return;
    }
    const base = baseOf(oldPath!);
    if (base && same(base, next.bytes)) {
      if (moved) {
        operations.push({ kind: 'create', path: newPath, bytes: disk.bytes, executable: disk.executable, policy: next.policy, reason: `moved from ${oldPath}, with your edits` });
        operations.push({ kind: 'delete', path: oldPath!, reason: `moved to ${newPath}` });
      } else {
        operations.push({ kind: 'keep', path: newPath, policy: next.policy, reason: 'template unchanged; your edits kept' });
      }
      return;
    }
    if (same(disk.bytes, next.bytes)) {
      operations.push({ kind: 'keep', path: newPath, policy: next.policy, reason: 'your edit matches the template' });
      if (moved) operations.push({ kind: 'delete', path: oldPath!, reason: `moved to ${newPath}` });
      return;
    }
    if (!base) {
      twoWay.push(newPath);
      pushConflict(newPath, next, undefined, disk, 'no base to merge from (two-way)', true);
      if (moved) operations.push({ kind: 'delete', path: oldPath!, reason: `moved to ${newPath}` });
      return;
    }
    const merged = await mergeFile({ path: newPath, base, ours: disk.bytes, theirs: next.bytes, labels, textMerger: input.textMerger });
    if (merged.conflicts === 0) {
      operations.push({ kind: 'merge', ...write, bytes: merged.bytes, executable, reason: merged.method === 'structure' ? 'merged by structure' : 'merged by lines' });
    } else if (merged.method === 'binary') {
      pushConflict(newPath, next, base, disk, 'binary file changed on both sides', false);
    } else {
      operations.push(conflictOp(newPath, next, merged.bytes, merged.conflicts, { base, ours: disk.bytes, theirs: next.bytes }, `both changed the same lines${merged.note ? ` (${merged.note})` : ''}`, disk));
    }
    if (moved) operations.push({ kind: 'delete', path: oldPath!, reason: `moved to ${newPath}` });
  };

  /** A conflict without a line merge: both versions side by side (text) or yours kept (binary). */
  const pushConflict = (path: string, next: RenderedFile, base: Uint8Array | undefined, disk: DiskFile, reason: string, twoWayMarkers: boolean): void => {
    const text = isText(disk.bytes) && isText(next.bytes);
    const bytes = text && twoWayMarkers ? twoWayConflict(disk.bytes, next.bytes, labels) : disk.bytes;
    operations.push(conflictOp(path, next, bytes, 1, { base, ours: disk.bytes, theirs: next.bytes }, reason, disk));
  };

  const conflictOp = (path: string, next: RenderedFile, bytes: Uint8Array, conflicts: number, stages: { base: Uint8Array | undefined; ours: Uint8Array; theirs: Uint8Array }, reason: string, disk: DiskFile): FileOperation => {
    if (input.conflictStyle === 'reject') {
      // The file keeps your version; the template's side goes next to it.
      operations.push({ kind: 'create', path: `${path}.rej`, bytes, executable: false, policy: next.policy, reason: `conflict in ${path}` });
      return { kind: 'conflict', path, bytes: disk.bytes, executable: disk.executable, policy: next.policy, conflicts, stages, reason: `${reason}; see ${path}.rej` };
    }
    return { kind: 'conflict', path, bytes, executable: disk.executable, policy: next.policy, conflicts, stages, reason };
  };

  for (const [from, to] of renamedTo) {
    const next = theirs.get(to);
    if (!next) continue;
    handled.add(from).add(to);
    await decide(from, to, next);
  }
  for (const [path, next] of theirs) {
    if (handled.has(path)) continue;
    handled.add(path);
    await decide(Object.hasOwn(locked.files, path) ? path : undefined, path, next);
  }
  // Files the template no longer writes.
  for (const path of oldPaths) {
    if (handled.has(path)) continue;
    const disk = ours.get(path);
    const recorded = locked.files[path]!;
    if (!disk) continue;
    if (recorded.policy === 'once') {
      operations.push({ kind: 'skip', path, policy: 'once', reason: 'no longer in the template; yours now' });
    } else if (sha256(disk.bytes) === recorded.sha256) {
      operations.push({ kind: 'delete', path, reason: 'retired by the template' });
    } else {
      operations.push({ kind: 'keep', path, policy: recorded.policy, reason: 'retired by the template, kept because you edited it' });
      notes.push(`${path}: the template retired it; kept because you edited it (no longer tracked).`);
    }
  }

  const files: Record<string, LockedFile> = {};
  const keptOnce = new Set(operations.filter((op) => op.kind === 'skip' && op.policy === 'once').map((op) => op.path));
  for (const [path, file] of theirs) {
    // A once file the upgrade left alone is still what was written then: drift stays honest.
    const previous = keptOnce.has(path) ? locked.files[path] : undefined;
    files[path] = previous ?? { policy: file.policy, sha256: sha256(file.bytes), ...(file.executable ? { executable: true } : {}) };
  }
  const lockfile = withTemplate(input.lock, { ...input.target, answers: input.answers, files });
  operations.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  if (!input.base) notes.push(`${labels.base} could not be rendered again: files you edited are merged two-way.`);
  for (const path of twoWay) notes.push(`${path}: no base to merge from; both versions are shown side by side.`);
  return {
    root: input.root,
    template: input.target,
    from: locked.version,
    operations,
    lockfile,
    lockText: serializeLockfile(lockfile),
    conflicts: operations.filter((op) => op.kind === 'conflict').map((op) => op.path),
    twoWay,
    notes,
  };
}
