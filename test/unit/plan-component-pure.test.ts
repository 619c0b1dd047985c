/**
 * planComponent is plan(base, ours, theirs) as data in, plan out: it reads nothing (ours is
 * given), so the same inputs give the same plan, and a dry run and a real run plan alike.
 */
import { describe, expect, it } from 'vitest';
import { planComponent, componentPaths } from '../../src/plan/plan-component.js';
import { diff3Merger } from '../../src/merge/text.js';
import { sha256, type LockedTemplate } from '../../src/lock/lockfile.js';
import type { RenderedTree } from '../../src/render/render.js';

const enc = (text: string): Uint8Array => new TextEncoder().encode(text);
const file = (text: string, source: string) => ({ bytes: enc(text), executable: false, policy: 'merge' as const, source });

const base: RenderedTree = new Map([
  ['README.md', file('# svc\n', 'README.md.hbs')],
  ['old.txt', file('retired\n', 'old.txt')],
  ['notes.txt', file('one\ntwo\nthree\n', 'notes.txt')],
]);
const theirs: RenderedTree = new Map([
  ['README.md', file('# svc\n\nv2\n', 'README.md.hbs')],
  ['notes.txt', file('one\ntwo\nthree (v2)\n', 'notes.txt')],
  ['new.txt', file('new\n', 'new.txt')],
]);
const locked: LockedTemplate = {
  name: 'svc',
  version: '1.0.0',
  source: 'builtin',
  answers: {},
  files: Object.fromEntries([...base].map(([path, f]) => [path, { policy: 'merge' as const, sha256: sha256(f.bytes) }])),
};
const input = {
  lock: { schemaVersion: 1 as const, templates: [locked] },
  locked,
  base,
  theirs,
  target: { name: 'svc', version: '2.0.0', source: 'builtin' },
  answers: {},
  renames: new Map<string, string>(),
  textMerger: diff3Merger,
  conflictStyle: 'markers' as const,
  force: false,
};

describe('planComponent: the upgrade planner as a pure function', () => {
  it('names what to read, then plans from what it is given, without any file system', async () => {
    expect([...componentPaths(input)].sort()).toEqual(['README.md', 'new.txt', 'notes.txt', 'old.txt']);
    const ours = new Map([
      ['README.md', { bytes: enc('# svc\n'), executable: false }],
      ['old.txt', { bytes: enc('retired\n'), executable: false }],
      ['notes.txt', { bytes: enc('one (mine)\ntwo\nthree\n'), executable: false }],
      ['new.txt', undefined],
    ]);
    const plan = await planComponent(input, ours);
    const kinds = Object.fromEntries(plan.operations.map((op) => [op.path, op.kind]));
    expect(kinds).toEqual({ 'README.md': 'update', 'new.txt': 'create', 'notes.txt': 'merge', 'old.txt': 'delete' });
    const notes = plan.operations.find((op) => op.path === 'notes.txt');
    expect(notes && 'bytes' in notes ? new TextDecoder().decode(notes.bytes) : '').toBe('one (mine)\ntwo\nthree (v2)\n');
    // Same data in, same plan out.
    expect((await planComponent(input, ours)).lockfile).toEqual(plan.lockfile);
  });
});
