/**
 * Template hooks from a local folder template: not trusted by default (exit 4, files written,
 * hooks pending in the lockfile), run with --trust or a trust list, never in a dry run, and a
 * failing hook is reported with its output.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cli, keys, ptySession, tempDir, type CliResult } from './harness.js';

const out = (r: CliResult) => `exit ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;

/** A folder template whose hook writes marker.txt (holding the name answer) via node -e. */
function hookedTemplate(home: string, script = "require('fs').writeFileSync('marker.txt', process.argv[1])"): string {
  const dir = join(home, 'hooked');
  mkdirSync(join(dir, 'files'), { recursive: true });
  writeFileSync(
    join(dir, 'template.yaml'),
    [
      'name: hooked',
      'version: 1.0.0',
      'questions:',
      '  - { name: name, type: string, default: svc }',
      'hooks:',
      `  - run: [${JSON.stringify(process.execPath)}, -e, ${JSON.stringify(script)}, "{{name}}"]`,
      '    description: write the marker',
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'files', 'README.md.hbs'), '# {{name}}\n');
  return dir;
}

async function create(extra: string[], env: Record<string, string> = {}, script?: string) {
  const home = tempDir('hooks-');
  const template = hookedTemplate(home, script);
  const target = join(home, 'svc');
  const result = await cli('create-service', [target, '--template', template, '--yes', '--no-install', '--no-git', ...extra], {
    cwd: home,
    env: { PLATFORM_CONFIG: join(home, 'config.yaml'), ...env },
  });
  const lockPath = join(target, '.platform.yaml');
  const lock = existsSync(lockPath) ? (parse(readFileSync(lockPath, 'utf8')) as { templates: Array<{ hooks?: string }> }) : undefined;
  return { home, template, target, result, lock, marker: join(target, 'marker.txt') };
}

describe('template hooks', () => {
  it('without a terminal nor trust: exit 4, the files written, the hook not run and pending', async () => {
    const { result, target, marker, lock } = await create([]);
    expect(result.code, out(result)).toBe(4);
    expect(readFileSync(join(target, 'README.md'), 'utf8')).toBe('# svc\n');
    expect(existsSync(marker)).toBe(false);
    expect(lock?.templates[0]?.hooks).toBe('pending');
    expect(result.stderr).toContain('write the marker');
    expect(result.stderr).toContain('--trust');
  });

  it('with --trust: the hook runs in the target with its rendered argv', async () => {
    const { result, marker, lock } = await create(['--trust']);
    expect(result.code, out(result)).toBe(0);
    expect(readFileSync(marker, 'utf8')).toBe('svc');
    expect(lock?.templates[0]?.hooks).toBeUndefined();
  });

  it('with the source on the trust list of the config file: the hook runs', async () => {
    const home = tempDir('hooks-trust-');
    const template = hookedTemplate(home);
    writeFileSync(join(home, 'config.yaml'), `trust:\n  - dir:${home}\n`);
    const target = join(home, 'svc');
    const result = await cli('create-service', [target, '--template', template, '--yes', '--no-install', '--no-git'], { cwd: home, env: { PLATFORM_CONFIG: join(home, 'config.yaml') } });
    expect(result.code, out(result)).toBe(0);
    expect(existsSync(join(target, 'marker.txt'))).toBe(true);
  });

  it('--dry-run never runs hooks, even with --trust', async () => {
    const { result, target } = await create(['--trust', '--dry-run']);
    expect(result.code, out(result)).toBe(0);
    expect(existsSync(target)).toBe(false);
    expect(result.stdout + result.stderr).toContain('write the marker');
  });

  it('a failing hook: exit 1 with its output, files written, hooks: failed', async () => {
    const { result, target, lock } = await create(['--trust'], {}, "console.error('hook output: it broke'); process.exit(7)");
    expect(result.code, out(result)).toBe(1);
    expect(result.stderr).toContain('write the marker');
    expect(result.stderr).toContain('hook output: it broke');
    expect(existsSync(join(target, 'README.md'))).toBe(true);
    expect(lock?.templates[0]?.hooks).toBe('failed');
  });
});

describe('template hooks on a terminal', () => {
  it.each([
    ['y', 0, true],
    ['', 4, false],
  ] as const)('asks before running an untrusted template\'s commands (answer %j -> exit %i)', async (answer, code, runs) => {
    const home = tempDir('hooks-pty-');
    const template = hookedTemplate(home);
    const target = join(home, 'svc');
    const session = await ptySession('create-service', [target, '--template', template, '--no-install', '--no-git'], {
      cwd: home,
      env: { PLATFORM_CONFIG: join(home, 'config.yaml') },
    });
    await session.waitFor('?');
    session.write(keys.enter);
    await session.waitFor('write the marker');
    await session.waitFor('Run these commands?');
    if (answer) session.write(answer);
    session.write(keys.enter);
    expect((await session.exit()).code).toBe(code);
    expect(existsSync(join(target, 'marker.txt'))).toBe(runs);
    expect(readFileSync(join(target, 'README.md'), 'utf8')).toBe('# svc\n');
  });
});
