/**
 * The installed bins print --help from the pages the build saved, without loading the CLI:
 * every page must be exactly what commander prints for the same command today.
 */
import { describe, expect, it } from 'vitest';
import { helpPages, type BinName } from '../../src/cli/main.js';
import type { CliContext } from '../../src/cli/context.js';
import { cli, tempDir } from './harness.js';

function context(): CliContext {
  const discard = { isTTY: false, write: () => true } as unknown as CliContext['stdout'];
  return {
    cwd: '/',
    env: { NO_COLOR: '1' },
    stdin: { isTTY: false } as unknown as CliContext['stdin'],
    stdout: discard,
    stderr: discard,
    fs: {} as CliContext['fs'],
    version: '0.0.0',
    pid: 1,
    isRunning: () => false,
    self: [],
    onCancel: () => undefined,
  };
}

describe('help saved at build time equals commander\'s', async () => {
  const cases: Array<[BinName, string[], string]> = [];
  for (const bin of ['create-service', 'platform'] as BinName[]) {
    for (const [path, page] of Object.entries(await helpPages(bin, context()))) {
      cases.push([bin, [...(path ? path.split(' ') : []), '--help'], page]);
      if (path !== '') cases.push([bin, [...path.split(' '), '-h'], page]);
    }
  }
  cases.push(['platform', ['help', 'upgrade'], (await helpPages('platform', context())).upgrade!]);

  it.each(cases)('%s %j', async (bin, args, page) => {
    const cwd = tempDir();
    const r = await cli(bin, args, { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(page);
  });

  it('a --help with no saved page goes to commander (which shows the program\'s help)', async () => {
    const r = await cli('platform', ['upgrad', '--help'], { cwd: tempDir() });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe((await helpPages('platform', context()))['']);
  });
});
