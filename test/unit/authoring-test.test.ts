/**
 * `platform template test` on memfs: snapshots are created, compared and updated; rendered YAML
 * and JSON must parse; fixtures are validated; and with two versions side by side, upgrading an
 * untouched repository from the older one must equal a fresh render of the newer one.
 */
import { describe, expect, it } from 'vitest';
import { testTemplate, stripJsonComments } from '../../src/authoring/test-template.js';
import { initTemplate } from '../../src/authoring/init.js';
import { lintTemplate } from '../../src/authoring/lint.js';
import { memoryFs, text } from '../helpers/memfs.js';

const MANIFEST = `name: svc
version: 1.0.0
questions:
  - name: name
    type: string
    default: "{{@target}}"
  - name: port
    type: number
    default: 8080
`;

function template(files: Record<string, string>, root = '/svc') {
  const seed: Record<string, string> = {};
  for (const [path, content] of Object.entries(files)) seed[`${root}/${path}`] = content;
  return memoryFs(seed);
}

const read = (vol: ReturnType<typeof memoryFs>['vol'], path: string): string | undefined =>
  vol.existsSync(path) ? (vol.readFileSync(path, 'utf8') as string) : undefined;

describe('snapshots', () => {
  const files = {
    'template.yaml': MANIFEST,
    'files/config.yaml.hbs': 'name: {{name}}\nport: {{port}}\n',
    'files/.gitignore': 'node_modules/\n',
    'files/run.sh': '#!/bin/sh\necho hi\n',
    'tests/custom-port.yaml': 'name: payments-api\nport: 9090\n',
  };

  it('are created on the first run, then match', async () => {
    const { fs, vol } = template(files);
    vol.chmodSync('/svc/files/run.sh', 0o755);
    const first = await testTemplate(fs, '/svc', { update: false });
    expect(first.exitCode).toBe(0);
    expect(first.cases.map((c) => [c.name, c.fixture, c.snapshot, c.files])).toEqual([
      ['defaults', undefined, 'created', 3],
      ['custom-port', 'tests/custom-port.yaml', 'created', 3],
    ]);
    expect(read(vol, '/svc/tests/__snapshots__/defaults/config.yaml')).toBe('name: example\nport: 8080\n');
    expect(read(vol, '/svc/tests/__snapshots__/custom-port/config.yaml')).toBe('name: payments-api\nport: 9090\n');
    // git must not read a rendered .gitignore inside the snapshot
    expect(read(vol, '/svc/tests/__snapshots__/defaults/.gitignore')).toBeUndefined();
    expect(read(vol, '/svc/tests/__snapshots__/defaults/.gitignore.snapshot')).toBe('node_modules/\n');
    expect((vol.statSync('/svc/tests/__snapshots__/defaults/run.sh').mode as number) & 0o111).not.toBe(0);

    const second = await testTemplate(fs, '/svc', { update: false });
    expect(second.exitCode).toBe(0);
    expect(second.cases.map((c) => c.snapshot)).toEqual(['matched', 'matched']);
  });

  it('that differ fail with each difference (exit 6), and --update rewrites them', async () => {
    const { fs, vol } = template(files);
    await testTemplate(fs, '/svc', { update: false });
    vol.writeFileSync('/svc/files/config.yaml.hbs', 'name: {{name}}\nport: {{port}}\nreplicas: 2\n');
    vol.unlinkSync('/svc/files/run.sh');
    vol.writeFileSync('/svc/files/new.txt', 'new\n');

    const failed = await testTemplate(fs, '/svc', { update: false });
    expect(failed.exitCode).toBe(6);
    const defaults = failed.cases[0]!;
    expect(defaults.snapshot).toBe('differs');
    expect(defaults.differences.map((d) => [d.path, d.change])).toEqual([
      ['config.yaml', 'modified'],
      ['new.txt', 'added'],
      ['run.sh', 'removed'],
    ]);
    expect(text(defaults.differences[0]!.actual)).toContain('replicas: 2');
    // nothing was rewritten
    expect(read(vol, '/svc/tests/__snapshots__/defaults/config.yaml')).toBe('name: example\nport: 8080\n');

    const updated = await testTemplate(fs, '/svc', { update: true });
    expect(updated.exitCode).toBe(0);
    expect(updated.cases.map((c) => c.snapshot)).toEqual(['updated', 'updated']);
    expect(read(vol, '/svc/tests/__snapshots__/defaults/config.yaml')).toBe('name: example\nport: 8080\nreplicas: 2\n');
    expect(read(vol, '/svc/tests/__snapshots__/defaults/run.sh')).toBeUndefined();
    expect(read(vol, '/svc/tests/__snapshots__/defaults/new.txt')).toBe('new\n');

    const after = await testTemplate(fs, '/svc', { update: false });
    expect(after.cases.map((c) => c.snapshot)).toEqual(['matched', 'matched']);
  });

  it('of a fixture that is gone are reported, and removed by --update', async () => {
    const { fs, vol } = template(files);
    await testTemplate(fs, '/svc', { update: false });
    vol.unlinkSync('/svc/tests/custom-port.yaml');
    const result = await testTemplate(fs, '/svc', { update: false });
    expect(result.exitCode).toBe(0);
    expect(result.staleSnapshots).toEqual(['tests/__snapshots__/custom-port']);
    await testTemplate(fs, '/svc', { update: true });
    expect(vol.existsSync('/svc/tests/__snapshots__/custom-port')).toBe(false);
  });
});

describe('checks', () => {
  it('rendered YAML and JSON must parse (JSON with comments only where tools allow it)', async () => {
    const { fs } = template({
      'template.yaml': MANIFEST,
      'files/bad.yaml.hbs': 'name: {{name}}\nport: [{{port}}\n',
      'files/data.json.hbs': '{"port": {{port}},}',
      'files/tsconfig.json': '{\n  // comment\n  "compilerOptions": {},\n}\n',
      'files/helm/deployment.yaml': 'image: {{ .Values.image }}\n  bad: [\n',
    });
    const result = await testTemplate(fs, '/svc', { update: false });
    expect(result.exitCode).toBe(6);
    expect(result.cases[0]!.invalid.map((i) => [i.path, i.line ?? null])).toEqual([
      ['bad.yaml', 3],
      ['data.json', null],
    ]);
  });

  it('a fixture answer that is invalid fails the case with its file and line (exit 2)', async () => {
    const { fs } = template({ 'template.yaml': MANIFEST, 'files/a.txt.hbs': '{{name}} {{port}}', 'tests/bad.yaml': 'name: x\nport: eighty\n' });
    const result = await testTemplate(fs, '/svc', { update: false });
    expect(result.exitCode).toBe(2);
    const bad = result.cases[1]!;
    expect(bad.snapshot).toBe('not-rendered');
    expect(bad.error?.code).toBe('answer-type');
    expect(bad.error?.where).toMatchObject({ file: 'tests/bad.yaml', line: 2 });
  });

  it('a fixture named like the defaults is refused', async () => {
    const { fs } = template({ 'template.yaml': MANIFEST, 'files/a.txt.hbs': '{{name}} {{port}}', 'tests/defaults.yaml': 'port: 1\n' });
    await expect(testTemplate(fs, '/svc', { update: false })).rejects.toMatchObject({ code: 'fixture-name' });
  });

  it('strips comments and trailing commas from JSON with comments, not from strings', () => {
    expect(JSON.parse(stripJsonComments('{"a": "//x", /* c */ "b": [1,],\n // d\n}'))).toEqual({ a: '//x', b: [1] });
  });
});

describe('upgrade from the previous version', () => {
  const v1 = {
    'template.yaml': `${MANIFEST}files:\n  - glob: "README.md"\n    policy: once\n`,
    'files/config.yaml.hbs': 'name: {{name}}\nport: {{port}}\n',
    'files/README.md.hbs': '# {{name}}\n',
    'files/old.txt': 'retired in 1.1.0\n',
    'files/a.txt': 'moves to b.txt\n',
    'tests/custom.yaml': 'name: payments-api\nport: 9090\n',
  };
  const v2Manifest = `${MANIFEST.replace('1.0.0', '1.1.0')}  - name: replicas
    type: number
    default: 2
files:
  - glob: "README.md"
    policy: once
renames:
  - from: a.txt
    to: b.txt
`;
  const v2 = {
    'template.yaml': v2Manifest,
    'files/config.yaml.hbs': 'name: {{name}}\nport: {{port}}\nreplicas: {{replicas}}\n',
    'files/README.md.hbs': '# {{name}}\n\nA new README that upgrades never write.\n',
    'files/b.txt': 'moves to b.txt\n',
    'files/new.txt.hbs': '{{name}} is new\n',
    'tests/custom.yaml': 'name: payments-api\nport: 9090\nreplicas: 3\n',
  };

  function catalog(next: Record<string, string>) {
    const seed: Record<string, string> = {};
    for (const [path, content] of Object.entries(v1)) seed[`/cat/svc/1.0.0/${path}`] = content;
    for (const [path, content] of Object.entries(next)) seed[`/cat/svc/1.1.0/${path}`] = content;
    return memoryFs(seed);
  }

  it('an untouched repository upgraded equals a fresh render, once files aside, for every case', async () => {
    const { fs } = catalog(v2);
    const result = await testTemplate(fs, '/cat/svc/1.1.0', { update: false });
    expect(result.previous).toBe('1.0.0');
    expect(result.upgrades.map((u) => [u.case, u.status, u.reason])).toEqual([
      ['defaults', 'equal', undefined],
      ['custom', 'equal', undefined],
    ]);
    expect(result.exitCode).toBe(0);
    // the oldest version has nothing to upgrade from
    expect((await testTemplate(fs, '/cat/svc/1.0.0', { update: false })).upgrades).toEqual([]);
  });

  it('fails (exit 6) with the files that differ when the new version breaks the upgrade', async () => {
    // Declares a rename of a.txt but still writes a.txt: the upgrade moves it away.
    const { fs } = catalog({ ...v2, 'files/a.txt': 'moves to b.txt\n' });
    const result = await testTemplate(fs, '/cat/svc/1.1.0', { update: false });
    expect(result.exitCode).toBe(6);
    const upgrade = result.upgrades[0]!;
    expect(upgrade.status).toBe('differs');
    expect(upgrade.differences.map((d) => [d.path, d.change])).toEqual([['a.txt', 'removed']]);
  });

  it('reports a conflict in an untouched repository as a failure', async () => {
    // 1.0.0 already wrote a different b.txt; moving a.txt onto it conflicts.
    const { fs } = catalog(v2);
    await fs.writeFile('/cat/svc/1.0.0/files/b.txt', 'a different b\n');
    const result = await testTemplate(fs, '/cat/svc/1.1.0', { update: false });
    expect(result.upgrades[0]).toMatchObject({ status: 'differs', conflicts: ['b.txt'] });
    expect(result.exitCode).toBe(6);
  });

  it('skips a case whose answers the previous version cannot take', async () => {
    const { fs } = catalog({ ...v2, 'tests/custom.yaml': 'name: payments-api\nport: 9090\n', 'tests/tiny.yaml': 'port: 80\nreplicas: 1\n' });
    await fs.writeFile('/cat/svc/1.0.0/template.yaml', `${MANIFEST.replace('default: 8080', 'default: 8080\n    min: 1024')}files:\n  - glob: "README.md"\n    policy: once\n`);
    const result = await testTemplate(fs, '/cat/svc/1.1.0', { update: false });
    expect(result.upgrades.map((u) => [u.case, u.status])).toEqual([
      ['defaults', 'equal'],
      ['custom', 'equal'],
      ['tiny', 'skipped'],
    ]);
    expect(result.exitCode).toBe(0);
  });
});

describe('platform template init', () => {
  it('writes a template that passes lint and test right away', async () => {
    const { fs, vol } = memoryFs({ '/work/.keep': '' });
    const result = await initTemplate(fs, '/work/payments-worker', '1.2.3');
    expect(result).toMatchObject({ name: 'payments-worker', version: '0.1.0' });
    expect(result.files.sort()).toEqual(['README.md', 'files/.github/workflows/hello.yml.hbs', 'template.yaml', 'tests/example.yaml']);
    const manifest = read(vol, '/work/payments-worker/template.yaml')!;
    expect(manifest.split('\n')[0]).toBe('# yaml-language-server: $schema=https://unpkg.com/create-service@1.2.3/templates/schemas/template.schema.json');
    expect(read(vol, '/work/payments-worker/files/.github/workflows/hello.yml.hbs')).toContain('$\\{{ github.sha }}');

    expect(await lintTemplate(fs, '/work/payments-worker')).toEqual([]);
    const tested = await testTemplate(fs, '/work/payments-worker', { update: false });
    expect(tested.exitCode).toBe(0);
    expect(tested.cases.map((c) => [c.name, c.snapshot])).toEqual([
      ['defaults', 'created'],
      ['example', 'created'],
    ]);
    const workflow = read(vol, '/work/payments-worker/tests/__snapshots__/example/.github/workflows/hello.yml')!;
    expect(workflow).toContain('run: echo "Hi from payments-api, commit ${{ github.sha }} on ${{ github.ref_name }}"');
    expect(workflow).not.toContain('{{!--');
  });

  it('takes name and version from a NAME/VERSION folder, and kebab-cases the name', async () => {
    const { fs } = memoryFs({ '/work/.keep': '' });
    expect(await initTemplate(fs, '/work/PaymentsWorker/2.0.0', '1.0.0')).toMatchObject({ name: 'payments-worker', version: '2.0.0' });
    expect(await lintTemplate(fs, '/work/PaymentsWorker/2.0.0')).toEqual([]);
  });

  it('refuses a folder that is not empty, and writes nothing', async () => {
    const { fs, vol } = memoryFs({ '/work/tpl/notes.txt': 'mine' });
    await expect(initTemplate(fs, '/work/tpl', '1.0.0')).rejects.toMatchObject({ code: 'template-init-not-empty', exitCode: 2 });
    expect(Object.keys(vol.toJSON('/work/tpl'))).toEqual(['/work/tpl/notes.txt']);
  });
});
