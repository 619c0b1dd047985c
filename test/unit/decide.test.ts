/**
 * decide(ctx, oldPath, newPath, next) is plan(base, ours, theirs) for one file. Each row is a
 * situation a user can be in and what the upgrade (or create, or add) promises them there:
 * the operations by path, the bytes each write leaves on disk, the executable bits, the
 * reasons a person reads, whether a note is told, and whether the file fell back to a two-way
 * merge. Every branch of decide is a row; a row asserts everything decide returns, so
 * breaking its branch fails it.
 */
import { describe, expect, it } from 'vitest';
import { decide, type DecideContext } from '../../src/plan/decide.js';
import { writes, type DiskFile, type FileOperation, type OperationKind } from '../../src/plan/plan.js';
import { diff3Merger } from '../../src/merge/text.js';
import { sha256, type LockedFile } from '../../src/lock/lockfile.js';
import type { RenderedFile, RenderedTree } from '../../src/render/render.js';
import type { Policy } from '../../src/template/schema.js';

type Bytes = string | Uint8Array;

const enc = (bytes: Bytes): Uint8Array => (typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes);
/** Bytes as a string that is exact for binary and readable for text, for comparing. */
const show = (bytes: Bytes | undefined): string | undefined => (bytes === undefined ? undefined : Buffer.from(enc(bytes)).toString('latin1'));

const BASE = 'one\ntwo\nthree\n';
const THEIRS = 'one\ntwo\nthree (v2)\n';
/** A local edit far from the template's change: merges cleanly. */
const EDITED = 'one (mine)\ntwo\nthree\n';
const MERGED = 'one (mine)\ntwo\nthree (v2)\n';
/** A local edit of the line the template changed: conflicts. */
const CLASH = 'one\ntwo\nthree (mine)\n';
const CLASH_MARKED = 'one\ntwo\n<<<<<<< local\nthree (mine)\n=======\nthree (v2)\n>>>>>>> svc@2.0.0\n';
/** Binary: a NUL in the first bytes, as git decides. */
const bin = (n: number): Uint8Array => Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, n]);
/** Both whole versions side by side, git style, as a two-way conflict shows them. */
const sideBySide = (ours: string, theirs: string): string => `<<<<<<< local\n${ours}=======\n${theirs}>>>>>>> svc@2.0.0\n`;

const LABELS = { ours: 'local', base: 'svc@1.0.0', theirs: 'svc@2.0.0' };

/** The inputs of one row: where the user is. */
interface Situation {
  /** Policy of the file in the version we move to. Default merge. */
  policy?: Policy;
  /**
   * What the lockfile recorded for the file: nothing (new to this template), a secret (no
   * hash), or the sha256 of a text (default BASE, same policy as now, not executable).
   */
  lock?: 'nothing' | 'secret' | { text?: Bytes; policy?: Policy; executable?: boolean };
  /** The recorded version rendered again: as recorded (default), not at all, or to other bytes. */
  base?: 'rendered' | 'not rendered' | { renderedAs: Bytes };
  /** The file on disk (at the old path when moved): absent, as recorded, or these bytes. */
  ours: 'absent' | 'as recorded' | Bytes;
  oursExecutable?: boolean;
  /** The template's new version. Default THEIRS. */
  theirs?: Bytes;
  theirsExecutable?: boolean;
  /** The template moved the file old.txt -> new.txt; `at` is a file you already have at new.txt. */
  move?: { at?: Bytes; atExecutable?: boolean };
  /** The template moved a secret file old.txt -> new.txt and yours stays at old.txt. */
  secretMoved?: true;
  force?: boolean;
  conflictStyle?: 'markers' | 'reject';
  /** The component is new here (create, add). */
  fresh?: boolean;
  /** The file's path when neither moved (default a.txt). */
  path?: string;
}

/** What the user gets. */
interface Outcome {
  ops: Record<string, OperationKind>;
  /** The bytes of every write (create, update, merge, conflict), by path: no write unlisted. */
  bytes?: Record<string, Bytes>;
  /** Writes that leave an executable file; every other write is not executable. */
  executable?: string[];
  reason?: Record<string, RegExp>;
  /** The policy every operation carries (default: the situation's policy). */
  policy?: Policy;
  /** The one note told, if any. */
  note?: RegExp;
  twoWay?: boolean;
  /** Stage 1 (base) of every conflict op, for git's index: the base bytes or none. */
  stageBase?: Bytes | null;
}

interface Row {
  name: string;
  given: Situation;
  expected: Outcome;
}

function setup(s: Situation): { ctx: DecideContext; oldPath: string | undefined; newPath: string; next: RenderedFile } {
  const policy = s.policy ?? 'merge';
  const moved = s.move !== undefined || s.secretMoved === true;
  const recordedPath = moved ? 'old.txt' : (s.path ?? 'a.txt');
  const newPath = moved ? 'new.txt' : recordedPath;
  const lock = s.lock ?? {};
  const recordedText = typeof lock === 'object' ? (lock.text ?? BASE) : undefined;
  const recordedExecutable = typeof lock === 'object' ? (lock.executable ?? false) : false;
  const recorded: Record<string, LockedFile> = {};
  if (lock === 'secret') recorded[recordedPath] = { policy: 'secret' };
  else if (lock !== 'nothing') {
    recorded[recordedPath] = { policy: (lock.policy ?? policy) as 'merge' | 'once' | 'owned', sha256: sha256(enc(recordedText!)), ...(recordedExecutable ? { executable: true } : {}) };
  }
  // plan-component passes the old path only when the lockfile knows it; a secret that stays is asked about at its new path alone.
  const oldPath = lock === 'nothing' || s.secretMoved ? undefined : recordedPath;

  let base: RenderedTree | undefined;
  const baseSpec = s.base ?? 'rendered';
  if (baseSpec !== 'not rendered' && recordedText !== undefined) {
    const bytes = baseSpec === 'rendered' ? enc(recordedText) : enc(baseSpec.renderedAs);
    base = new Map([[recordedPath, { bytes, executable: recordedExecutable, policy: lock === 'secret' ? 'secret' : policy, source: recordedPath }]]);
  } else if (baseSpec !== 'not rendered') base = new Map();

  const oursFile: DiskFile | undefined =
    s.ours === 'absent' ? undefined : { bytes: enc(s.ours === 'as recorded' ? recordedText! : s.ours), executable: s.oursExecutable ?? recordedExecutable };
  const ours = new Map<string, DiskFile | undefined>([[recordedPath, oursFile]]);
  if (moved) ours.set(newPath, s.move?.at === undefined ? undefined : { bytes: enc(s.move.at), executable: s.move.atExecutable ?? false });

  const ctx: DecideContext = {
    recorded,
    base,
    ours,
    labels: LABELS,
    secretStays: s.secretMoved ? new Map([[newPath, recordedPath]]) : new Map(),
    textMerger: diff3Merger,
    conflictStyle: s.conflictStyle ?? 'markers',
    force: s.force ?? false,
    fresh: s.fresh ?? false,
  };
  const next: RenderedFile = { bytes: enc(s.theirs ?? THEIRS), executable: s.theirsExecutable ?? false, policy, source: newPath };
  return { ctx, oldPath, newPath, next };
}

async function check({ given, expected }: Row): Promise<void> {
  const { ctx, oldPath, newPath, next } = setup(given);
  const decision = await decide(ctx, oldPath, newPath, next);
  const ops = decision.operations;
  const byPath = new Map<string, FileOperation>(ops.map((op) => [op.path, op]));
  expect(ops, 'one operation per path').toHaveLength(byPath.size);
  expect(Object.fromEntries([...byPath].map(([path, op]) => [path, op.kind]))).toEqual(expected.ops);

  const written = ops.filter(writes);
  expect(written.map((op) => op.path).sort(), 'every write has its bytes in the row').toEqual(Object.keys(expected.bytes ?? {}).sort());
  for (const op of written) {
    expect(show(op.bytes), `bytes of ${op.path}`).toEqual(show(expected.bytes![op.path]));
    expect(op.executable, `executable bit of ${op.path}`).toBe(expected.executable?.includes(op.path) ?? false);
  }
  for (const [path, reason] of Object.entries(expected.reason ?? {})) expect(byPath.get(path)?.reason, `reason for ${path}`).toMatch(reason);
  for (const op of ops) if ('policy' in op) expect(op.policy, `policy of ${op.path}`).toBe(expected.policy ?? given.policy ?? 'merge');

  for (const op of ops) {
    if (op.kind !== 'conflict') continue;
    expect(expected.stageBase, 'a row with a conflict says what stage 1 holds').not.toBeUndefined();
    expect(show(op.stages?.base), `stage 1 of ${op.path}`).toEqual(expected.stageBase === null ? undefined : show(expected.stageBase!));
  }

  if (expected.note) expect(decision.notes).toEqual([expect.stringMatching(expected.note)]);
  else expect(decision.notes).toEqual([]);
  expect(decision.twoWay).toBe(expected.twoWay ?? false);
}

describe('decide: secret files are written once and are yours from then on', () => {
  const rows: Row[] = [
    {
      name: 'a secret file the template moved stays where you keep it, and you are told to move it yourself',
      given: { policy: 'secret', lock: 'secret', secretMoved: true, ours: 'TOKEN=mine\n' },
      expected: { ops: { 'new.txt': 'skip' }, reason: { 'new.txt': /yours stays at old\.txt/ }, note: /old\.txt: the template moved this secret file to new\.txt; it stays where it is/, policy: 'secret' },
    },
    {
      name: 'a secret file you have is kept as is, never rewritten with the default',
      given: { policy: 'secret', lock: 'secret', ours: 'TOKEN=mine\n' },
      expected: { ops: { 'a.txt': 'keep' }, reason: { 'a.txt': /secret: yours/ }, policy: 'secret' },
    },
    {
      name: 'a create over a secret file already there keeps yours',
      given: { policy: 'secret', lock: 'nothing', fresh: true, ours: 'TOKEN=mine\n' },
      expected: { ops: { 'a.txt': 'keep' }, reason: { 'a.txt': /secret: yours/ }, policy: 'secret' },
    },
    {
      name: 'a file recorded as secret stays yours even when the new version drops the secret policy',
      given: { policy: 'merge', lock: 'secret', ours: 'TOKEN=mine\n' },
      expected: { ops: { 'a.txt': 'keep' }, reason: { 'a.txt': /secret: yours/ }, policy: 'secret' },
    },
    {
      name: 'a secret file new in this version is created with its default and its executable bit',
      given: { policy: 'secret', lock: 'nothing', ours: 'absent', theirs: 'TOKEN=\n', theirsExecutable: true },
      expected: { ops: { 'a.txt': 'create' }, bytes: { 'a.txt': 'TOKEN=\n' }, executable: ['a.txt'], reason: { 'a.txt': /^new in this version$/ }, policy: 'secret' },
    },
    {
      name: 'a create writes a secret file with the words of a create',
      given: { policy: 'secret', lock: 'nothing', fresh: true, ours: 'absent', theirs: 'TOKEN=\n' },
      expected: { ops: { 'a.txt': 'create' }, bytes: { 'a.txt': 'TOKEN=\n' }, reason: { 'a.txt': /^new file$/ }, policy: 'secret' },
    },
    {
      name: 'a secret file you deleted stays deleted',
      given: { policy: 'secret', lock: 'secret', ours: 'absent', theirs: 'TOKEN=\n' },
      expected: { ops: { 'a.txt': 'skip' }, reason: { 'a.txt': /you deleted it; left deleted/ }, policy: 'secret' },
    },
  ];
  it.each(rows)('$name', check);
});

describe('decide: a path new to the template is created, never written over a different file', () => {
  const rows: Row[] = [
    {
      name: 'a file new in this version is created, executable bit and all',
      given: { lock: 'nothing', ours: 'absent', theirsExecutable: true },
      expected: { ops: { 'a.txt': 'create' }, bytes: { 'a.txt': THEIRS }, executable: ['a.txt'], reason: { 'a.txt': /^new in this version$/ } },
    },
    {
      name: 'a create writes a new file with the words of a create',
      given: { lock: 'nothing', fresh: true, ours: 'absent' },
      expected: { ops: { 'a.txt': 'create' }, bytes: { 'a.txt': THEIRS }, reason: { 'a.txt': /^new file$/ } },
    },
    {
      name: 'a file you added where the template now adds one is a two-way conflict showing both',
      given: { lock: 'nothing', ours: 'mine\n' },
      expected: { ops: { 'a.txt': 'conflict' }, bytes: { 'a.txt': sideBySide('mine\n', THEIRS) }, reason: { 'a.txt': /added here and in the template/ }, stageBase: null },
    },
    {
      name: 'a create over a different text file already there shows both, never overwrites',
      given: { lock: 'nothing', fresh: true, ours: 'mine\n' },
      expected: { ops: { 'a.txt': 'conflict' }, bytes: { 'a.txt': sideBySide('mine\n', THEIRS) }, reason: { 'a.txt': /^a different file is already there$/ }, stageBase: null },
    },
    {
      name: 'a create over a different binary file already there keeps your bytes',
      given: { lock: 'nothing', fresh: true, ours: bin(1), theirs: bin(2) },
      expected: { ops: { 'a.txt': 'conflict' }, bytes: { 'a.txt': bin(1) }, reason: { 'a.txt': /different binary file is already there; kept yours/ }, stageBase: null },
    },
    {
      name: 'with --conflict reject, a file added on both sides keeps yours and the .rej shows both',
      given: { lock: 'nothing', ours: 'mine\n', conflictStyle: 'reject' },
      expected: {
        ops: { 'a.txt': 'conflict', 'a.txt.rej': 'create' },
        bytes: { 'a.txt': 'mine\n', 'a.txt.rej': sideBySide('mine\n', THEIRS) },
        reason: { 'a.txt': /see a\.txt\.rej/, 'a.txt.rej': /conflict in a\.txt/ },
        stageBase: null,
      },
    },
    {
      name: "with --conflict reject, a binary file added on both sides keeps yours and the .rej holds the template's",
      given: { lock: 'nothing', ours: bin(1), theirs: bin(2), conflictStyle: 'reject' },
      expected: { ops: { 'a.txt': 'conflict', 'a.txt.rej': 'create' }, bytes: { 'a.txt': bin(1), 'a.txt.rej': bin(2) }, stageBase: null },
    },
    {
      name: "an identical file that differs only by the executable bit takes the template's bit",
      given: { lock: 'nothing', ours: THEIRS, oursExecutable: false, theirsExecutable: true },
      expected: { ops: { 'a.txt': 'update' }, bytes: { 'a.txt': THEIRS }, executable: ['a.txt'], reason: { 'a.txt': /executable bit changed/ } },
    },
    {
      name: 'an identical file already there is adopted without a write',
      given: { lock: 'nothing', ours: THEIRS },
      expected: { ops: { 'a.txt': 'keep' }, reason: { 'a.txt': /already identical/ } },
    },
  ];
  it.each(rows)('$name', check);
});

describe('decide: what you deleted stays deleted, once files stay yours', () => {
  const rows: Row[] = [
    {
      name: 'a file you deleted stays deleted, and you are told the template changed it',
      given: { ours: 'absent' },
      expected: { ops: { 'a.txt': 'skip' }, reason: { 'a.txt': /you deleted it; left deleted/ }, note: /a\.txt: you deleted it and the template changed it; it stays deleted/ },
    },
    {
      name: 'a file you deleted that the template did not change stays deleted without a word',
      given: { ours: 'absent', theirs: BASE },
      expected: { ops: { 'a.txt': 'skip' }, reason: { 'a.txt': /you deleted it/ } },
    },
    {
      name: 'without the old version, the lockfile hash still tells an unchanged deleted file: no word',
      given: { ours: 'absent', base: 'not rendered', theirs: BASE },
      expected: { ops: { 'a.txt': 'skip' } },
    },
    {
      name: 'without the old version, a deleted file the template changed is still told',
      given: { ours: 'absent', base: 'not rendered' },
      expected: { ops: { 'a.txt': 'skip' }, note: /you deleted it and the template changed it/ },
    },
    {
      name: 'a file you deleted that the template moved is not recreated at the new path, and you are told',
      given: { ours: 'absent', theirs: BASE, move: {} },
      expected: { ops: { 'new.txt': 'skip' }, reason: { 'new.txt': /you deleted it/ }, note: /old\.txt: you deleted it and the template changed \(moved to new\.txt\) it; it stays deleted/ },
    },
    {
      name: 'a once file is never touched again, even untouched and changed by the template',
      given: { policy: 'once', ours: 'as recorded' },
      expected: { ops: { 'a.txt': 'skip' }, reason: { 'a.txt': /written once; yours now/ } },
    },
    {
      name: 'a once file you edited is never touched again',
      given: { policy: 'once', ours: EDITED },
      expected: { ops: { 'a.txt': 'skip' }, reason: { 'a.txt': /written once/ } },
    },
    {
      name: 'a once file the template moved stays at its old path, untouched',
      given: { policy: 'once', ours: EDITED, move: {} },
      expected: { ops: { 'old.txt': 'skip' }, reason: { 'old.txt': /written once/ } },
    },
  ];
  it.each(rows)('$name', check);
});

describe('decide: owned files are the platform\'s', () => {
  const rows: Row[] = [
    {
      name: 'an untouched owned file follows the template',
      given: { policy: 'owned', ours: 'as recorded' },
      expected: { ops: { 'a.txt': 'update' }, bytes: { 'a.txt': THEIRS }, reason: { 'a.txt': /template changed; no local edits/ } },
    },
    {
      name: "an edited owned file is never overwritten without --force: a conflict that keeps your bytes, the template's version beside it",
      given: { policy: 'owned', ours: EDITED },
      expected: { ops: { 'a.txt': 'conflict', 'a.txt.platform-new': 'create' }, bytes: { 'a.txt': EDITED, 'a.txt.platform-new': THEIRS }, reason: { 'a.txt': /owned by the platform, edited locally \(use --force.*the template's version is in a\.txt\.platform-new/ }, stageBase: BASE },
    },
    {
      name: "with --conflict reject, an edited owned file keeps your bytes and the .rej holds the template's",
      given: { policy: 'owned', ours: EDITED, conflictStyle: 'reject' },
      expected: { ops: { 'a.txt': 'conflict', 'a.txt.rej': 'create' }, bytes: { 'a.txt': EDITED, 'a.txt.rej': THEIRS }, reason: { 'a.txt': /owned.*see a\.txt\.rej/ }, stageBase: BASE },
    },
    {
      name: "with --force, the template's version replaces your edit of an owned file",
      given: { policy: 'owned', ours: EDITED, force: true },
      expected: { ops: { 'a.txt': 'update' }, bytes: { 'a.txt': THEIRS }, reason: { 'a.txt': /owned: local edits replaced \(--force\)/ } },
    },
  ];
  it.each(rows)('$name', check);
});

describe('decide: a local edit the template did not touch survives; both changed, they merge', () => {
  const rows: Row[] = [
    {
      name: "an untouched file takes the template's new version",
      given: { ours: 'as recorded' },
      expected: { ops: { 'a.txt': 'update' }, bytes: { 'a.txt': THEIRS }, reason: { 'a.txt': /^template changed; no local edits$/ } },
    },
    {
      name: 'an untouched file is upgraded even when the old version cannot be rendered again',
      given: { ours: 'as recorded', base: 'not rendered' },
      expected: { ops: { 'a.txt': 'update' }, bytes: { 'a.txt': THEIRS } },
    },
    {
      name: 'an untouched file the template did not change is kept without a write',
      given: { ours: 'as recorded', theirs: BASE },
      expected: { ops: { 'a.txt': 'keep' }, reason: { 'a.txt': /^unchanged$/ } },
    },
    {
      name: 'a local edit the template did not touch survives untouched',
      given: { ours: EDITED, theirs: BASE },
      expected: { ops: { 'a.txt': 'keep' }, reason: { 'a.txt': /template unchanged; your edits kept/ } },
    },
    {
      name: 'a local edit survives a template that did not change the file, even when the old version cannot be rendered',
      given: { ours: EDITED, theirs: BASE, base: 'not rendered' },
      expected: { ops: { 'a.txt': 'keep' }, reason: { 'a.txt': /template unchanged; your edits kept/ } },
    },
    {
      name: 'a local edit that already equals the template is kept as is',
      given: { ours: THEIRS },
      expected: { ops: { 'a.txt': 'keep' }, reason: { 'a.txt': /your edit matches the template/ } },
    },
    {
      name: 'a local edit that equals the template needs no base',
      given: { ours: THEIRS, base: 'not rendered' },
      expected: { ops: { 'a.txt': 'keep' }, reason: { 'a.txt': /your edit matches the template/ } },
    },
    {
      name: 'an edit and a template change on different lines merge cleanly, by lines',
      given: { ours: EDITED },
      expected: { ops: { 'a.txt': 'merge' }, bytes: { 'a.txt': MERGED }, reason: { 'a.txt': /^merged by lines$/ } },
    },
    {
      name: 'a YAML file where git merges the lines cleanly: its bytes, your key and the template\'s change both land',
      given: { path: 'ci.yml', lock: { text: 'a: 1\nb: 2\n' }, ours: 'a: 1\nb: 2\nc: 3\n', theirs: 'a: 10\nb: 2\n' },
      expected: { ops: { 'ci.yml': 'merge' }, bytes: { 'ci.yml': 'a: 10\nb: 2\nc: 3\n' }, reason: { 'ci.yml': /^merged by lines$/ } },
    },
    {
      name: 'a YAML file whose changes touch adjacent lines merges by structure where git would conflict',
      given: { path: 'ci.yml', lock: { text: 'a: 1\nb: 2\n' }, ours: 'a: 1\nb: 2\nc: 3\n', theirs: 'a: 1\nb: 20\n' },
      expected: { ops: { 'ci.yml': 'merge' }, bytes: { 'ci.yml': 'a: 1\nb: 20\nc: 3\n' }, reason: { 'ci.yml': /^merged by structure$/ } },
    },
  ];
  it.each(rows)('$name', check);
});

describe('decide: where both changed the same place, a conflict shows it and keeps your work', () => {
  const rows: Row[] = [
    {
      name: 'both changed the same line: git-style markers in the file',
      given: { ours: CLASH },
      expected: { ops: { 'a.txt': 'conflict' }, bytes: { 'a.txt': CLASH_MARKED }, reason: { 'a.txt': /^both changed the same lines$/ }, stageBase: BASE },
    },
    {
      name: 'both changed the same line, --conflict reject: your bytes stay, the .rej holds the marked merge',
      given: { ours: CLASH, conflictStyle: 'reject' },
      expected: {
        ops: { 'a.txt': 'conflict', 'a.txt.rej': 'create' },
        bytes: { 'a.txt': CLASH, 'a.txt.rej': CLASH_MARKED },
        reason: { 'a.txt': /both changed the same lines; see a\.txt\.rej/, 'a.txt.rej': /conflict in a\.txt/ },
        stageBase: BASE,
      },
    },
    {
      name: 'a YAML key both changed differently says which key',
      given: { path: 'ci.yml', lock: { text: 'a: 1\n' }, ours: 'a: 2\n', theirs: 'a: 3\n' },
      expected: { ops: { 'ci.yml': 'conflict' }, bytes: { 'ci.yml': '<<<<<<< local\na: 2\n=======\na: 3\n>>>>>>> svc@2.0.0\n' }, reason: { 'ci.yml': /both changed the same lines \(both sides changed (0\.)?a\)/ }, stageBase: 'a: 1\n' },
    },
    {
      name: 'an edited file without its old version is a two-way conflict showing both, told as such',
      given: { ours: EDITED, base: 'not rendered' },
      expected: { ops: { 'a.txt': 'conflict' }, bytes: { 'a.txt': sideBySide(EDITED, THEIRS) }, reason: { 'a.txt': /no base to merge from \(two-way\)/ }, twoWay: true, stageBase: null },
    },
    {
      name: 'an old version that renders to other bytes than were recorded is not trusted as a base: two-way',
      given: { ours: EDITED, base: { renderedAs: 'one\ntwo\nthree, rendered differently\n' } },
      expected: { ops: { 'a.txt': 'conflict' }, bytes: { 'a.txt': sideBySide(EDITED, THEIRS) }, twoWay: true, stageBase: null },
    },
    {
      name: 'a two-way conflict with --conflict reject keeps your bytes and the .rej shows both',
      given: { ours: EDITED, base: 'not rendered', conflictStyle: 'reject' },
      expected: { ops: { 'a.txt': 'conflict', 'a.txt.rej': 'create' }, bytes: { 'a.txt': EDITED, 'a.txt.rej': sideBySide(EDITED, THEIRS) }, twoWay: true, stageBase: null },
    },
    {
      name: "a binary file both changed is never merged: your bytes stay, the template's beside them",
      given: { lock: { text: bin(0) }, ours: bin(1), theirs: bin(2) },
      expected: { ops: { 'a.txt': 'conflict', 'a.txt.platform-new': 'create' }, bytes: { 'a.txt': bin(1), 'a.txt.platform-new': bin(2) }, reason: { 'a.txt': /binary file changed on both sides/ }, stageBase: bin(0) },
    },
    {
      name: "a binary file both changed, --conflict reject: your bytes stay, the .rej holds the template's",
      given: { lock: { text: bin(0) }, ours: bin(1), theirs: bin(2), conflictStyle: 'reject' },
      expected: { ops: { 'a.txt': 'conflict', 'a.txt.rej': 'create' }, bytes: { 'a.txt': bin(1), 'a.txt.rej': bin(2) }, stageBase: bin(0) },
    },
  ];
  it.each(rows)('$name', check);
});

describe('decide: local edits follow a moved file; a move never overwrites a file you have', () => {
  const rows: Row[] = [
    {
      name: "an untouched moved file arrives at its new path with the template's content; the old path goes",
      given: { ours: 'as recorded', move: {} },
      expected: { ops: { 'new.txt': 'create', 'old.txt': 'delete' }, bytes: { 'new.txt': THEIRS }, reason: { 'new.txt': /^moved from old\.txt$/, 'old.txt': /^moved to new\.txt$/ } },
    },
    {
      name: 'your edits follow a moved file the template otherwise kept',
      given: { ours: EDITED, theirs: BASE, move: {} },
      expected: { ops: { 'new.txt': 'create', 'old.txt': 'delete' }, bytes: { 'new.txt': EDITED }, reason: { 'new.txt': /moved from old\.txt, with your edits/ } },
    },
    {
      name: 'your edits follow a moved file the template changed: merged at the new path',
      given: { ours: EDITED, move: {} },
      expected: { ops: { 'new.txt': 'merge', 'old.txt': 'delete' }, bytes: { 'new.txt': MERGED }, reason: { 'new.txt': /merged by lines/ } },
    },
    {
      name: 'a moved file both changed conflicts at its new path; the old path goes',
      given: { ours: CLASH, move: {} },
      expected: { ops: { 'new.txt': 'conflict', 'old.txt': 'delete' }, bytes: { 'new.txt': CLASH_MARKED }, stageBase: BASE },
    },
    {
      name: 'a moved file without its old version conflicts two-way at its new path; the old path goes',
      given: { ours: EDITED, base: 'not rendered', move: {} },
      expected: { ops: { 'new.txt': 'conflict', 'old.txt': 'delete' }, bytes: { 'new.txt': sideBySide(EDITED, THEIRS) }, twoWay: true, stageBase: null },
    },
    {
      name: "an edited owned file the template moved conflicts at its new path with your bytes, the template's beside it; the old path goes",
      given: { policy: 'owned', ours: EDITED, move: {} },
      expected: { ops: { 'new.txt': 'conflict', 'new.txt.platform-new': 'create', 'old.txt': 'delete' }, bytes: { 'new.txt': EDITED, 'new.txt.platform-new': THEIRS }, stageBase: BASE },
    },
    {
      name: 'a move onto a different file you have never overwrites it: a two-way conflict, the old file left in place',
      given: { ours: 'as recorded', move: { at: 'my own new\n' } },
      expected: {
        ops: { 'new.txt': 'conflict' },
        bytes: { 'new.txt': sideBySide('my own new\n', THEIRS) },
        reason: { 'new.txt': /moved from old\.txt, but you already have a different new\.txt/ },
        note: /old\.txt was left in place: the template moved it to new\.txt, where you have a different file/,
        stageBase: null,
      },
    },
    {
      name: 'a move onto a different file you have, with your edits merged, shows your file against the merge',
      given: { ours: EDITED, move: { at: 'my own new\n' } },
      expected: { ops: { 'new.txt': 'conflict' }, bytes: { 'new.txt': sideBySide('my own new\n', MERGED) }, note: /old\.txt was left in place/, stageBase: null },
    },
    {
      name: 'a move onto a file identical to the result updates it and retires the old path',
      given: { ours: 'as recorded', move: { at: THEIRS } },
      expected: { ops: { 'new.txt': 'update', 'old.txt': 'delete' }, bytes: { 'new.txt': THEIRS }, reason: { 'new.txt': /moved from old\.txt/ } },
    },
    {
      name: 'a move of an edited owned file onto a different file you have never overwrites that file',
      given: { policy: 'owned', ours: EDITED, move: { at: 'my own new\n' } },
      expected: { ops: { 'new.txt': 'conflict' }, bytes: { 'new.txt': sideBySide('my own new\n', THEIRS) }, note: /old\.txt was left in place/, stageBase: null },
    },
    {
      name: 'a move of a file both changed onto a different file you have never overwrites that file',
      given: { ours: CLASH, move: { at: 'my own new\n' } },
      expected: { ops: { 'new.txt': 'conflict' }, bytes: { 'new.txt': sideBySide('my own new\n', THEIRS) }, note: /old\.txt was left in place/, stageBase: null },
    },
    {
      name: 'a move of an edited file without its old version onto a different file you have never overwrites that file',
      given: { ours: EDITED, base: 'not rendered', move: { at: 'my own new\n' } },
      expected: { ops: { 'new.txt': 'conflict' }, bytes: { 'new.txt': sideBySide('my own new\n', THEIRS) }, note: /old\.txt was left in place/, stageBase: null },
    },
    {
      name: 'a move of a binary file both changed onto a different file you have never overwrites that file',
      given: { lock: { text: bin(0) }, ours: bin(1), theirs: bin(2), move: { at: bin(3) } },
      expected: { ops: { 'new.txt': 'conflict' }, bytes: { 'new.txt': bin(3) }, note: /old\.txt was left in place/, stageBase: null },
    },
  ];
  it.each(rows)('$name', check);
});

describe("decide: the executable bit is yours if you changed it, else the template's", () => {
  const rows: Row[] = [
    {
      name: 'a chmod +x you made survives a template change',
      given: { ours: 'as recorded', oursExecutable: true },
      expected: { ops: { 'a.txt': 'update' }, bytes: { 'a.txt': THEIRS }, executable: ['a.txt'] },
    },
    {
      name: 'a chmod -x you made survives a template that keeps its bit: nothing to write',
      given: { lock: { executable: true }, ours: 'as recorded', oursExecutable: false, theirs: BASE, theirsExecutable: true },
      expected: { ops: { 'a.txt': 'keep' }, reason: { 'a.txt': /^unchanged$/ } },
    },
    {
      name: "the template's new executable bit applies to a file whose bit you left alone",
      given: { ours: 'as recorded', theirs: BASE, theirsExecutable: true },
      expected: { ops: { 'a.txt': 'update' }, bytes: { 'a.txt': BASE }, executable: ['a.txt'], reason: { 'a.txt': /^executable bit changed$/ } },
    },
    {
      name: "the template's new executable bit applies to your edited file, your edits kept",
      given: { ours: EDITED, theirs: BASE, theirsExecutable: true },
      expected: { ops: { 'a.txt': 'update' }, bytes: { 'a.txt': EDITED }, executable: ['a.txt'], reason: { 'a.txt': /^executable bit changed$/ } },
    },
    {
      name: 'the executable bit follows a moved file',
      given: { ours: 'as recorded', oursExecutable: true, move: {} },
      expected: { ops: { 'new.txt': 'create', 'old.txt': 'delete' }, bytes: { 'new.txt': THEIRS }, executable: ['new.txt'] },
    },
  ];
  it.each(rows)('$name', check);
});
