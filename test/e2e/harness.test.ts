/**
 * Tests of the e2e harness itself (not of the CLI): pty prompts, exit codes,
 * stdin modes, timeouts, packing, and the alternative Node binaries.
 */
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureInstalled, REPO_ROOT } from './global-setup.js';
import { installedBins, keys, nodeBinary, ptySpawn, runNode, tempDir } from './harness.js';

/** Writes an ESM program into a temp folder that can import the repo's dependencies. */
function program(source: string): { dir: string; file: string } {
  const dir = tempDir('harness-fixture-');
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const file = join(dir, 'prog.mjs');
  writeFileSync(file, source);
  return { dir, file };
}

const PROMPTS = `
import { input, confirm } from '@inquirer/prompts';
try {
  const name = await input({ message: 'What is your name?' });
  const ok = await confirm({ message: 'Proceed?', default: false });
  console.log('RESULT name=' + name + ' ok=' + ok + ' tty=' + process.stdout.isTTY + ' cols=' + process.stdout.columns + ' ci=' + (process.env.CI ?? '-'));
  process.exit(ok ? 0 : 3);
} catch (e) {
  if (e instanceof Error && e.name === 'ExitPromptError') {
    console.log('CANCELLED');
    process.exit(17);
  }
  throw e;
}
`;

describe('ptySession', () => {
  it('answers @inquirer/prompts input() and confirm() and sees the answers', async () => {
    const { dir, file } = program(PROMPTS);
    const s = ptySpawn([process.execPath, file], { cwd: dir, cols: 90, rows: 20 });
    await s.waitFor('What is your name?');
    s.write('Ada');
    await s.waitFor('Ada'); // echoed by the prompt itself (raw mode)
    s.write(keys.enter);
    await s.waitFor(/Proceed\? \(y\/N\)/);
    s.write('y');
    s.write(keys.enter);
    await s.waitFor('RESULT name=Ada ok=true tty=true cols=90 ci=-');
    expect(await s.exit()).toEqual({ code: 0, signal: null });
  });

  it("propagates the child's own exit code after Ctrl-C at a prompt", async () => {
    const { dir, file } = program(PROMPTS);
    const s = ptySpawn([process.execPath, file], { cwd: dir });
    await s.waitFor('What is your name?');
    s.write(keys.ctrlC);
    await s.waitFor('CANCELLED');
    expect(await s.exit()).toEqual({ code: 17, signal: null });
  });

  it('Ctrl-C outside raw mode delivers SIGINT through the terminal', async () => {
    const { dir, file } = program(`console.log('READY'); setInterval(() => {}, 1000);`);
    const s = ptySpawn([process.execPath, file], { cwd: dir });
    await s.waitFor('READY');
    s.write(keys.ctrlC);
    expect(await s.exit()).toEqual({ code: null, signal: 'SIGINT' });
  });

  it('passes plain exit codes through and rejects waitFor once the child is gone', async () => {
    const { dir, file } = program(`console.log('bye'); process.exit(5);`);
    const s = ptySpawn([process.execPath, file], { cwd: dir });
    await expect(s.waitFor('never printed')).rejects.toThrow(/exited.*"code":5/);
    expect(await s.exit()).toEqual({ code: 5, signal: null });
    expect(s.output()).toContain('bye');
  });
});

describe('cli / runNode', () => {
  it("returns when the child exits even though a 'pipe-open' stdin is never closed", async () => {
    const { dir, file } = program(`console.log('done'); console.error('err');`);
    const r = await runNode(file, [], { cwd: dir, stdin: 'pipe-open' });
    expect(r).toMatchObject({ code: 0, signal: null, stdout: 'done\n', stderr: 'err\n', timedOut: false });
  });

  it("kills and reports a child that waits on a 'pipe-open' stdin", async () => {
    const { dir, file } = program(`process.stdin.on('data', () => {}); process.stdin.on('end', () => console.log('EOF'));`);
    const r = await runNode(file, [], { cwd: dir, stdin: 'pipe-open', timeoutMs: 1_000 });
    expect(r).toMatchObject({ code: null, signal: 'SIGKILL', timedOut: true });
    expect(r.stderr).toContain('timeout');
  });

  it('writes a string stdin then closes it; closed stdin reads as empty', async () => {
    const { dir, file } = program(`let s = ''; for await (const c of process.stdin) s += c; console.log(JSON.stringify(s.toUpperCase())); process.exitCode = 4;`);
    expect(await runNode(file, [], { cwd: dir, stdin: 'abc\n' })).toMatchObject({ code: 4, stdout: '"ABC\\n"\n' });
    expect(await runNode(file, [], { cwd: dir, stdin: 'closed' })).toMatchObject({ code: 4, stdout: '""\n' });
  });

  it('runs without a terminal, with CI=true, NO_COLOR=1 and no TTY/vitest/npm variables', async () => {
    const { dir, file } = program(`console.log(JSON.stringify({ cwd: process.cwd(), tty: [process.stdin.isTTY ?? false, process.stdout.isTTY ?? false], env: process.env }));`);
    const r = await runNode(file, ['x'], { cwd: dir, env: { EXTRA: '1' } });
    const { cwd, tty, env } = JSON.parse(r.stdout) as { cwd: string; tty: boolean[]; env: Record<string, string> };
    expect(cwd).toBe(dir);
    expect(tty).toEqual([false, false]);
    expect(env).toMatchObject({ CI: 'true', NO_COLOR: '1', EXTRA: '1' });
    for (const k of ['TERM', 'FORCE_COLOR', 'VITEST', 'NODE_OPTIONS', 'npm_lifecycle_event']) expect(env).not.toHaveProperty(k);
  });
});

describe('packing', () => {
  it('packs a package and installs its tarball, resolving both bins to JS files', async () => {
    const pkg = tempDir('harness-fakepkg-');
    mkdirSync(join(pkg, 'bin'));
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({
      name: 'fake-create-service', version: '1.0.0', type: 'module', files: ['bin'],
      bin: { 'create-service': 'bin/create-service.js', platform: 'bin/platform.js' },
    }));
    for (const b of ['create-service', 'platform']) {
      writeFileSync(join(pkg, 'bin', `${b}.js`), `#!/usr/bin/env node\nconsole.log('fake ${b}', process.argv.slice(2).join(' '));\n`);
    }
    const bins = await ensureInstalled({ repoRoot: pkg, runDir: tempDir('harness-run-') });
    expect(bins['create-service']).toMatch(/node_modules\/fake-create-service\/bin\/create-service\.js$/);
    const r = await runNode(bins.platform, ['a', 'b'], { cwd: pkg });
    expect(r).toMatchObject({ code: 0, stdout: 'fake platform a b\n' });
  });

  it('packs and installs this repo (bins exist in the tarball)', async () => {
    const bins = await installedBins();
    expect(existsSync(bins['create-service'])).toBe(true);
    expect(existsSync(bins.platform)).toBe(true);
  });
});

describe('nodeBinary', () => {
  it.each([22, 24] as const)('nodeBinary(%i) runs that major version', async (major) => {
    const node = await nodeBinary(major);
    const { dir, file } = program(`console.log(process.version);`);
    const r = await runNode(file, [], { cwd: dir, node });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^v${major}\\.\\d+\\.\\d+\\n$`));
  });
});
