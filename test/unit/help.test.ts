/**
 * Each command's --help answers that command's questions: its own exit codes, two or three
 * examples, no -V below the program, no `(default: [])`; merge-file has one exit-status section.
 */
import { describe, expect, it } from 'vitest';
import { helpPages, type BinName } from '../../src/cli/main.js';
import { EXIT_CODE_HELP } from '../../src/core/errors.js';
import type { CliContext } from '../../src/cli/context.js';
import { nodeFs } from '../../src/core/node-fs.js';
import { memoryFs } from '../helpers/memfs.js';
import { runInProcess } from '../helpers/in-process.js';

function context(): CliContext {
  const discard = { isTTY: false, write: () => true } as unknown as CliContext['stdout'];
  return {
    cwd: '/work',
    env: { NO_COLOR: '1' },
    stdin: { isTTY: false } as unknown as CliContext['stdin'],
    stdout: discard,
    stderr: discard,
    fs: memoryFs().fs,
    version: '9.9.9',
    pid: 1,
    isRunning: () => false,
    self: [],
    onCancel: () => undefined,
  };
}

/** The codes listed under "Exit codes:" in a page. */
function listedCodes(page: string): number[] {
  const section = page.split('\nExit codes:\n')[1] ?? '';
  return [...section.matchAll(/^\s+(\d+)\s{2}/gm)].map((m) => Number(m[1]));
}

/** Example lines: indented lines under "Examples:" up to the next blank line. */
function examples(page: string): string[] {
  const section = page.split('\nExamples:\n')[1] ?? '';
  return section.split('\n\n')[0]!.split('\n').filter((l) => l.trim() !== '');
}

describe('--help of every command', async () => {
  const pages: Array<[BinName, string, string]> = [];
  for (const bin of ['create-service', 'platform'] as BinName[]) {
    for (const [path, page] of Object.entries(await helpPages(bin, context()))) pages.push([bin, path, page]);
  }

  it('covers every command, nested ones too', () => {
    const names = pages.map(([bin, path]) => `${bin} ${path}`.trim());
    for (const name of ['create-service', 'platform', 'platform new', 'platform upgrade', 'platform merge-file', 'platform template lint']) expect(names).toContain(name);
  });

  it.each(pages)('%s %s: 2 or 3 examples, no (default: []), -V only on the program', (bin, path, page) => {
    expect(page).toMatch(/^Usage: /);
    expect(page).not.toContain('(default: [])');
    expect(examples(page).length, page).toBeGreaterThanOrEqual(2);
    expect(examples(page).length, page).toBeLessThanOrEqual(3);
    if (path === '') expect(page).toContain('-V, --version');
    else expect(page).not.toMatch(/-V\b|--version/);
  });

  it.each(pages.filter(([, path]) => path !== 'merge-file' && path !== 'template'))('%s %s: exactly one exit-code section, codes in order', (_bin, _path, page) => {
    expect(page.split('Exit codes:').length).toBe(2);
    const codes = listedCodes(page);
    expect(codes.length).toBeGreaterThan(0);
    expect(codes).toEqual([...codes].sort((a, b) => a - b));
  });

  it('each command lists the codes it can end with, not the others', () => {
    const page = (path: string) => pages.find(([bin, p]) => bin === 'platform' && p === path)![2];
    expect(listedCodes(page(''))).toEqual(EXIT_CODE_HELP.map(([code]) => code));
    expect(listedCodes(page('status'))).toEqual([0, 1, 2, 6]);
    expect(listedCodes(page('templates'))).toEqual([0, 1, 2]);
    expect(listedCodes(page('diff'))).toEqual([0, 1, 2]);
    for (const writing of ['new', 'add', 'upgrade']) {
      expect(listedCodes(page(writing))).toContain(3);
      expect(listedCodes(page(writing))).not.toContain(6);
    }
    expect(listedCodes(page('template test'))).toEqual([0, 1, 2, 6]);
  });

  it('merge-file has one exit-status section, in git merge-file terms', () => {
    const page = pages.find(([bin, p]) => bin === 'platform' && p === 'merge-file')![2];
    expect(page).not.toContain('Exit codes:');
    expect(page.match(/Exit status/g)).toHaveLength(1);
    expect(page).toMatch(/255/);
  });
});

describe('help without the parser', () => {
  it('a page is what commander prints for `COMMAND --help`, whatever the options before it', async () => {
    const pages = await helpPages('platform', context());
    const { fs } = memoryFs();
    const upgrade = await runInProcess(fs, ['upgrade', '--help'], { cwd: '/work' });
    expect(upgrade).toEqual({ code: 0, stdout: pages.upgrade, stderr: '' });
    // `help` takes one command name, as bin/launch.js assumes.
    expect((await runInProcess(fs, ['help', 'upgrade'], { cwd: '/work' })).stdout).toBe(pages.upgrade);
    expect((await runInProcess(fs, ['help', 'template', 'lint'], { cwd: '/work' })).stdout).toBe(pages.template);
    expect((await runInProcess(fs, ['help'], { cwd: '/work' })).stdout).toBe(pages['']);
  });

  it('no command at all (`platform`, `platform template`): the help on stderr and exit 2, so `platform $EMPTY` in a script fails', async () => {
    const pages = await helpPages('platform', context());
    const { fs } = memoryFs();
    expect(await runInProcess(fs, [], { cwd: '/work' })).toEqual({ code: 2, stdout: '', stderr: pages[''] });
    const group = await runInProcess(fs, ['template'], { cwd: '/work' });
    expect(group.code).toBe(2);
    expect(group.stderr).toBe(pages.template);
  });

  it('templates --json prints the document only: nothing on stderr', async () => {
    // The built-in catalog is read from the package itself (read only).
    const r = await runInProcess(nodeFs, ['templates', '--json'], { cwd: '/work' });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).templates.length).toBeGreaterThan(0);
  });
});
