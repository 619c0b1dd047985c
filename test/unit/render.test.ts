import { describe, expect, it } from 'vitest';
import { makeTemplate } from '../helpers/template.js';
import { text } from '../helpers/memfs.js';
import { renderTemplate } from '../../src/render/render.js';
import { createRenderer } from '../../src/render/handlebars.js';
import { unsafePathReason } from '../../src/render/paths.js';
import { PlatformError } from '../../src/core/errors.js';

const MANIFEST = `name: svc
version: 1.2.3
questions:
  - name: name
    type: string
  - name: metrics
    type: boolean
  - name: envs
    type: multiselect
    choices: [dev, staging, prod]
files:
  - glob: "src/**"
    policy: once
  - glob: "*.lock"
    policy: owned
`;
const ANSWERS = { name: 'payments-api', metrics: false, envs: ['dev', 'prod'] };

async function render(files: Record<string, string | Uint8Array>, answers: Record<string, unknown> = ANSWERS) {
  return renderTemplate(await makeTemplate(MANIFEST, files), { answers, targetName: 'target-dir' });
}

async function renderError(files: Record<string, string>, answers: Record<string, unknown> = ANSWERS): Promise<PlatformError> {
  const error = await render(files, answers).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(PlatformError);
  return error as PlatformError;
}

describe('rendering a template', () => {
  it('renders .hbs files and drops the suffix; copies other files untouched', async () => {
    const tree = await render({ 'README.md.hbs': '# {{name}}\n', 'raw.txt': '{{name}} stays\n' });
    expect(text(tree.get('README.md')?.bytes)).toBe('# payments-api\n');
    expect(text(tree.get('raw.txt')?.bytes)).toBe('{{name}} stays\n');
  });

  it('renders file names segment by segment and drops a file whose name renders empty', async () => {
    const tree = await render({
      'src/{{kebabCase name}}.ts.hbs': 'export {};\n',
      '{{#if metrics}}metrics{{/if}}/config.yaml': 'x',
      '{{#if metrics}}metrics.yaml{{/if}}': 'x',
    });
    expect([...tree.keys()]).toEqual(['src/payments-api.ts']);
    const withMetrics = await render({ '{{#if metrics}}metrics{{/if}}/config.yaml': 'x' }, { ...ANSWERS, metrics: true });
    expect([...withMetrics.keys()]).toEqual(['metrics/config.yaml']);
  });

  it('copies binary files byte for byte and keeps the executable bit', async () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    const template = await makeTemplate(MANIFEST, { 'logo.png': bytes, 'run.sh': '#!/bin/sh\n' });
    template.files.find((f) => f.path === 'run.sh')!.executable = true;
    const tree = renderTemplate(template, { answers: ANSWERS, targetName: 't' });
    expect(Buffer.compare(tree.get('logo.png')!.bytes, bytes)).toBe(0);
    expect(tree.get('run.sh')?.executable).toBe(true);
    expect(tree.get('logo.png')?.executable).toBe(false);
  });

  it('assigns policies from the first matching glob, merge by default', async () => {
    const tree = await render({ 'src/a/b.ts': '', 'package.lock': '', 'Dockerfile': '' });
    expect(Object.fromEntries([...tree].map(([p, f]) => [p, f.policy]))).toEqual({
      'Dockerfile': 'merge',
      'package.lock': 'owned',
      'src/a/b.ts': 'once',
    });
  });

  it('leaves other tools\' {{ }} alone when escaped or inside a raw block', async () => {
    const tree = await render({
      'ci.yml.hbs': 'sha: $\\{{ github.sha }}\nname: {{name}}\n{{{{raw}}}}ref: ${{ github.ref }} {{ .Values.image }}\n{{{{/raw}}}}',
    });
    expect(text(tree.get('ci.yml')?.bytes)).toBe('sha: ${{ github.sha }}\nname: payments-api\nref: ${{ github.ref }} {{ .Values.image }}\n');
  });

  it('does not escape HTML', async () => {
    const tree = await render({ 'a.hbs': '{{name}}' }, { ...ANSWERS, name: '<b>&"\'' });
    expect(text(tree.get('a')?.bytes)).toBe('<b>&"\'');
  });

  it('offers the documented helpers', async () => {
    const tree = await render({
      'h.txt.hbs': [
        '{{camelCase name}} {{pascalCase name}} {{snakeCase name}} {{constantCase name}} {{titleCase name}} {{upper name}}',
        '{{join envs ", "}} {{json envs}} {{#if (includes envs "prod")}}prod{{/if}} {{#if (and metrics (not metrics))}}x{{else}}y{{/if}}',
        '{{#if (eq name "payments-api")}}eq{{/if}} {{#if (or false (gt 2 1))}}gt{{/if}} {{default "" "fallback"}}',
        '{{indent (yaml envs) 2}}',
      ].join('\n'),
    });
    expect(text(tree.get('h.txt')?.bytes)).toBe(
      [
        'paymentsApi PaymentsApi payments_api PAYMENTS_API Payments Api PAYMENTS-API',
        'dev, prod ["dev","prod"] prod y',
        'eq gt fallback',
        '  - dev\n  - prod',
      ].join('\n'),
    );
  });

  it('is deterministic: the same answers give the same bytes', async () => {
    const files = { 'a.hbs': '{{name}}{{#each envs}}-{{this}}{{/each}}', 'b': 'x' };
    const one = await render(files);
    const two = await render(files);
    expect([...one].map(([p, f]) => [p, text(f.bytes)])).toEqual([...two].map(([p, f]) => [p, text(f.bytes)]));
  });

  it('names the file and line of a variable that is not an answer', async () => {
    const error = await renderError({ 'docs/guide.md.hbs': 'line one\nhello {{nmae}}\n' });
    expect(error.code).toBe('template-undefined-variable');
    expect(error.message).toContain('files/docs/guide.md.hbs:2');
    expect(error.message).toContain('"nmae"');
    expect(error.where).toMatchObject({ file: 'files/docs/guide.md.hbs', line: 2 });
  });

  it('refuses helpers that are not ours, naming the file', async () => {
    const error = await renderError({ 'a.hbs': '\n{{log "x"}}' });
    expect(error.code).toBe('template-unknown-helper');
    expect(error.message).toContain('files/a.hbs:2');
    expect((await renderError({ 'a.hbs': '{{lookup this "name"}}' })).code).toBe('template-unknown-helper');
  });

  it('compiles a template the same after another one failed to compile inside a block', async () => {
    // Handlebars keeps a stack of block parameters in the options it is given; a compile that
    // fails inside {{#each … as |x|}} must not leave `env` standing for that parameter in the next.
    const renderer = createRenderer({ templateId: 'svc@1.2.3' });
    expect(() => renderer.render('{{#each envs as |env|}}{{bogus env}}{{/each}}', ANSWERS, 'files/a.hbs')).toThrow(PlatformError);
    expect(renderer.render('{{#each envs}}{{this}} {{/each}}{{name}}', ANSWERS, 'files/b.hbs')).toBe('dev prod payments-api');
    expect(() => renderer.render('{{env}}', ANSWERS, 'files/c.hbs')).toThrow(/"env", which is not defined/);
  });

  it('reports Handlebars syntax errors with the line', async () => {
    const error = await renderError({ 'a.hbs': 'one\ntwo\n{{#if metrics}}\nno end' });
    expect(error.code).toBe('template-syntax');
    expect(error.where?.line).toBe(4);
  });

  it('renders prototype properties to nothing', async () => {
    const tree = await render({ 'a.hbs': '{{constructor}}|{{__proto__}}|{{#with constructor}}x{{/with}}|{{#if __proto__}}x{{/if}}' });
    expect(text(tree.get('a')?.bytes)).toBe('|||');
  });

  it('never runs code from the classic prototype-chain payload', async () => {
    const payload = [
      '{{#with "s" as |string|}}{{#with "e"}}{{#with split as |conslist|}}{{this.pop}}',
      '{{this.push (lookup string.sub "constructor")}}{{this.pop}}',
      '{{#with string.split as |codelist|}}{{this.pop}}{{this.push "globalThis.pwned = 1;"}}{{this.pop}}',
      '{{#each conslist}}{{#with (string.sub.apply 0 codelist)}}{{this}}{{/with}}{{/each}}',
      '{{/with}}{{/with}}{{/with}}{{/with}}',
    ].join('');
    const outcome = await render({ 'a.hbs': payload }).then((tree) => text(tree.get('a')?.bytes), (e: unknown) => e);
    expect((globalThis as { pwned?: unknown }).pwned).toBeUndefined();
    if (typeof outcome !== 'string') expect(outcome).toBeInstanceOf(PlatformError);
    else expect(outcome.trim()).toBe('');
  });

  it.each([
    ['.git/hooks/pre-commit', '.git'],
    ['sub/.GIT/config', '.git'],
    ['.platform.yaml', 'belongs to the platform CLI'],
  ])('refuses a path that renders to %s', async (path, reason) => {
    const error = await renderError({ [path]: 'x' });
    expect(error.exitCode).toBe(5);
    expect(error.message).toContain(reason);
  });

  it('refuses an answer that makes a path escape the target', async () => {
    const error = await renderError({ '{{name}}.txt': 'x' }, { ...ANSWERS, name: '../../outside' });
    expect(error.code).toBe('unsafe-path');
  });

  it.each([['.g\u200Cit/config'], ['GIT~1/config'], ['sub/.Git/hooks/x']])('refuses %j: .git in disguise', async (path) => {
    const error = await renderError({ '{{name}}.txt': 'x' }, { ...ANSWERS, name: path.replace(/\.txt$/, '') });
    expect(error.code).toBe('unsafe-path');
    expect(error.message).toContain('.git');
  });

  it('refuses names that one file system folds into one (ﬁ and fi)', async () => {
    const error = await renderError({ 'ﬁle.txt': 'a', 'file.txt': 'b' });
    expect(error.code).toBe('template-case-collision');
  });

  it('refuses names that collide on case-insensitive file systems', async () => {
    const error = await renderError({ 'README.md': 'a', 'readme.md': 'b' });
    expect(error.code).toBe('template-case-collision');
  });
});

describe('unsafePathReason', () => {
  it.each(['/etc/passwd', 'C:/x', 'a\\b', 'a//b', './a', 'con.txt', 'a/aux', 'a:b', 'name.', 'x\0y'])('refuses %j', (path) => {
    expect(unsafePathReason(path)).toBeDefined();
  });
  it.each(['a', 'src/index.ts', '.github/workflows/ci.yml', 'names with spaces/ünïcødé.md', '.gitignore'])('accepts %j', (path) => {
    expect(unsafePathReason(path)).toBeUndefined();
  });
});
