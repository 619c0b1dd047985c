import type { Policy } from '../template/schema.js';
import { sha256, type Lockfile } from '../lock/lockfile.js';
import type { ComponentPlan } from './plan-component.js';

/** The three versions of a conflicted file, for git's index (stages 1, 2, 3). */
export interface ConflictStages {
  base: Uint8Array | undefined;
  ours: Uint8Array;
  theirs: Uint8Array;
}

/**
 * The file written beside one in conflict: PATH.platform-new (the template's whole version, when
 * yours is kept as it is) or PATH.rej (--conflict reject: the template's version or the conflict).
 */
export interface SideFile {
  path: string;
  holds: 'theirs' | 'conflict';
}

/** A file as it is on disk now (ours). */
export interface DiskFile {
  bytes: Uint8Array;
  executable: boolean;
}

const hashes = new WeakMap<DiskFile, string>();

/** sha256 of a file as read, computed once: the plan compares it to the lockfile more than once. */
export function diskHash(file: DiskFile): string {
  let hash = hashes.get(file);
  if (hash === undefined) hashes.set(file, (hash = sha256(file.bytes)));
  return hash;
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
  | ({ kind: 'conflict'; conflicts: number; stages?: ConflictStages; side?: SideFile } & WritingOperation)
  | ({ kind: 'delete' } & OperationBase)
  | ({ kind: 'keep'; policy: Policy } & OperationBase)
  | ({ kind: 'skip'; policy: Policy } & OperationBase);

export type OperationKind = FileOperation['kind'];

export function writes(op: FileOperation): op is Extract<FileOperation, { bytes: Uint8Array }> {
  return op.kind === 'create' || op.kind === 'update' || op.kind === 'merge' || op.kind === 'conflict';
}

/** What a command will do to the repository: every component's operations, and the lockfile after. */
export interface Plan {
  root: string;
  /** Each component's part, with the paths of its operations. */
  components: Array<Omit<ComponentPlan, 'operations' | 'lockfile'> & { paths: string[] }>;
  /** Every component's operations, by path. */
  operations: FileOperation[];
  lockfile: Lockfile;
  lockText: string;
  conflicts: string[];
  notes: string[];
  twoWay: string[];
  /** Paths two components would both change (checkPlan refuses them). */
  claims: Array<{ path: string; components: [string, string] }>;
  /** Paths the plan read through the checked door (checkPlan checks the others it writes). */
  read: ReadonlySet<string>;
}
