import { createTwoFilesPatch } from 'diff';
import type { RenderedFile, RenderedTree } from '../render/render.js';
import { recordedHash, sha256, type LockedFile } from '../lock/lockfile.js';
import { mergeFile } from '../merge/merge-file.js';
import { isText, twoWayConflict } from '../merge/conflict.js';
import type { MergeLabels, TextMerger } from '../merge/text.js';
import { diskHash, type ConflictStages, type DiskFile, type FileOperation } from './plan.js';

export type ConflictStyle = 'markers' | 'reject';

/** Everything decide looks at besides the path itself: read before, never read by it. */
export interface DecideContext {
  /** What the lockfile records as written last time, by path ({} for a component new here). */
  recorded: Readonly<Record<string, LockedFile>>;
  /** The recorded version rendered again; undefined when it cannot be. */
  base: RenderedTree | undefined;
  /** The disk, for every path decide may ask about. */
  ours: ReadonlyMap<string, DiskFile | undefined>;
  labels: MergeLabels;
  /** New path -> old path of a secret file that stays where it is. */
  secretStays: ReadonlyMap<string, string>;
  textMerger: TextMerger;
  conflictStyle: ConflictStyle;
  /** Overwrite local edits of owned files. */
  force: boolean;
  /** The component is new here (create, add): words of a create, not of an upgrade. */
  fresh: boolean;
}

/** What decide chose for one path: its operations (a move also retires the old path) and what to tell. */
export interface Decision {
  operations: FileOperation[];
  notes: string[];
  /** Merged without a base: both versions are shown side by side. */
  twoWay: boolean;
}

const same = (a: Uint8Array | undefined, b: Uint8Array | undefined): boolean =>
  a !== undefined && b !== undefined && a.length === b.length && Buffer.compare(a, b) === 0;

/**
 * The base of a path: the old version rendered again, trusted only if it hashes to what the
 * lockfile says was written. Without one, theirs is the base when it hashes to the lockfile
 * (the template did not change the file).
 */
export function baseOf(ctx: Pick<DecideContext, 'recorded' | 'base'>, path: string, next: RenderedFile): Uint8Array | undefined {
  const recorded = ctx.recorded[path];
  if (!recorded) return undefined;
  const hash = recordedHash(recorded);
  if (hash === undefined) return undefined;
  const file = ctx.base?.get(path);
  if (file && sha256(file.bytes) === hash) return file.bytes;
  return sha256(next.bytes) === hash ? next.bytes : undefined;
}

/**
 * plan(base, ours, theirs) for one file the template writes: newPath gets `next`, coming from
 * oldPath when the lockfile knows the file (oldPath !== newPath: the template moved it). Pure
 * but for the text merger it is given; every case is a row of test/unit/decide.test.ts.
 */
export async function decide(ctx: DecideContext, oldPath: string | undefined, newPath: string, next: RenderedFile): Promise<Decision> {
  const decision: Decision = { operations: [], notes: [], twoWay: false };
  const { operations, notes } = decision;
  const recorded = oldPath !== undefined ? ctx.recorded[oldPath] : undefined;
  const disk = ctx.ours.get(oldPath ?? newPath);
  const moved = oldPath !== undefined && oldPath !== newPath;
  const atNewPath = moved ? ctx.ours.get(newPath) : undefined;
  const retireOld = (): void => {
    if (moved) operations.push({ kind: 'delete', path: oldPath, reason: `moved to ${newPath}` });
  };
  const conflict = (base: Uint8Array | undefined, mine: DiskFile, reason: string, style: ConflictLayout, theirs: RenderedFile = next): void => {
    operations.push(...conflictOperations(ctx, newPath, theirs, base, mine, reason, style));
  };
  // A rename onto a path where you already keep a different file: never overwrite it, whatever
  // was decided for the moved file (bytes: what newPath would hold; the template's for a
  // conflict). The file at oldPath is left in place.
  const moveBlocked = (bytes: Uint8Array): boolean => {
    if (!atNewPath || same(atNewPath.bytes, bytes)) return false;
    conflict(undefined, atNewPath, `moved from ${oldPath}, but you already have a different ${newPath}`, 'two-way', { ...next, bytes });
    notes.push(`${oldPath} was left in place: the template moved it to ${newPath}, where you have a different file.`);
    return true;
  };

  // A secret file is written once and is yours from then on: never rewritten (an upgrade
  // knows no secret but its default), never diffed, never deleted.
  // (A file that was secret stays secret where it is, even if the new version's path is not.)
  const stays = ctx.secretStays.get(newPath);
  if (stays !== undefined) {
    operations.push({ kind: 'skip', path: newPath, policy: 'secret', reason: `secret: yours stays at ${stays}` });
    notes.push(`${stays}: the template moved this secret file to ${newPath}; it stays where it is (move it yourself).`);
    return decision;
  }
  if (next.policy === 'secret' || recorded?.policy === 'secret') {
    const existing = ctx.ours.get(newPath);
    if (existing) operations.push({ kind: 'keep', path: newPath, policy: 'secret', reason: 'secret: yours' });
    else if (!recorded) operations.push({ kind: 'create', path: newPath, bytes: next.bytes, executable: next.executable, policy: 'secret', reason: ctx.fresh ? 'new file' : 'new in this version' });
    else operations.push({ kind: 'skip', path: newPath, policy: 'secret', reason: 'you deleted it; left deleted' });
    return decision;
  }
  // A path new to this template: a create; a different local file is a conflict.
  if (!recorded) {
    const existing = ctx.ours.get(newPath);
    const write = { path: newPath, bytes: next.bytes, executable: next.executable, policy: next.policy };
    if (!existing) operations.push({ kind: 'create', ...write, reason: ctx.fresh ? 'new file' : 'new in this version' });
    else if (!same(existing.bytes, next.bytes)) conflict(undefined, existing, ctx.fresh ? alreadyThere(existing, next) : 'added here and in the template', 'two-way');
    else if (existing.executable !== next.executable) operations.push({ kind: 'update', ...write, reason: 'executable bit changed' });
    else operations.push({ kind: 'keep', path: newPath, policy: next.policy, reason: 'already identical' });
    return decision;
  }
  if (!disk) {
    operations.push({ kind: 'skip', path: newPath, policy: next.policy, reason: 'you deleted it; left deleted' });
    const was = baseOf(ctx, oldPath!, next);
    if (moved || !same(was, next.bytes)) notes.push(`${oldPath}: you deleted it and the template changed${moved ? ` (moved to ${newPath})` : ''} it; it stays deleted.${unplaced(oldPath!, was, next.bytes)}`);
    return decision;
  }
  if (next.policy === 'once') {
    operations.push({ kind: 'skip', path: oldPath!, policy: 'once', reason: 'written once; yours now' });
    return decision;
  }
  // The executable bit is yours if you changed it, else the template's.
  const executable = disk.executable === (recorded.executable ?? false) ? next.executable : disk.executable;
  const untouched = diskHash(disk) === recordedHash(recorded);
  const base = baseOf(ctx, oldPath!, next);

  // What the file at newPath should hold, before checking the way is free.
  let decided: { kind: 'take' | 'keep' | 'merged'; bytes: Uint8Array; reason: string };
  if (untouched) {
    decided = { kind: 'take', bytes: next.bytes, reason: moved ? `moved from ${oldPath}` : 'template changed; no local edits' };
  } else if (next.policy === 'owned') {
    if (!ctx.force) {
      if (moveBlocked(next.bytes)) return decision;
      conflict(base, disk, "owned by the platform, edited locally (use --force to take the template's)", 'theirs-beside');
      retireOld();
      return decision;
    }
    decided = { kind: 'take', bytes: next.bytes, reason: 'owned: local edits replaced (--force)' };
  } else if (base && same(base, next.bytes)) {
    decided = { kind: 'keep', bytes: disk.bytes, reason: moved ? `moved from ${oldPath}, with your edits` : 'template unchanged; your edits kept' };
  } else if (same(disk.bytes, next.bytes)) {
    decided = { kind: 'keep', bytes: disk.bytes, reason: 'your edit matches the template' };
  } else if (!base) {
    if (moveBlocked(next.bytes)) return decision;
    decision.twoWay = true;
    conflict(undefined, disk, 'no base to merge from (two-way)', 'two-way');
    retireOld();
    return decision;
  } else {
    const merged = await mergeFile({ path: newPath, base, ours: disk.bytes, theirs: next.bytes, labels: ctx.labels, textMerger: ctx.textMerger });
    if ((merged.method === 'binary' || merged.conflicts > 0) && moveBlocked(next.bytes)) return decision;
    if (merged.method === 'binary') {
      conflict(base, disk, 'binary file changed on both sides', 'theirs-beside');
      retireOld();
      return decision;
    }
    if (merged.conflicts > 0) {
      const reason = `both changed the same lines${merged.note ? ` (${merged.note})` : ''}`;
      operations.push(...conflictOutcome(ctx, newPath, next, disk, merged.bytes, merged.conflicts, { base, ours: disk.bytes, theirs: next.bytes }, reason));
      retireOld();
      return decision;
    }
    decided = { kind: 'merged', bytes: merged.bytes, reason: merged.method === 'structure' ? 'merged by structure' : 'merged by lines' };
  }

  if (moveBlocked(decided.bytes)) return decision;
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
  return decision;
}

const MAX_UNPLACED_LINES = 60;

/**
 * The template's change to a file you no longer have, as a unified diff, so a file you moved
 * where git sees no rename still gets it by hand ("" for binary files or without a base).
 */
function unplaced(path: string, base: Uint8Array | undefined, theirs: Uint8Array): string {
  if (!base || !isText(base) || !isText(theirs)) return '';
  const decoder = new TextDecoder();
  const lines = createTwoFilesPatch(`a/${path}`, `b/${path}`, decoder.decode(base), decoder.decode(theirs), undefined, undefined, { context: 3 }).split('\n').slice(1);
  const shown = lines.length > MAX_UNPLACED_LINES ? [...lines.slice(0, MAX_UNPLACED_LINES), `… (${lines.length - MAX_UNPLACED_LINES} more lines)`] : lines;
  return ` If you moved it, apply this change there yourself:\n${shown.join('\n').trimEnd()}`;
}

function alreadyThere(existing: DiskFile, next: RenderedFile): string {
  return isText(existing.bytes) && isText(next.bytes) ? 'a different file is already there' : 'a different binary file is already there; kept yours';
}

/**
 * How a conflict without a line merge is laid out. two-way: both versions side by side in the
 * file (text); theirs-beside: your file stays as it is and the template's version is what the
 * .rej holds.
 */
type ConflictLayout = 'two-way' | 'theirs-beside';

function conflictOperations(ctx: DecideContext, path: string, next: RenderedFile, base: Uint8Array | undefined, disk: DiskFile, reason: string, layout: ConflictLayout): FileOperation[] {
  const text = isText(disk.bytes) && isText(next.bytes);
  const stages = { base, ours: disk.bytes, theirs: next.bytes };
  if (layout === 'theirs-beside' && ctx.conflictStyle === 'markers') {
    // Yours stays as it is; the template's version lands beside it, visible outside git too
    // (never only as a stage in git's index, which `git commit -a` would silently drop).
    const side = `${path}${SIDE_SUFFIX}`;
    return [
      { kind: 'create', path: side, bytes: next.bytes, executable: next.executable, policy: next.policy, reason: `the template's version of ${path}` },
      { kind: 'conflict', path, bytes: disk.bytes, executable: disk.executable, policy: next.policy, conflicts: 1, stages, side: { path: side, holds: 'theirs' }, reason: `${reason}; the template's version is in ${side}` },
    ];
  }
  const bytes = text && layout === 'two-way' ? twoWayConflict(disk.bytes, next.bytes, ctx.labels) : disk.bytes;
  const rejected = layout === 'two-way' && text ? bytes : next.bytes;
  return conflictOutcome(ctx, path, next, disk, bytes, 1, stages, reason, rejected, layout === 'theirs-beside' ? 'theirs' : 'conflict');
}

/** Where the template's whole version of a file in conflict is written when no markers can hold it. */
export const SIDE_SUFFIX = '.platform-new';

/** markers: the file holds the conflict. reject: the file keeps yours; PATH.rej holds the rest. */
function conflictOutcome(ctx: DecideContext, path: string, next: RenderedFile, disk: DiskFile, bytes: Uint8Array, conflicts: number, stages: ConflictStages, reason: string, rejected: Uint8Array = bytes, holds: 'theirs' | 'conflict' = 'conflict'): FileOperation[] {
  if (ctx.conflictStyle === 'reject') {
    return [
      { kind: 'create', path: `${path}.rej`, bytes: rejected, executable: false, policy: next.policy, reason: `conflict in ${path}` },
      { kind: 'conflict', path, bytes: disk.bytes, executable: disk.executable, policy: next.policy, conflicts, stages, side: { path: `${path}.rej`, holds }, reason: `${reason}; see ${path}.rej` },
    ];
  }
  return [{ kind: 'conflict', path, bytes, executable: disk.executable, policy: next.policy, conflicts, stages, reason }];
}
