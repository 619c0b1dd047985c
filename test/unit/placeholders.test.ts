/**
 * Honest defaults (issue 17, item 2): an environment-specific answer nobody gave is a visible
 * `<set-me:NAME>` in the files, named by create's warnings (human and --json), flagged by
 * `platform status --check` with file:line, and set later with `platform upgrade --set`.
 */
import { describe, expect, it } from 'vitest';
import { memoryFs } from '../helpers/memfs.js';
import { runInProcess } from '../helpers/in-process.js';
import { findPlaceholders } from '../../src/answers/placeholder.js';
import { templateManifestSchema } from '../../src/template/schema.js';

const MANIFEST = `name: thing
version: 1.0.0
questions:
  - { name: name, type: string, default: svc }
  - name: roleArn
    type: string
    message: IAM role the deploys assume
    placeholder: true
    pattern: "^arn:aws:iam::[0-9]{12}:role/[A-Za-z0-9-]+$"
    patternHint: an IAM role ARN
  # derived from a placeholder: no real value either
  - name: roleName
    type: string
    default: "{{roleArn}}-name"
    placeholder: true
  - name: token
    type: string
    secret: true
    default: none
files:
  - { glob: secret.env, policy: secret }
`;

const TEMPLATE = {
  '/tpl/1.0.0/template.yaml': MANIFEST,
  '/tpl/1.0.0/files/deploy.yaml.hbs': 'name: {{name}}\nrole: {{roleArn}}\nroleName: "{{roleName}}"\n',
  '/tpl/1.0.0/files/README.md.hbs': '# {{name}}\n\nDeploys assume {{roleArn}}.\n',
  '/tpl/1.0.0/files/secret.env.hbs': 'TOKEN={{token}}\n',
  '/work/.keep': '',
};

const ROLE = 'arn:aws:iam::210987654321:role/svc-deploy';

async function created(args: string[] = []) {
  const { fs, vol } = memoryFs(TEMPLATE);
  const result = await runInProcess(fs, ['svc', '--template', '/tpl', '--yes', '--no-install', '--no-git', ...args], { cwd: '/work', bin: 'create-service' });
  return { fs, vol, result };
}

describe('a placeholder question nobody answers', () => {
  it('--yes writes <set-me:NAME> where the answer goes, and a default derived from it is a placeholder too', async () => {
    const { vol, result } = await created();
    expect(result.code, result.stderr).toBe(0);
    expect(String(vol.readFileSync('/work/svc/deploy.yaml'))).toBe('name: svc\nrole: <set-me:roleArn>\nroleName: "<set-me:roleName>"\n');
    // recorded as given, so an upgrade keeps the placeholder until it is set
    expect(String(vol.readFileSync('/work/svc/.platform.yaml'))).toContain('roleArn: "<set-me:roleArn>"');
  });

  it('create ends with a warning per answer, with file:line and the command that sets it (human output)', async () => {
    const { result } = await created();
    const warnings = result.stderr.split('\n').filter((l) => l.startsWith('warning'));
    expect(warnings.find((l) => l.includes('roleArn has no value yet'))).toMatch(/<set-me:roleArn> \(README\.md:3, deploy\.yaml:2\).*platform upgrade --set roleArn=VALUE/);
    expect(warnings.some((l) => l.includes('roleName has no value yet'))).toBe(true);
  });

  it('--json lists them in warnings and in placeholders (name, marker, where)', async () => {
    const { result } = await created(['--json']);
    const doc = JSON.parse(result.stdout) as { warnings: string[]; placeholders: Array<{ name: string; marker: string; where: string[] }> };
    expect(doc.warnings.filter((w) => w.includes('has no value yet'))).toHaveLength(2);
    expect(doc.placeholders).toEqual([
      { name: 'roleArn', marker: '<set-me:roleArn>', where: ['README.md:3', 'deploy.yaml:2'] },
      { name: 'roleName', marker: '<set-me:roleName>', where: ['deploy.yaml:3'] },
    ]);
  });

  it('a dry run warns the same way and writes nothing', async () => {
    const { vol, result } = await created(['--dry-run']);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('roleArn has no value yet');
    expect(vol.existsSync('/work/svc')).toBe(false);
  });

  it('without a terminal or --yes it is a missing answer that says what --yes would write', async () => {
    const { fs, vol } = memoryFs(TEMPLATE);
    const result = await runInProcess(fs, ['svc', '--template', '/tpl', '--no-install', '--no-git', '--set', 'token=x'], { cwd: '/work', bin: 'create-service' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('roleArn (IAM role the deploys assume): --set roleArn=…  [with --yes the files get the placeholder <set-me:roleArn> until it is set]');
    expect(vol.existsSync('/work/svc')).toBe(false);
  });

  it('a real answer is still validated: only the exact marker of that question passes the pattern', async () => {
    for (const bad of ['nope', '<set-me:roleName>', '<set-me:roleArn> ']) {
      const { result } = await created(['--set', `roleArn=${bad}`]);
      expect(result.code, bad).toBe(2);
      expect(result.stderr).toContain('must be an IAM role ARN');
    }
  });

  it('an answer given at create time leaves no placeholder and no warning', async () => {
    const { vol, result } = await created(['--set', `roleArn=${ROLE}`, '--set', 'roleName=deployer']);
    expect(result.code).toBe(0);
    expect(String(vol.readFileSync('/work/svc/deploy.yaml'))).toBe(`name: svc\nrole: ${ROLE}\nroleName: "deployer"\n`);
    expect(result.stderr).not.toContain('no value yet');
  });
});

describe('platform status --check and platform upgrade --set', () => {
  it('status --check fails (exit 6) listing each file:line and how to set it; --json has them', async () => {
    const { fs } = await created();
    const human = await runInProcess(fs, ['status', '--check'], { cwd: '/work/svc' });
    expect(human.code).toBe(6);
    expect(human.stdout).toContain('placeholder deploy.yaml:2: roleArn is not set');
    expect(human.stdout).toContain('placeholder README.md:3: roleArn is not set');
    expect(human.stdout).toContain('roleArn (2 places): platform upgrade --set roleArn=VALUE');
    expect(human.stdout).toContain('or an answer is still a placeholder');
    const json = await runInProcess(fs, ['status', '--check', '--json'], { cwd: '/work/svc' });
    const doc = JSON.parse(json.stdout) as { check: { passed: boolean; placeholders: string[] } };
    expect(doc.check).toMatchObject({ passed: false, placeholders: ['README.md:3: roleArn', 'deploy.yaml:2: roleArn', 'deploy.yaml:3: roleName'] });
  });

  it('plain status: one line a component (how many, in how many files, which answers), and where --check lists them', async () => {
    const { fs } = await created();
    const human = await runInProcess(fs, ['status'], { cwd: '/work/svc' });
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('placeholders 3 in 2 files: roleArn, roleName');
    expect(human.stdout).not.toContain('deploy.yaml:2');
    expect(human.stdout).toContain('roleArn (2 places): platform upgrade --set roleArn=VALUE');
    expect(human.stdout).toContain('platform status --check lists each file:line.');
    // --json is the same either way: every place.
    const json = JSON.parse((await runInProcess(fs, ['status', '--json'], { cwd: '/work/svc' })).stdout) as { components: Array<{ placeholders: unknown[] }> };
    expect(json.components.flatMap((c) => c.placeholders)).toHaveLength(3);
  });

  // --yes: the secret is not recorded, so rendering again takes its default (its file is never rewritten)
  it('upgrade --set renders the component again at its version; then status --check passes', async () => {
    const { fs, vol } = await created();
    const dry = await runInProcess(fs, ['upgrade', '--yes', '--set', `roleArn=${ROLE}`, '--set', 'roleName=deployer', '--dry-run'], { cwd: '/work/svc' });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('Would render thing@1.0.0 again with the new answers');
    expect(String(vol.readFileSync('/work/svc/deploy.yaml'))).toContain('<set-me:roleArn>');

    const upgraded = await runInProcess(fs, ['upgrade', '--yes', '--set', `roleArn=${ROLE}`, '--set', 'roleName=deployer'], { cwd: '/work/svc' });
    expect(upgraded.code, upgraded.stderr).toBe(0);
    expect(String(vol.readFileSync('/work/svc/deploy.yaml'))).toBe(`name: svc\nrole: ${ROLE}\nroleName: "deployer"\n`);
    expect(String(vol.readFileSync('/work/svc/.platform.yaml'))).toContain(`roleArn: ${ROLE}`);
    const status = await runInProcess(fs, ['status', '--check'], { cwd: '/work/svc' });
    expect(status.code, status.stdout).toBe(0);
    // the same answers again: nothing to do
    const again = await runInProcess(fs, ['upgrade', '--set', `roleArn=${ROLE}`], { cwd: '/work/svc' });
    expect(again.stdout).toContain('thing@1.0.0 is up to date.');
  });

  it('upgrade --set of a question no component asks is refused (exit 2) with a suggestion; nothing written', async () => {
    const { fs, vol } = await created();
    const before = vol.toJSON();
    const result = await runInProcess(fs, ['upgrade', '--set', `roleArm=${ROLE}`], { cwd: '/work/svc' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('"roleArm" is not a question of any component here. Did you mean "roleArn"?');
    expect(vol.toJSON()).toEqual(before);
  });

  it('a secret file is never read for the report, even when it holds a marker', async () => {
    const { fs, vol } = await created(['--set', `roleArn=${ROLE}`, '--set', 'roleName=deployer', '--set', 'token=<set-me:token>']);
    expect(String(vol.readFileSync('/work/svc/secret.env'))).toContain('<set-me:token>');
    const status = await runInProcess(fs, ['status', '--check'], { cwd: '/work/svc' });
    expect(status.code, status.stdout).toBe(0);
    expect(status.stdout).not.toContain('secret.env');
  });
});

describe('the placeholder field', () => {
  it('is for string questions only: elsewhere template.yaml is refused', () => {
    for (const type of ['number', 'boolean']) {
      const parsed = templateManifestSchema.safeParse({ name: 'thing', version: '1.0.0', questions: [{ name: 'x', type, placeholder: true }] });
      expect(parsed.success, type).toBe(false);
    }
    expect(templateManifestSchema.safeParse({ name: 'thing', version: '1.0.0', questions: [{ name: 'x', type: 'string', placeholder: true }] }).success).toBe(true);
  });

  it('upgrade --set of an invalid value is refused (exit 2), not ignored because the component is up to date', async () => {
    const { fs } = await created();
    const result = await runInProcess(fs, ['upgrade', '--yes', '--set', 'roleArn=arn:aws:iam::1:role/x'], { cwd: '/work/svc' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('must be an IAM role ARN');
  });

  it('platform upgrade COMPONENT --set names that component when it does not ask the question', async () => {
    const { fs } = await created();
    const result = await runInProcess(fs, ['upgrade', 'thing', '--set', 'region=eu-west-1'], { cwd: '/work/svc' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('"region" is not a question of thing');
  });
});

describe('finding markers (hostile files)', () => {
  it('reports at most 100 per file, whatever the file holds', () => {
    const text = '<set-me:a>'.repeat(50_000);
    expect(findPlaceholders('big.yaml', text)).toHaveLength(100);
  });

  it('only well-formed names are markers: no regex across lines, no unbounded names', () => {
    expect(findPlaceholders('f', `<set-me:${'a'.repeat(64)}>`)).toHaveLength(1);
    expect(findPlaceholders('f', `<set-me:${'a'.repeat(65)}>`)).toEqual([]);
    expect(findPlaceholders('f', '<set-me:a\n>')).toEqual([]);
    expect(findPlaceholders('f', "pattern='<set-me:[A-Za-z_][A-Za-z0-9_]*>'")).toEqual([]);
    expect(findPlaceholders('f', 'x\ny: <set-me:b> <set-me:c>\n')).toEqual([
      { path: 'f', line: 2, name: 'b' },
      { path: 'f', line: 2, name: 'c' },
    ]);
  });
});

describe('the Node.js the generated service needs', () => {
  const pkg = (engines: string) => ({
    '/tpl/1.0.0/template.yaml': 'name: thing\nversion: 1.0.0\nquestions: []\n',
    '/tpl/1.0.0/files/package.json': `{ "name": "svc", "engines": { "node": "${engines}" } }\n`,
    '/work/.keep': '',
  });

  it('create warns an older Node.js before installing (human and --json)', async () => {
    const { fs } = memoryFs(pkg('>=22.15'));
    const result = await runInProcess(fs, ['svc', '--template', '/tpl', '--yes', '--no-install', '--no-git', '--json'], { cwd: '/work', bin: 'create-service', node: '20.20.2' });
    expect(result.code, result.stderr).toBe(0);
    const doc = JSON.parse(result.stdout) as { warnings: string[] };
    expect(doc.warnings.find((w) => w.includes('needs Node.js'))).toBe(
      'The new service needs Node.js >=22.15 (engines.node in package.json; .nvmrc names the major); this is Node.js 20.20.2. Install Node.js 22 or newer (for example `nvm install 22`) before installing, building or starting it.',
    );
  });

  it.each([
    ['22.15.0', '>=22.15'],
    ['24.0.0', '>=22.15'],
    ['22.14.0', 'not a range we read'],
  ])('says nothing on Node.js %s for engines %s', async (node, engines) => {
    const { fs } = memoryFs(pkg(engines));
    const result = await runInProcess(fs, ['svc', '--template', '/tpl', '--yes', '--no-install', '--no-git'], { cwd: '/work', bin: 'create-service', node });
    expect(result.code).toBe(0);
    expect(result.stderr).not.toContain('needs Node.js');
  });

  it('22.14 is not enough for >=22.15', async () => {
    const { fs } = memoryFs(pkg('>=22.15'));
    const result = await runInProcess(fs, ['svc', '--template', '/tpl', '--yes', '--no-install', '--no-git', '--dry-run'], { cwd: '/work', bin: 'create-service', node: '22.14.0' });
    expect(result.stderr).toContain('needs Node.js >=22.15');
  });
});
