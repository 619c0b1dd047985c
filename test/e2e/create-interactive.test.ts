/**
 * create-service at a real terminal (pty, no CI variables): the name first (it names the folder),
 * each question of a template that marks none essential, validation with retry, Ctrl-C, and
 * questions answered up front. The golden path's short path is in create-short-path.test.ts.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { keys, prompt, ptySession, tempDir, type PtySession } from './harness.js';

const NO_STEPS = ['--no-install', '--no-git'];
/** The question sequence below is service@1.0.0's (name, owner, description, port, nodeVersion). */
const V1 = ['--template', 'service@1.0.0'];

function answersIn(dir: string): Record<string, unknown> {
  const lock = parseYaml(readFileSync(join(dir, '.platform.yaml'), 'utf8')) as { templates: Array<{ answers: Record<string, unknown> }> };
  return lock.templates[0]!.answers;
}

describe('create-service at a terminal', () => {
  it('asks for the name (the folder is named after it), then each question; Enter takes defaults, typed and selected answers are used', async () => {
    const cwd = tempDir();
    const s = await ptySession('create-service', [...V1, ...NO_STEPS], { cwd });

    await prompt(s, 'Service name');
    await prompt(s, '(my-service)');
    s.write('orders-api');
    await prompt(s, 'orders-api');
    s.write(keys.enter);
    await prompt(s, '✔ Service name orders-api');

    await prompt(s, 'Owning team');
    await prompt(s, 'orders-api-team'); // default derived from the name
    s.write(keys.enter);

    await prompt(s, 'One-line description');
    s.write(keys.enter);

    await prompt(s, 'HTTP port');
    s.write('9090');
    await prompt(s, '9090');
    s.write(keys.enter);

    await prompt(s, 'Node.js major version');
    s.write(keys.down);
    s.write(keys.enter);

    await prompt(s, 'Creating orders-api');
    expect(await s.exit()).toEqual({ code: 0, signal: null });

    const dir = join(cwd, 'orders-api');
    expect(answersIn(dir)).toEqual({
      name: 'orders-api',
      owner: 'orders-api-team',
      description: 'The orders-api HTTP service',
      port: 9090,
      nodeVersion: '24',
    });
    expect(readFileSync(join(dir, '.nvmrc'), 'utf8').trim()).toBe('24');
    expect(readFileSync(join(dir, '.env.example'), 'utf8')).toMatch(/^PORT=9090$/m);
    expect(s.output()).not.toMatch(/^\s+at .*\.js:\d+/m);
  });

  it('an invalid answer (port 80) shows the rule and lets the user retry', async () => {
    const cwd = tempDir();
    const s = await ptySession('create-service', ['svc', ...V1, ...NO_STEPS], { cwd });
    for (const q of ['Service name', 'Owning team', 'One-line description']) {
      await prompt(s, q);
      s.write(keys.enter);
    }
    await prompt(s, 'HTTP port');
    s.write('80');
    s.write(keys.enter);
    await prompt(s, 'at least 1024');
    expect(s.exited).toBe(false);
    // clear whatever the prompt kept, then type a valid port
    s.write(keys.backspace.repeat(8));
    s.write('9191');
    s.write(keys.enter);
    await prompt(s, 'Node.js major version');
    s.write(keys.enter);
    await prompt(s, 'Creating svc');
    expect(await s.exit()).toEqual({ code: 0, signal: null });
    expect(answersIn(join(cwd, 'svc'))).toMatchObject({ port: 9191, nodeVersion: '22' });
  });

  it('an invalid name shows the kebab-case rule and lets the user retry', async () => {
    const cwd = tempDir();
    const s = await ptySession('create-service', ['svc', '--set', 'port=9000', ...V1, ...NO_STEPS], { cwd });
    await prompt(s, 'Service name');
    s.write(keys.backspace.repeat(10));
    s.write('Bad_Name');
    s.write(keys.enter);
    await prompt(s, 'name must be lower-case letters');
    s.write(keys.backspace.repeat(20));
    s.write('good-name');
    s.write(keys.enter);
    for (const q of ['Owning team', 'One-line description', 'Node.js major version']) {
      await prompt(s, q);
      s.write(keys.enter);
    }
    expect(await s.exit()).toEqual({ code: 0, signal: null });
    expect(answersIn(join(cwd, 'svc'))).toMatchObject({ name: 'good-name', owner: 'good-name-team', port: 9000 });
  });

  it('the name names the folder: a template whose name rule allows "../escape" still gets a plain folder (retry), never one outside', async () => {
    const cwd = tempDir();
    const template = join(cwd, 'loose');
    mkdirSync(join(template, 'files'), { recursive: true });
    writeFileSync(join(template, 'template.yaml'), 'name: loose\nversion: 1.0.0\nquestions:\n  - { name: name, type: string, default: svc }\n');
    writeFileSync(join(template, 'files', 'README.md.hbs'), '# {{name}}\n');
    const work = join(cwd, 'work');
    mkdirSync(work);
    const s = await ptySession('create-service', ['--template', template, ...NO_STEPS], { cwd: work });
    await prompt(s, '? name (svc)');
    s.write('../escape');
    s.write(keys.enter);
    await prompt(s, 'also names the new folder');
    s.write(keys.backspace.repeat(12));
    s.write('inside');
    s.write(keys.enter);
    expect(await s.exit()).toEqual({ code: 0, signal: null });
    expect(readdirSync(cwd).sort()).toEqual(['loose', 'work']);
    expect(readFileSync(join(work, 'inside', 'README.md'), 'utf8')).toBe('# inside\n');
  });

  for (const where of ['the name prompt', 'a question'] as const) {
    it(`Ctrl-C at ${where}: exit 130, "Cancelled", nothing written, no stack trace`, async () => {
      const cwd = tempDir();
      const s = await ptySession('create-service', where === 'a question' ? ['svc', ...V1, ...NO_STEPS] : [...V1, ...NO_STEPS], { cwd });
      if (where === 'a question') {
        await prompt(s, 'Service name');
        s.write(keys.enter);
        await prompt(s, 'Owning team');
      } else {
        await prompt(s, 'Service name');
      }
      s.write(keys.ctrlC);
      expect(await s.exit()).toEqual({ code: 130, signal: null });
      expect(s.output()).toMatch(/Cancelled/);
      expect(s.output()).not.toMatch(/^\s+at .*\.js:\d+/m);
      expect(s.output()).not.toMatch(/ExitPromptError|Unexpected error/);
      expect(readdirSync(cwd)).toEqual([]);
    });
  }

  it('--set port=9090: the port question is not asked', async () => {
    const cwd = tempDir();
    const s = await ptySession('create-service', ['svc', '--set', 'port=9090', ...V1, ...NO_STEPS], { cwd });
    for (const q of ['Service name', 'Owning team', 'One-line description', 'Node.js major version']) {
      await prompt(s, q);
      s.write(keys.enter);
    }
    await prompt(s, 'Creating svc');
    expect(await s.exit()).toEqual({ code: 0, signal: null });
    expect(s.output()).not.toContain('HTTP port');
    expect(answersIn(join(cwd, 'svc'))).toMatchObject({ port: 9090 });
  });

  it('--yes at a terminal asks nothing', async () => {
    const cwd = tempDir();
    const s = await ptySession('create-service', ['svc', '--yes', ...NO_STEPS], { cwd });
    expect(await s.exit()).toEqual({ code: 0, signal: null });
    expect(s.output()).not.toMatch(/Service name|HTTP port|\?/);
    expect(existsSync(join(cwd, 'svc', '.platform.yaml'))).toBe(true);
  });

  for (const env of [{ CI: 'true' }, { TERM: 'dumb' }] as Array<Record<string, string>>) {
    it(`a terminal with ${Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ')} does not prompt: exit 2 without waiting for a key, nothing written`, async () => {
      const cwd = tempDir();
      // nothing is ever typed: a CLI that prompted would be killed at exit()'s timeout and fail here
      const s = await ptySession('create-service', ['svc', ...V1, ...NO_STEPS], { cwd, env });
      expect(await s.exit()).toEqual({ code: 2, signal: null });
      for (const q of ['name', 'owner', 'description', 'port', 'nodeVersion']) expect(s.output()).toContain(`--set ${q}=`);
      expect(readdirSync(cwd)).toEqual([]);
    });
  }
});
