import type { RenderedTree } from '../render/render.js';
import { lockedFile, recordedHash, withTemplate, type LockedFile, type LockedTemplate, type Lockfile } from '../lock/lockfile.js';
import type { MergeLabels, TextMerger } from '../merge/text.js';
import { decide, type ConflictStyle, type DecideContext } from './decide.js';
import { diskHash, type DiskFile, type FileOperation } from './plan.js';
import type { TemplateManifest } from '../template/schema.js';

export type Requirements = TemplateManifest['requires'];

/** Where a component goes: the template version it moves to, and where that came from. */
export interface ComponentTarget {
  name: string;
  version: string;
  /** As the lockfile records it (canonical). */
  source: string;
  /** What the repository must have for this version to work (template.yaml `requires`). */
  requires?: Requirements;
}

/** What one component's plan needs, all of it already read or rendered. */
export interface ComponentInput {
  /** The repository's lockfile so far (the empty one in a new folder). */
  lock: Lockfile;
  /** The lockfile's entry for this component; undefined when it is new here (create, add). */
  locked: LockedTemplate | undefined;
  /** The recorded version rendered again with the recorded answers; undefined if it cannot be. */
  base: RenderedTree | undefined;
  theirs: RenderedTree;
  target: ComponentTarget;
  /** Answers to record (secrets already removed). */
  answers: Record<string, unknown>;
  /** Old path -> new path, declared by the target version. */
  renames: ReadonlyMap<string, string>;
  /**
   * Recorded path -> where the team moved it (git's rename detection); ours holds the file at
   * the new path. The template's changes go there; the lockfile keeps the template's path.
   */
  teamMoves?: ReadonlyMap<string, string>;
  textMerger: TextMerger;
  conflictStyle: ConflictStyle;
  /** Overwrite local edits of owned files. */
  force: boolean;
}

/** One component's part of a plan. */
export interface ComponentPlan {
  name: string;
  /** The version it moves from; undefined when it is new here. */
  from: string | undefined;
  to: string;
  source: string;
  requires?: Requirements;
  operations: FileOperation[];
  /** The lockfile with this component's new entry. */
  lockfile: Lockfile;
  /** Files merged without a base (two-way). */
  twoWay: string[];
  notes: string[];
}

const NO_FILES: Readonly<Record<string, LockedFile>> = Object.freeze({});

/** Which files a component's plan reads: what was written, what will be, and where files move to. */
export function componentPaths(input: Pick<ComponentInput, 'locked' | 'base' | 'theirs' | 'renames'>): Set<string> {
  const { renamedTo } = moves(input);
  return new Set<string>([...Object.keys(input.locked?.files ?? NO_FILES), ...input.theirs.keys(), ...renamedTo.values()]);
}

/** Declared and implicit renames of files the lockfile knows; a secret file never moves (see decide). */
function moves(input: Pick<ComponentInput, 'locked' | 'base' | 'theirs' | 'renames'>): { all: Array<[string, string]>; renamedTo: Map<string, string>; isSecret: (from: string, to: string) => boolean } {
  const recorded = input.locked?.files ?? NO_FILES;
  const { theirs } = input;
  const isSecret = (from: string, to: string): boolean => recorded[from]?.policy === 'secret' || theirs.get(to)?.policy === 'secret';
  const all = [...input.renames, ...implicitRenames(input.base, theirs)].filter(([from, to]) => Object.hasOwn(recorded, from) && theirs.has(to) && from !== to);
  return { all, renamedTo: new Map(all.filter(([from, to]) => !isSecret(from, to))), isSecret };
}

/**
 * plan(base, ours, theirs) for one component, file by file. A create or an add is the case
 * without a lockfile entry (no base, nothing recorded). Pure: ours is what was read (every path
 * of componentPaths), and the only effect it calls is the text merger it is given.
 */
export async function planComponent(input: ComponentInput, ours: ReadonlyMap<string, DiskFile | undefined>): Promise<ComponentPlan> {
  const { locked, theirs } = input;
  const recorded = locked?.files ?? NO_FILES;
  const labels: MergeLabels = {
    ours: 'local',
    base: locked ? `${locked.name}@${locked.version}` : 'nothing',
    theirs: `${input.target.name}@${input.target.version}`,
  };
  const { all: moved, renamedTo, isSecret } = moves(input);
  // new path -> old path of a secret file kept where it is (no copy of the default at the new path).
  const secretStays = new Map(moved.filter(([from, to]) => isSecret(from, to) && ours.get(from) && !ours.get(to)).map(([from, to]) => [to, from]));
  const ctx: DecideContext = {
    recorded,
    base: input.base,
    ours,
    labels,
    secretStays,
    textMerger: input.textMerger,
    conflictStyle: input.conflictStyle,
    force: input.force,
    fresh: locked === undefined,
  };

  const operations: FileOperation[] = [];
  const notes: string[] = [];
  const twoWay: string[] = [];
  const handled = new Set<string>();
  const take = async (oldPath: string | undefined, newPath: string): Promise<void> => {
    const decision = await decide(ctx, oldPath, newPath, theirs.get(newPath)!);
    operations.push(...decision.operations);
    notes.push(...decision.notes);
    if (decision.twoWay) twoWay.push(newPath);
  };

  for (const [from, to] of renamedTo) {
    handled.add(from).add(to);
    await take(from, to);
  }
  const teamMoved = (path: string): string | undefined => {
    const to = input.teamMoves?.get(path);
    return to !== undefined && Object.hasOwn(recorded, path) && !ours.get(path) && ours.get(to) && !theirs.has(to) && !Object.hasOwn(recorded, to) && !renamedTo.has(path) ? to : undefined;
  };
  for (const path of theirs.keys()) {
    if (handled.has(path)) continue;
    handled.add(path);
    const to = teamMoved(path);
    if (to === undefined) {
      await take(Object.hasOwn(recorded, path) ? path : undefined, path);
      continue;
    }
    // Decided as if the file were still at its path, then placed where the team keeps it.
    const decision = await decide({ ...ctx, ours: new Map([...ours, [path, ours.get(to)]]) }, path, path, theirs.get(path)!);
    const place = (p: string): string => (p === path || p.startsWith(`${path}.`) ? `${to}${p.slice(path.length)}` : p);
    for (const op of decision.operations) {
      const placed = { ...op, path: place(op.path), reason: `${op.reason}; at ${to}, where you moved ${path}` };
      operations.push(placed.kind === 'conflict' && placed.side ? { ...placed, side: { ...placed.side, path: place(placed.side.path) } } : placed);
    }
    notes.push(...decision.notes);
    if (decision.twoWay) twoWay.push(to);
    if (decision.operations.some((op) => op.kind !== 'keep' && op.kind !== 'skip')) notes.push(`${path}: you moved it to ${to} (git sees the rename); the template's changes went there.`);
  }
  const stayingSecrets = new Set(secretStays.values());
  for (const path of Object.keys(recorded)) {
    if (!handled.has(path)) {
      const retired = retire(path, recorded[path]!, ours.get(path), stayingSecrets.has(path));
      if (retired) operations.push(retired);
      if (retired?.kind === 'keep' && retired.reason.startsWith('retired')) notes.push(`${path}: the template retired it; kept because you edited it (no longer tracked).`);
    }
  }

  const files: Record<string, LockedFile> = {};
  const keptOnce = new Set(operations.filter((op) => op.kind === 'skip' && op.policy === 'once').map((op) => op.path));
  // A once file the template moved stays where it is (decide leaves it): recorded there, as it was.
  const onceStays = new Map([...renamedTo].filter(([from]) => keptOnce.has(from)).map(([from, to]) => [to, from]));
  for (const [path, file] of theirs) {
    // A once file the upgrade left alone is still what was written then: drift stays honest.
    const previous = keptOnce.has(path) ? recorded[path] : undefined;
    const stays = secretStays.get(path);
    const onceAt = onceStays.get(path);
    if (stays !== undefined) files[stays] = lockedFile('secret', file.bytes, file.executable);
    else if (onceAt !== undefined) files[onceAt] = recorded[onceAt]!;
    else files[path] = previous ?? lockedFile(file.policy, file.bytes, file.executable);
  }
  const { requires, ...recordedTarget } = input.target;
  const lockfile = withTemplate(input.lock, { ...recordedTarget, answers: input.answers, files });
  operations.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  if (locked && !input.base) notes.push(`${labels.base} could not be rendered again: files you edited are merged two-way.`);
  for (const path of twoWay) notes.push(`${path}: no base to merge from; both versions are shown side by side.`);
  return { name: input.target.name, from: locked?.version, to: input.target.version, source: input.target.source, ...(requires ? { requires } : {}), operations, lockfile, twoWay, notes };
}

/** A file the lockfile knows and the target no longer writes. */
function retire(path: string, recorded: LockedFile, disk: DiskFile | undefined, secretStays: boolean): FileOperation | undefined {
  if (!disk) return undefined;
  if (secretStays) return { kind: 'keep', path, policy: 'secret', reason: 'secret: yours (not moved)' };
  if (recorded.policy === 'secret') return { kind: 'keep', path, policy: 'secret', reason: 'secret: yours (no longer in the template)' };
  if (recorded.policy === 'once') return { kind: 'skip', path, policy: 'once', reason: 'no longer in the template; yours now' };
  if (diskHash(disk) === recordedHash(recorded)) return { kind: 'delete', path, reason: 'retired by the template' };
  return { kind: 'keep', path, policy: recorded.policy, reason: 'retired by the template, kept because you edited it' };
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
