/**
 * Promise: nothing is lost when a run is stopped. Each of create, add and upgrade is killed
 * before every single file-system change it makes in turn (test/helpers/killing-fs.ts: nothing
 * after that point reaches the disk; an `rm -r` is taken apart entry by entry, as on a real
 * disk); then the same command runs again and the folder must end exactly as one uninterrupted
 * run leaves it, local edits included.
 *
 * In-process, through the CLI's own entry (`run(bin, argv, ctx)`) on memfs, with the templates
 * in folders on memfs and --no-git --no-install, as test/e2e/interrupt.test.ts runs the packed
 * binary on disk. A SIGTERM or SIGKILL ends the process at once: that is this kill. A SIGINT
 * prints the Ctrl-C message and exits at the next turn of the event loop: that is this kill at
 * some later point, which the sweep covers too. The e2e file keeps one real SIGKILL per command
 * and one real SIGINT, on a real disk.
 */
import { posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Fs } from '../../src/core/fs.js';
import type { BinName } from '../../src/cli/main.js';
import { memoryFs } from '../helpers/memfs.js';
import { runInProcess, type InProcessResult } from '../helpers/in-process.js';
import { KilledError, killingFs } from '../helpers/killing-fs.js';

type Vol = ReturnType<typeof memoryFs>['vol'];

const WORK = '/work';
const TPL = '/tpl';

function template(version: string, files: Record<string, string>, dir: string): Record<string, string> {
  return {
    [`${dir}/template.yaml`]: `name: small\nversion: ${version}\nquestions:\n  - { name: who, type: string, default: world }\n`,
    ...Object.fromEntries(Object.entries(files).map(([path, text]) => [`${dir}/files/${path}`, text])),
  };
}

const V1 = { 'a.txt.hbs': 'one\ntwo\nhello {{who}}\n', 'sub/b.txt': 'b\n', 'gone.txt': 'retired in 1.1.0\n' };
const V11 = { 'a.txt.hbs': 'one\ntwo\nhello {{who}}!\n', 'sub/b.txt': 'b\n', 'new/c.txt': 'c\n' };
const TEMPLATES = { ...template('1.0.0', V1, `${TPL}/v1`), ...template('1.0.0', V1, `${TPL}/versions/1.0.0`) };

/** Everything under WORK: files with content and mode, folders (an empty one left behind counts). */
function tree(vol: Vol): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const name of (vol.readdirSync(dir) as string[]).sort()) {
      const full = posix.join(dir, name);
      const stat = vol.lstatSync(full);
      const mode = (stat.mode & 0o777).toString(8);
      if (stat.isDirectory()) {
        out[`${full}/`] = mode;
        walk(full);
      } else if (stat.isSymbolicLink()) out[full] = `-> ${String(vol.readlinkSync(full))}`;
      else out[full] = `${mode} ${String(vol.readFileSync(full, 'utf8'))}`;
    }
  };
  walk(WORK);
  return out;
}

const show = (r: InProcessResult): string => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

function cli(fs: Fs, bin: BinName, args: string[], cwd: string): Promise<InProcessResult> {
  return runInProcess(fs, args, { cwd, bin, env: { CI: 'true', PLATFORM_OFFLINE: '1' } });
}

interface Scenario {
  name: string;
  /** A fresh memfs holding the templates and the folder the command runs in (its path). */
  setup(): Promise<{ fs: Fs; vol: Vol; cwd: string }>;
  bin: BinName;
  args: string[];
  /** What the uninterrupted run must have done, so the sweep compares against the right tree. */
  check?(expected: Record<string, string>): void;
}

const SCENARIOS: Scenario[] = [
  {
    name: 'create-service',
    setup: async () => ({ ...memoryFs({ ...TEMPLATES, [`${WORK}/.keep`]: '' }), cwd: WORK }),
    bin: 'create-service',
    args: ['svc', '--template', `${TPL}/v1`, '--yes', '--no-install', '--no-git'],
  },
  {
    name: 'platform add (into a project with its own files)',
    setup: async () => ({
      ...memoryFs({ ...TEMPLATES, [`${WORK}/svc/package.json`]: '{\n  "name": "svc"\n}\n', [`${WORK}/svc/a.txt`]: 'one\ntwo\nhello world\n' }),
      cwd: `${WORK}/svc`,
    }),
    bin: 'platform',
    args: ['add', `${TPL}/v1`, '--yes'],
    check: (expected) => expect(expected[`${WORK}/svc/.platform.yaml`]).toContain('small'),
  },
  {
    name: 'platform upgrade (with a local edit, a retired file and a new folder)',
    setup: async () => {
      const { fs, vol } = memoryFs({ ...TEMPLATES, [`${WORK}/.keep`]: '' });
      const created = await cli(fs, 'create-service', ['svc', '--template', `${TPL}/versions`, '--yes', '--no-install', '--no-git'], WORK);
      expect(created.code, show(created)).toBe(0);
      vol.writeFileSync(`${WORK}/svc/a.txt`, 'one (mine)\ntwo\nhello world\n');
      for (const [path, text] of Object.entries(template('1.1.0', V11, `${TPL}/versions/1.1.0`))) {
        vol.mkdirSync(posix.dirname(path), { recursive: true });
        vol.writeFileSync(path, text);
      }
      return { fs, vol, cwd: `${WORK}/svc` };
    },
    bin: 'platform',
    args: ['upgrade', '--yes'],
    check: (expected) => {
      expect(expected[`${WORK}/svc/a.txt`]).toMatch(/ one \(mine\)\ntwo\nhello world!\n$/);
      expect(expected[`${WORK}/svc/gone.txt`]).toBeUndefined();
      expect(expected[`${WORK}/svc/new/c.txt`]).toMatch(/ c\n$/);
    },
  },
];

describe.each(SCENARIOS)('$name, killed before each file-system change', (scenario) => {
  it('ends, after running again, exactly as an uninterrupted run', async () => {
    const reference = await scenario.setup();
    const counting = killingFs(reference.fs, Infinity);
    const clean = await cli(counting.fs, scenario.bin, scenario.args, reference.cwd);
    expect(clean.code, show(clean)).toBe(0);
    const expected = tree(reference.vol);
    scenario.check?.(expected);
    const steps = counting.calls();
    expect(steps).toBeGreaterThan(5);

    for (let n = 1; n <= steps; n++) {
      const { fs, vol, cwd } = await scenario.setup();
      const before = tree(vol);
      const killing = killingFs(fs, n);
      const stopped = await cli(killing.fs, scenario.bin, scenario.args, cwd);
      expect(killing.killed(), `kill point ${n} of ${steps} was reached\n${show(stopped)}`).toBe(true);
      if (n === 1) expect(tree(vol), 'killed before the first change: nothing changed').toEqual(before);

      const again = await cli(fs, scenario.bin, scenario.args, cwd);
      // The job was already complete (killed while cleaning up): a create or add then says so.
      const done = again.code === 2 && /already/.test(again.stderr);
      expect(again.code === 0 || done, `killed before change ${n} of ${steps}: rerun ${show(again)}\n(killed run: ${show(stopped)})`).toBe(true);
      expect(tree(vol), `killed before change ${n} of ${steps}, then run again`).toEqual(expected);
    }
  });
});

describe('killingFs', () => {
  it('lets the calls before the kill point through, then refuses every call, reads included', async () => {
    const { fs, vol } = memoryFs({ '/d/a.txt': 'a\n' });
    const killing = killingFs(fs, 3);
    await killing.fs.writeFile('/d/b.txt', 'b\n');
    expect(await killing.fs.readFile('/d/a.txt')).toBeDefined();
    await killing.fs.mkdir('/d/e', { recursive: true });
    await expect(killing.fs.rename('/d/a.txt', '/d/c.txt')).rejects.toBeInstanceOf(KilledError);
    await expect(killing.fs.readFile('/d/a.txt')).rejects.toBeInstanceOf(KilledError);
    await expect(killing.fs.rm('/d/b.txt')).rejects.toBeInstanceOf(KilledError);
    expect(killing.killed()).toBe(true);
    expect(killing.calls()).toBe(3);
    expect(vol.toJSON('/d')).toEqual({ '/d/a.txt': 'a\n', '/d/b.txt': 'b\n', '/d/e': null });
  });

  it('takes an rm -r apart as a real disk does: each entry, then the folder', async () => {
    const { fs, vol } = memoryFs({ '/d/s/x': 'x\n', '/d/s/y': 'y\n', '/d/keep': 'k\n' });
    const counting = killingFs(fs, Infinity);
    await counting.fs.rm('/d/s', { recursive: true, force: true });
    expect(counting.calls()).toBe(3);
    expect(vol.toJSON('/d')).toEqual({ '/d/keep': 'k\n' });

    const again = memoryFs({ '/d/s/x': 'x\n', '/d/s/y': 'y\n' });
    const killing = killingFs(again.fs, 2);
    await expect(killing.fs.rm('/d/s', { recursive: true, force: true })).rejects.toBeInstanceOf(KilledError);
    expect(Object.keys(again.vol.toJSON('/d'))).toHaveLength(1);
  });
});
