import type { Policy } from '../template/schema.js';
import type { RenderedTree } from '../render/render.js';
import { isText, twoWayConflict, type ConflictLabels } from '../merge/conflict.js';

/** The three versions of a conflicted file, for git's index (stages 1, 2, 3). */
export interface ConflictStages {
  base: Uint8Array | undefined;
  ours: Uint8Array;
  theirs: Uint8Array;
}

/** A file as it is on disk now (ours). */
export interface DiskFile {
  bytes: Uint8Array;
  executable: boolean;
}

interface OperationBase {
  path: string;
  /** Why, in words a person can read. */
  reason: string;
}
interface WritingOperation extends OperationBase {
  bytes: Uint8Array;
  executable: boolean;
  policy: Policy;
}

/** One file operation; a plan lists only what it decided, and only write kinds carry bytes. */
export type FileOperation =
  | ({ kind: 'create' } & WritingOperation)
  | ({ kind: 'update' } & WritingOperation)
  | ({ kind: 'merge' } & WritingOperation)
  | ({ kind: 'conflict'; conflicts: number; stages?: ConflictStages } & WritingOperation)
  | ({ kind: 'delete' } & OperationBase)
  | ({ kind: 'keep'; policy: Policy } & OperationBase)
  | ({ kind: 'skip'; policy: Policy } & OperationBase);

export type OperationKind = FileOperation['kind'];

export function writes(op: FileOperation): op is Extract<FileOperation, { bytes: Uint8Array }> {
  return op.kind === 'create' || op.kind === 'update' || op.kind === 'merge' || op.kind === 'conflict';
}

export interface PlanInput {
  /** What the template wrote last time; empty for a create or an add. */
  base: RenderedTree;
  /** What is on disk now, for every path of base and theirs (undefined: no file). */
  ours: ReadonlyMap<string, DiskFile | undefined>;
  /** What the template writes now. */
  theirs: RenderedTree;
  labels: ConflictLabels;
}

const same = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && Buffer.compare(a, b) === 0;

/**
 * plan(base, ours, theirs): what to do with each file. Pure: everything it needs was read before.
 */
export function planFiles(input: PlanInput): FileOperation[] {
  const operations: FileOperation[] = [];
  for (const [path, theirs] of input.theirs) {
    const ours = input.ours.get(path);
    const write = { path, bytes: theirs.bytes, executable: theirs.executable, policy: theirs.policy };
    if (!ours) {
      operations.push({ kind: 'create', ...write, reason: 'new file' });
    } else if (theirs.policy === 'secret') {
      // An existing secret file is never overwritten nor merged (markers would show both values).
      operations.push({ kind: 'keep', path, policy: 'secret', reason: 'secret: yours' });
    } else if (same(ours.bytes, theirs.bytes)) {
      operations.push(
        ours.executable === theirs.executable
          ? { kind: 'keep', path, policy: theirs.policy, reason: 'already identical' }
          : { kind: 'update', ...write, reason: 'executable bit changed' },
      );
    } else if (isText(ours.bytes) && isText(theirs.bytes)) {
      operations.push({
        kind: 'conflict',
        ...write,
        bytes: twoWayConflict(ours.bytes, theirs.bytes, input.labels),
        conflicts: 1,
        reason: 'a different file is already there',
      });
    } else {
      // Binary: the local file stays as it is; the template's version is reported, not forced.
      operations.push({ kind: 'conflict', ...write, bytes: ours.bytes, conflicts: 1, reason: 'a different binary file is already there; kept yours' });
    }
  }
  return operations.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
