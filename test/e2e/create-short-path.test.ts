/**
 * The golden path at a real terminal (pty): the short path asks the essentials, shows a review
 * screen (create / customise / cancel) and creates; customise walks the other questions component
 * by component, each group skippable; a folder with spaces and capitals gives a valid name.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { cli, keys, prompt, ptySession, tempDir, type PtySession } from './harness.js';

const NO_STEPS = ['--no-install', '--no-git'];

type Lock = { templates: Array<{ name: string; answers: Record<string, unknown> }> };
function lockIn(dir: string): Lock {
  return parseYaml(readFileSync(join(dir, '.platform.yaml'), 'utf8')) as Lock;
}
function answersOf(dir: string, component: string): Record<string, unknown> {
  return lockIn(dir).templates.find((t) => t.name === component)!.answers;
}

/** Every answered prompt is redrawn once as a line starting with ✔ (inquirer's done state). */
function answeredPrompts(s: PtySession): string[] {
  return [...s.output().matchAll(/✔ ([^\n]*)/g)].map((m) => m[1]!.trimEnd());
}

describe('create-service on the golden path at a terminal: the short path', () => {
  it('asks the essentials (name, owner, CI provider, cloud), shows the review screen and creates: at most 6 questions', async () => {
    const cwd = tempDir();
    const s = await ptySession('create-service', NO_STEPS, { cwd });

    await prompt(s, 'Service name');
    s.write('orders-api');
    s.write(keys.enter);
    await prompt(s, 'Owning team');
    await prompt(s, '(orders-api-team)');
    s.write(keys.enter);
    // every default in one style: dim, in parentheses after the question (selects too)
    await prompt(s, 'CI provider (github)');
    s.write(keys.enter);
    await prompt(s, 'Cloud (aws)');
    s.write(keys.down);
    s.write(keys.enter);

    await prompt(s, 'The new service in ./orders-api');
    await prompt(s, /service\s+1\.\d+\.\d+\s+name=orders-api\s+owner=orders-api-team/);
    await prompt(s, /ci\s+1\.\d+\.\d+\s+ciProvider=github\s+cloud=gcp/);
    await prompt(s, /secrets\s+1\.\d+\.\d+\s+secretsProvider=external-secrets\s+secretStore=gcp-secret-manager/);
    await prompt(s, /\d+ more settings keep their defaults/);
    await prompt(s, 'Create it');
    await prompt(s, 'Customise');
    await prompt(s, 'Cancel');
    s.write(keys.enter);

    await prompt(s, 'Creating orders-api');
    expect(await s.exit()).toEqual({ code: 0, signal: null });

    const asked = answeredPrompts(s);
    expect(asked.length).toBeLessThanOrEqual(6);
    // each answered line is the question and the answer: the help is shown while it is open, not repeated
    expect(asked).toEqual([
      'Service name orders-api',
      'Owning team orders-api-team',
      'CI provider github',
      'Cloud gcp',
      'Create, customise or cancel? create',
    ]);
    expect(s.output()).toContain('kebab-case; used for the package');

    const dir = join(cwd, 'orders-api');
    expect(lockIn(dir).templates.map((t) => t.name).sort()).toEqual(['ci', 'deploy', 'observability', 'secrets', 'service']);
    expect(answersOf(dir, 'service')).toMatchObject({ name: 'orders-api', owner: 'orders-api-team', port: 8080 });
    expect(answersOf(dir, 'ci')).toMatchObject({ ciProvider: 'github', cloud: 'gcp' });
    expect(answersOf(dir, 'secrets')).toMatchObject({ cloud: 'gcp', secretStore: 'gcp-secret-manager' });
  });

  it('customise: components and each component are groups a user can skip; a chosen group is asked, then the review comes back', async () => {
    const cwd = tempDir();
    const s = await ptySession('create-service', ['payments', ...NO_STEPS], { cwd });
    for (const q of ['Service name', 'Owning team', 'CI provider', 'Cloud']) {
      await prompt(s, q);
      s.write(keys.enter);
    }
    await prompt(s, 'Create it');
    s.write(keys.down);
    s.write(keys.enter);

    // components: change them, leaving observability out
    await prompt(s, 'Customise components?');
    s.write('y');
    s.write(keys.enter);
    await prompt(s, 'Add CI');
    s.write(keys.enter);
    await prompt(s, 'Add observability');
    s.write('n');
    s.write(keys.enter);
    await prompt(s, 'Add secrets');
    s.write(keys.enter);
    await prompt(s, 'Add Kubernetes deployment');
    s.write(keys.enter);

    // service: change the port; ci, secrets, deploy: skipped
    await prompt(s, 'Customise service?');
    s.write('y');
    s.write(keys.enter);
    await prompt(s, 'One-line description');
    s.write(keys.enter);
    await prompt(s, 'HTTP port');
    s.write('9090');
    s.write(keys.enter);
    await prompt(s, 'Node.js major version');
    s.write(keys.enter);
    await prompt(s, 'Secret names');
    s.write(keys.enter);
    await prompt(s, 'Customise ci?');
    s.write(keys.enter);
    // secrets: selects show each label with the value --set takes
    await prompt(s, 'Customise secrets?');
    s.write('y');
    s.write(keys.enter);
    await prompt(s, 'How do secrets reach the pod? (external-secrets)');
    await prompt(s, 'External Secrets Operator (external-secrets)');
    await prompt(s, 'Vault Agent Injector (vault-agent)');
    s.write(keys.enter);
    await prompt(s, 'Which store does external-secrets read?');
    s.write(keys.enter);
    await prompt(s, 'IAM role external-secrets assumes');
    s.write(keys.enter);
    await prompt(s, 'Name of the service');
    s.write(keys.enter);
    await prompt(s, 'Customise deploy?');
    s.write(keys.enter);

    await prompt(s, 'The new service in ./payments');
    await prompt(s, /service\s+1\.\d+\.\d+\s+name=payments\s+owner=payments-team\s+port=9090/);
    await prompt(s, 'left out: observability');
    await prompt(s, 'Create it');
    s.write(keys.enter);
    await prompt(s, 'Creating payments');
    expect(await s.exit()).toEqual({ code: 0, signal: null });

    expect(s.output()).not.toContain('Customise observability?');
    const dir = join(cwd, 'payments');
    expect(lockIn(dir).templates.map((t) => t.name).sort()).toEqual(['ci', 'deploy', 'secrets', 'service']);
    expect(answersOf(dir, 'service')).toMatchObject({ port: 9090 });
    expect(answersOf(dir, 'deploy')).toMatchObject({ port: 9090 });
    expect(existsSync(join(dir, 'observability'))).toBe(false);
  });

  it('cancel on the review screen: exit 130, "Cancelled", nothing written', async () => {
    const cwd = tempDir();
    const s = await ptySession('create-service', ['svc', ...NO_STEPS], { cwd });
    for (const q of ['Service name', 'Owning team', 'CI provider', 'Cloud']) {
      await prompt(s, q);
      s.write(keys.enter);
    }
    await prompt(s, 'Create it');
    s.write(keys.down);
    s.write(keys.down);
    s.write(keys.enter);
    expect(await s.exit()).toEqual({ code: 130, signal: null });
    expect(s.output()).toMatch(/Cancelled; nothing was written/);
    expect(s.output()).not.toMatch(/^\s+at .*\.js:\d+/m);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('a folder with spaces and capitals: the name default is its kebab-case form, and the files go into that folder', async () => {
    const cwd = tempDir();
    const s = await ptySession('create-service', ['My Service', ...NO_STEPS], { cwd });
    await prompt(s, 'Service name');
    await prompt(s, '(my-service)');
    s.write(keys.enter);
    for (const q of ['Owning team', 'CI provider', 'Cloud']) {
      await prompt(s, q);
      s.write(keys.enter);
    }
    await prompt(s, 'The new service in ./My Service');
    await prompt(s, 'Create it');
    s.write(keys.enter);
    expect(await s.exit()).toEqual({ code: 0, signal: null });
    const dir = join(cwd, 'My Service');
    expect(answersOf(dir, 'service')).toMatchObject({ name: 'my-service', owner: 'my-service-team' });
    expect(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))).toMatchObject({ name: 'my-service' });
  });

  it('without a terminal the same folder works with --yes (the default name is valid), and nothing is asked', async () => {
    const cwd = tempDir();
    const r = await cli('create-service', ['My Service', '--yes', ...NO_STEPS], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(answersOf(join(cwd, 'My Service'), 'service')).toMatchObject({ name: 'my-service' });
  });

  it('a folder with nothing usable for a name (2024) and --yes: exit 2 saying so, nothing written', async () => {
    const cwd = tempDir();
    const r = await cli('create-service', ['2024', '--yes', ...NO_STEPS], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--set name=');
    expect(r.stderr).toContain("the default comes from the folder's name");
    expect(readdirSync(cwd)).toEqual([]);
  });
});
