import type { Fs } from '../core/fs.js';
import type { RenderedFile, RenderedTree } from '../render/render.js';
import { lockedFile, recordedHash, sha256, withTemplate, serializeLockfile, type LockedFile, type LockedTemplate, type Lockfile } from '../lock/lockfile.js';
import { mergeFile } from '../merge/merge-file.js';
import { isText, twoWayConflict } from '../merge/conflict.js';
import type { MergeLabels, TextMerger } from '../merge/text.js';
import { readOurs, type Plan } from './prepare.js';
import type { ConflictStages, DiskFile, FileOperation } from './plan.js';

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
 * The upgrade at the edge: reads ours (only the paths the template owns, through the checked
 * door), then plans. Cost grows with the files the template owns.
 */
export async function planUpgrade(input: UpgradeInput): Promise<UpgradePlan> {
  const ours = await readOurs(input.fs, input.root, upgradePaths(input), { what: `.platform.yaml or ${input.target.name}@${input.target.version}` });
  return planUpgradeFrom(input, ours);
}

/** Which files an upgrade reads: what was written, what will be, and where files move to. */
export function upgradePaths(input: Pick<UpgradeInput, 'locked' | 'base' | 'theirs' | 'renames'>): Set<string> {
  const { renamedTo } = moves(input);
  return new Set<string>([...Object.keys(input.locked.files), ...input.theirs.keys(), ...renamedTo.values()]);
}

/** Declared and implicit renames of files the lockfile knows; a secret file never moves (see decide). */
function moves(input: Pick<UpgradeInput, 'locked' | 'base' | 'theirs' | 'renames'>): { all: Array<[string, string]>; renamedTo: Map<string, string>; isSecret: (from: string, to: string) => boolean } {
  const { locked, theirs } = input;
  const isSecret = (from: string, to: string): boolean => locked.files[from]?.policy === 'secret' || theirs.get(to)?.policy === 'secret';
  const all = [...input.renames, ...implicitRenames(input.base, theirs)].filter(([from, to]) => Object.hasOwn(locked.files, from) && theirs.has(to) && from !== to);
  return { all, renamedTo: new Map(all.filter(([from, to]) => !isSecret(from, to))), isSecret };
}

/**
 * plan(base, ours, theirs) for an upgrade, file by file. Pure: ours is what was read (every path
 * of upgradePaths), and the only effect it calls is the text merger it is given.
 */
export async function planUpgradeFrom(input: Omit<UpgradeInput, 'fs' | 'root'> & { root: string }, ours: ReadonlyMap<string, DiskFile | undefined>): Promise<UpgradePlan> {
  const { locked, theirs } = input;
  const labels: MergeLabels = {
    ours: 'local',
    base: `${locked.name}@${locked.version}`,
    theirs: `${input.target.name}@${input.target.version}`,
  };
  const oldPaths = Object.keys(locked.files);
  const { all: moved, renamedTo, isSecret } = moves(input);
  // new path -> old path of a secret file kept where it is (no copy of the default at the new path).
  const secretStays = new Map(moved.filter(([from, to]) => isSecret(from, to) && ours.get(from) && !ours.get(to)).map(([from, to]) => [to, from]));

  const operations: FileOperation[] = [];
  const notes: string[] = [];
  const twoWay: string[] = [];
  const handled = new Set<string>();

  /**
   * The base of a path: the old version rendered again, trusted only if it hashes to what the
   * lockfile says was written. Without one, theirs is the base when it hashes to the lockfile
   * (the template did not change the file).
   */
  const baseOf = (path: string, next: RenderedFile): Uint8Array | undefined => {
    const recorded = locked.files[path];
    if (!recorded) return undefined;
    const file = input.base?.get(path);
    const hash = recordedHash(recorded);
    if (hash === undefined) return undefined;
    if (file && sha256(file.bytes) === hash) return file.bytes;
    return sha256(next.bytes) === hash ? next.bytes : undefined;
  };

  const decide = async (oldPath: string | undefined, newPath: string, next: RenderedFile): Promise<void> => {
    const recorded = oldPath ? locked.files[oldPath] : undefined;
    const disk = ours.get(oldPath ?? newPath);
    const moved = oldPath !== undefined && oldPath !== newPath;
    const atNewPath = moved ? ours.get(newPath) : undefined;
    const retireOld = (): void => {
      if (moved) operations.push({ kind: 'delete', path: oldPath!, reason: `moved to ${newPath}` });
    };

    // A secret file is written once and is yours from then on: never rewritten (an upgrade
    // knows no secret but its default), never diffed, never deleted.
    if (next.policy === 'secret' || recorded?.policy === 'secret') {
      const existing = ours.get(newPath);
      const stays = secretStays.get(newPath);
      if (stays !== undefined) {
        operations.push({ kind: 'skip', path: newPath, policy: 'secret', reason: `secret: yours stays at ${stays}` });
        notes.push(`${stays}: the template moved this secret file to ${newPath}; it stays where it is (move it yourself).`);
      } else if (existing) operations.push({ kind: 'keep', path: newPath, policy: 'secret', reason: 'secret: yours' });
      else if (!recorded) operations.push({ kind: 'create', path: newPath, bytes: next.bytes, executable: next.executable, policy: 'secret', reason: 'new in this version' });
      else operations.push({ kind: 'skip', path: newPath, policy: 'secret', reason: 'you deleted it; left deleted' });
      return;
    }
    // A path new to this template: like a create; a different local file is a conflict.
    if (!recorded) {
      const existing = ours.get(newPath);
      if (!existing) operations.push({ kind: 'create', path: newPath, bytes: next.bytes, executable: next.executable, policy: next.policy, reason: 'new in this version' });
      else if (same(existing.bytes, next.bytes)) operations.push({ kind: 'keep', path: newPath, policy: next.policy, reason: 'already identical' });
      else pushConflict(newPath, next, undefined, existing, 'added here and in the template', 'two-way');
      return;
    }
    if (!disk) {
      operations.push({ kind: 'skip', path: newPath, policy: next.policy, reason: 'you deleted it; left deleted' });
      if (moved || !same(baseOf(newPath, next), next.bytes)) notes.push(`${oldPath}: you deleted it and the template changed${moved ? ` (moved to ${newPath})` : ''} it; it stays deleted.`);
      return;
    }
    if (next.policy === 'once') {
      operations.push({ kind: 'skip', path: oldPath!, policy: 'once', reason: 'written once; yours now' });
      return;
    }
    // The executable bit is yours if you changed it, else the template's.
    const executable = disk.executable === (recorded.executable ?? false) ? next.executable : disk.executable;
    const untouched = sha256(disk.bytes) === recordedHash(recorded);
    const base = baseOf(oldPath!, next);

    // What the file at newPath should hold, before checking the way is free.
    let decided: { kind: 'take' | 'keep' | 'merged'; bytes: Uint8Array; reason: string } | undefined;
    if (untouched) {
      decided = { kind: 'take', bytes: next.bytes, reason: moved ? `moved from ${oldPath}` : 'template changed; no local edits' };
    } else if (next.policy === 'owned') {
      if (!input.force) {
        pushConflict(newPath, next, base, disk, "owned by the platform, edited locally (use --force to take the template's)", 'theirs-beside');
        retireOld();
        return;
      }
      decided = { kind: 'take', bytes: next.bytes, reason: 'owned: local edits replaced (--force)' };
    } else if (base && same(base, next.bytes)) {
      decided = { kind: 'keep', bytes: disk.bytes, reason: moved ? `moved from ${oldPath}, with your edits` : 'template unchanged; your edits kept' };
    } else if (same(disk.bytes, next.bytes)) {
      decided = { kind: 'keep', bytes: disk.bytes, reason: 'your edit matches the template' };
    } else if (!base) {
      twoWay.push(newPath);
      pushConflict(newPath, next, undefined, disk, 'no base to merge from (two-way)', 'two-way');
      retireOld();
      return;
    } else {
      const merged = await mergeFile({ path: newPath, base, ours: disk.bytes, theirs: next.bytes, labels, textMerger: input.textMerger });
      if (merged.method === 'binary') {
        pushConflict(newPath, next, base, disk, 'binary file changed on both sides', 'theirs-beside');
        retireOld();
        return;
      }
      if (merged.conflicts > 0) {
        const reason = `both changed the same lines${merged.note ? ` (${merged.note})` : ''}`;
        operations.push(conflictOp(newPath, next, disk, merged.bytes, merged.conflicts, { base, ours: disk.bytes, theirs: next.bytes }, reason));
        retireOld();
        return;
      }
      decided = { kind: 'merged', bytes: merged.bytes, reason: merged.method === 'structure' ? 'merged by structure' : 'merged by lines' };
    }

    // A rename onto a path where you already keep a different file: never overwrite it.
    if (atNewPath && !same(atNewPath.bytes, decided.bytes)) {
      pushConflict(newPath, { ...next, bytes: decided.bytes }, undefined, atNewPath, `moved from ${oldPath}, but you already have a different ${newPath}`, 'two-way');
      notes.push(`${oldPath} was left in place: the template moved it to ${newPath}, where you have a different file.`);
      return;
    }
    const write = { path: newPath, bytes: decided.bytes, executable, policy: next.policy };
    if (moved) {
      const kind = decided.kind === 'merged' ? 'merge' : atNewPath ? 'update' : 'create';
      operations.push({ kind, ...write, reason: decided.reason });
      retireOld();
    } else if (same(disk.bytes, decided.bytes) && disk.executable === executable) {
      operations.push({ kind: 'keep', path: newPath, policy: next.policy, reason: decided.kind === 'take' ? 'unchanged' : decided.reason });
    } else if (decided.kind === 'merged') {
      operations.push({ kind: 'merge', ...write, reason: decided.reason });
    } else {
      operations.push({ kind: 'update', ...write, reason: same(disk.bytes, decided.bytes) ? 'executable bit changed' : decided.reason });
    }
  };

  /**
   * A conflict without a line merge. two-way: both versions side by side in the file (text);
   * theirs-beside: your file stays as it is and the template's version is what the .rej holds.
   */
  const pushConflict = (path: string, next: RenderedFile, base: Uint8Array | undefined, disk: DiskFile, reason: string, style: 'two-way' | 'theirs-beside'): void => {
    const text = isText(disk.bytes) && isText(next.bytes);
    const bytes = text && style === 'two-way' ? twoWayConflict(disk.bytes, next.bytes, labels) : disk.bytes;
    const rejected = style === 'two-way' && text ? bytes : next.bytes;
    operations.push(conflictOp(path, next, disk, bytes, 1, { base, ours: disk.bytes, theirs: next.bytes }, reason, rejected));
  };

  /** markers: the file holds the conflict. reject: the file keeps yours; PATH.rej holds the rest. */
  const conflictOp = (path: string, next: RenderedFile, disk: DiskFile, bytes: Uint8Array, conflicts: number, stages: ConflictStages, reason: string, rejected: Uint8Array = bytes): FileOperation => {
    if (input.conflictStyle === 'reject') {
      operations.push({ kind: 'create', path: `${path}.rej`, bytes: rejected, executable: false, policy: next.policy, reason: `conflict in ${path}` });
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
    if ([...secretStays.values()].includes(path)) {
      operations.push({ kind: 'keep', path, policy: 'secret', reason: 'secret: yours (not moved)' });
    } else if (recorded.policy === 'secret') {
      operations.push({ kind: 'keep', path, policy: 'secret', reason: 'secret: yours (no longer in the template)' });
    } else if (recorded.policy === 'once') {
      operations.push({ kind: 'skip', path, policy: 'once', reason: 'no longer in the template; yours now' });
    } else if (sha256(disk.bytes) === recordedHash(recorded)) {
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
    const stays = secretStays.get(path);
    if (stays !== undefined) files[stays] = lockedFile('secret', file.bytes, file.executable);
    else files[path] = previous ?? lockedFile(file.policy, file.bytes, file.executable);
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

/**
 * Files whose path moved because an answer changed (src/{{name}}.ts): the same template file
 * rendered to a new path. Matched through the template file each path came from.
 */
function implicitRenames(base: RenderedTree | undefined, theirs: RenderedTree): Map<string, string> {
  const renames = new Map<string, string>();
  if (!base) return renames;
  const theirsBySource = new Map([...theirs].map(([path, file]) => [file.source, path]));
  for (const [path, file] of base) {
    const moved = theirsBySource.get(file.source);
    if (moved !== undefined && moved !== path && !theirs.has(path)) renames.set(path, moved);
  }
  return renames;
}
