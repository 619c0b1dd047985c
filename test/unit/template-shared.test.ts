/**
 * Shared questions (`- use: NAME`, declared once in the catalog's questions.yaml) and conditional
 * files (`when:` on file rules): what a template author writes, and what a hostile catalog gets.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lintTemplate } from '../../src/authoring/lint.js';
import { PlatformError } from '../../src/core/errors.js';
import { nodeFs } from '../../src/core/node-fs.js';
import { renderTemplate } from '../../src/render/render.js';
import { loadTemplate } from '../../src/template/load.js';
import { memoryFs, text } from '../helpers/memfs.js';

const SHARED = `owner:
  type: string
  message: Owning team
  default: "{{name}}-team"
  pattern: "^[a-z][a-z-]*$"
port:
  type: number
  message: HTTP port
  default: 8080
  min: 1024
`;

function catalog(manifest: string, files: Record<string, string> = { 'README.md.hbs': '{{owner}}' }, shared: string | null = SHARED) {
  const seed: Record<string, string> = { '/cat/svc/1.0.0/template.yaml': manifest };
  if (shared !== null) seed['/cat/questions.yaml'] = shared;
  for (const [path, content] of Object.entries(files)) seed[`/cat/svc/1.0.0/files/${path}`] = content;
  return memoryFs(seed);
}

const HEAD = 'name: svc\nversion: 1.0.0\nquestions:\n  - name: name\n    type: string\n';

async function loadError(fs: Awaited<ReturnType<typeof catalog>>['fs']): Promise<PlatformError> {
  const error = await loadTemplate(fs, '/cat/svc/1.0.0', { kind: 'builtin' }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(PlatformError);
  return error as PlatformError;
}

describe('shared questions (- use: NAME)', () => {
  it('a template asks a shared question by name, rewording what it wants', async () => {
    const { fs } = catalog(`${HEAD}  - use: owner\n    help: the team paged for svc\n  - use: port\n`);
    const template = await loadTemplate(fs, '/cat/svc/1.0.0', { kind: 'builtin' });
    expect(template.manifest.questions.map((q) => q.name)).toEqual(['name', 'owner', 'port']);
    expect(template.manifest.questions[1]).toMatchObject({ type: 'string', message: 'Owning team', help: 'the team paged for svc', default: '{{name}}-team' });
    expect(template.manifest.questions[2]).toMatchObject({ type: 'number', default: 8080, min: 1024 });
  });

  it('an unknown name is refused with the file and line of the reference, and the names there are', async () => {
    const error = await loadError(catalog(`${HEAD}  - use: ownr\n`).fs);
    expect(error.exitCode).toBe(2);
    expect(error.code).toBe('question-reference');
    expect(error.where).toMatchObject({ file: '/cat/svc/1.0.0/template.yaml', line: 6 });
    expect(error.message).toContain('did you mean "owner"');
    expect(error.hint).toContain('owner, port');
  });

  it('a reference in a catalog without questions.yaml says where to declare it', async () => {
    const error = await loadError(catalog(`${HEAD}  - use: owner\n`, undefined, null).fs);
    expect(error.message).toContain('no questions.yaml');
  });

  it('a reference may not change the name or the type', async () => {
    const error = await loadError(catalog(`${HEAD}  - use: port\n    type: string\n`).fs);
    expect(error.message).toContain('cannot set type');
    expect(error.where?.line).toBe(7);
  });

  it('the resolved question is validated like any other (the reference line is named)', async () => {
    const error = await loadError(catalog(`${HEAD}  - use: port\n    min: low\n`).fs);
    expect(error.code).toBe('schema');
    expect(error.where).toMatchObject({ file: '/cat/svc/1.0.0/template.yaml', line: 7 });
  });

  it('an invalid questions.yaml is refused with its own file and line', async () => {
    const error = await loadError(catalog(`${HEAD}  - use: owner\n`, undefined, 'owner:\n  type: string\nport:\n  type: number\n  min: low\n').fs);
    expect(error.where).toMatchObject({ file: '/cat/questions.yaml', line: 5 });
  });

  it('questions.yaml that is a list, has a name field or a __proto__ key is refused', async () => {
    expect((await loadError(catalog(HEAD, undefined, '- owner\n').fs)).message).toContain('must map');
    expect((await loadError(catalog(HEAD, undefined, 'owner:\n  name: x\n  type: string\n').fs)).message).toContain('name field');
    expect((await loadError(catalog(HEAD, undefined, '__proto__:\n  type: string\n').fs)).code).toBe('yaml-proto-key');
  });

  it('questions.yaml as a symbolic link or a FIFO is refused, never read', async () => {
    const root = mkdtempSync(join(tmpdir(), 'shared-q-'));
    try {
      mkdirSync(join(root, 'svc/1.0.0/files'), { recursive: true });
      writeFileSync(join(root, 'svc/1.0.0/template.yaml'), `${HEAD}  - use: owner\n`);
      writeFileSync(join(root, 'svc/1.0.0/files/a.txt'), 'a');
      writeFileSync(join(root, 'elsewhere.yaml'), SHARED);
      symlinkSync(join(root, 'elsewhere.yaml'), join(root, 'questions.yaml'));
      const link = await loadTemplate(nodeFs, join(root, 'svc/1.0.0'), { kind: 'builtin' }).catch((e: unknown) => e);
      expect(link).toBeInstanceOf(PlatformError);
      expect((link as PlatformError).message).toContain('symbolic link');
      rmSync(join(root, 'questions.yaml'));
      execFileSync('mkfifo', [join(root, 'questions.yaml')]);
      const fifo = await loadTemplate(nodeFs, join(root, 'svc/1.0.0'), { kind: 'builtin' }).catch((e: unknown) => e);
      expect(fifo).toBeInstanceOf(PlatformError);
      expect((fifo as PlatformError).exitCode).toBe(2);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('lint reports every unknown reference at its line', async () => {
    const { fs } = catalog(`${HEAD}  - use: ownr\n  - use: prot\n`, { 'README.md.hbs': '{{name}}' });
    const problems = await lintTemplate(fs, '/cat/svc/1.0.0');
    const references = problems.filter((p) => p.code === 'question-reference');
    expect(references.map((p) => [p.file, p.line])).toEqual([
      ['template.yaml', 6],
      ['template.yaml', 7],
    ]);
    expect(references[0]!.message).toContain('did you mean "owner"');
  });

  it('lint passes a template whose shared questions are all used', async () => {
    const { fs } = catalog(`${HEAD}  - use: owner\n`, { 'README.md.hbs': '{{name}} {{owner}}' });
    expect(await lintTemplate(fs, '/cat/svc/1.0.0')).toEqual([]);
  });
});

describe('when: on file rules', () => {
  const MANIFEST = `name: svc
version: 1.0.0
questions:
  - name: ci
    type: select
    choices: [github, gitlab]
    default: github
  - name: scanning
    type: boolean
    default: true
files:
  - glob: ".github/**"
    when: "{{eq ci 'github'}}"
  - glob: ".github/workflows/codeql.yml"
    when: "{{scanning}}"
    policy: owned
  - glob: ".gitlab-ci.yml"
    when: "{{eq ci 'gitlab'}}"
`;
  const FILES = { '.github/workflows/ci.yml.hbs': 'ci {{ci}}', '.github/workflows/codeql.yml': 'codeql', '.gitlab-ci.yml.hbs': 'gitlab', 'README.md': 'hi' };

  it('a file is written only when every matching rule holds; policies still come from the rules', async () => {
    const { fs } = catalog(MANIFEST, FILES, null);
    const template = await loadTemplate(fs, '/cat/svc/1.0.0', { kind: 'builtin' });
    const render = (answers: Record<string, unknown>) => renderTemplate(template, { answers, targetName: 'svc' });
    const github = render({ ci: 'github', scanning: true });
    expect([...github.keys()].sort()).toEqual(['.github/workflows/ci.yml', '.github/workflows/codeql.yml', 'README.md']);
    expect(github.get('.github/workflows/codeql.yml')?.policy).toBe('owned');
    expect(text(github.get('.github/workflows/ci.yml')?.bytes)).toBe('ci github');
    expect([...render({ ci: 'github', scanning: false }).keys()].sort()).toEqual(['.github/workflows/ci.yml', 'README.md']);
    expect([...render({ ci: 'gitlab', scanning: true }).keys()].sort()).toEqual(['.gitlab-ci.yml', 'README.md']);
  });

  it('a rule with neither policy nor when is refused', async () => {
    const error = await loadError(catalog('name: svc\nversion: 1.0.0\nfiles:\n  - glob: "*.md"\n', FILES, null).fs);
    expect(error.message).toContain('needs a policy, a when, or both');
  });

  it('a when that names a secret answer is refused at load (which files exist is committed)', async () => {
    const manifest = 'name: svc\nversion: 1.0.0\nquestions:\n  - name: token\n    type: string\n    secret: true\nfiles:\n  - glob: "README.md"\n    when: "{{token}}"\n';
    const error = await loadError(catalog(manifest, FILES, null).fs);
    expect(error.code).toBe('template-secret-outside');
    expect(error.where?.line).toBe(9);
  });

  it('lint checks a when like any expression, and warns of a rule that matches no file', async () => {
    const manifest = `${MANIFEST}  - glob: "renovate.jsn"\n    when: "{{eq ciProvder 'gitlab'}}"\n`;
    const problems = await lintTemplate(catalog(manifest, FILES, null).fs, '/cat/svc/1.0.0');
    expect(problems.find((p) => p.code === 'undeclared-variable')).toMatchObject({ file: 'template.yaml', line: 20 });
    expect(problems.find((p) => p.code === 'rule-matches-nothing')).toMatchObject({ file: 'template.yaml', line: 19 });
    // The questions used only in rules' when count as used.
    expect(problems.filter((p) => p.code === 'unused-question')).toEqual([]);
  });

  it('the old form (Handlebars in file names) still works for released versions', async () => {
    const { fs } = catalog('name: svc\nversion: 1.0.0\nquestions:\n  - name: ci\n    type: string\n    default: github\n', { "{{when (eq ci 'github') '.github'}}/ci.yml": 'x' }, null);
    const template = await loadTemplate(fs, '/cat/svc/1.0.0', { kind: 'builtin' });
    expect([...renderTemplate(template, { answers: { ci: 'github' }, targetName: 'svc' }).keys()]).toEqual(['.github/ci.yml']);
    expect([...renderTemplate(template, { answers: { ci: 'gitlab' }, targetName: 'svc' }).keys()]).toEqual([]);
  });
});
