/**
 * `platform template lint` on templates in memory: each kind of problem is found with the right
 * file and line, and the Handlebars a template legitimately writes gives no false positives.
 */
import { describe, expect, it } from 'vitest';
import { lintTemplate, type LintProblem } from '../../src/authoring/lint.js';
import { analyze, findForeignExpressions, parseHandlebars } from '../../src/authoring/handlebars-refs.js';
import { memoryFs } from '../helpers/memfs.js';

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

async function lint(files: Record<string, string>, root = '/svc'): Promise<LintProblem[]> {
  const seed: Record<string, string> = {};
  for (const [path, content] of Object.entries(files)) seed[`${root}/${path}`] = content;
  const { fs } = memoryFs(seed);
  return lintTemplate(fs, root);
}

const only = (problems: LintProblem[], code: string) => problems.filter((p) => p.code === code);
const summary = (problems: LintProblem[]) => problems.map((p) => `${p.severity} ${p.code} ${p.file}:${p.line ?? '-'}`);

describe('template.yaml', () => {
  it('reports every schema error with its line', async () => {
    const problems = await lint({
      'template.yaml': 'name: svc\nversion: one\nquestions:\n  - name: port\n    type: numbr\n  - name: ok\n    type: string\n    colour: red\n',
      'files/a.txt.hbs': '{{ok}}',
    });
    const schema = only(problems, 'schema');
    expect(schema.map((p) => p.line)).toEqual([2, 5, 8]);
    expect(schema[0]!.message).toMatch(/^version: must be a semantic version/);
    expect(schema.every((p) => p.file === 'template.yaml' && p.severity === 'error')).toBe(true);
  });

  it('reports invalid YAML with its line', async () => {
    const problems = await lint({ 'template.yaml': 'name: svc\nversion: 1.0.0\nquestions: [\n', 'files/a.txt': 'x' });
    expect(summary(problems)).toEqual(['error yaml-parse template.yaml:4']);
  });

  it('reports a version that is not its folder name', async () => {
    const problems = await lint({ 'template.yaml': MANIFEST.replace('1.0.0', '1.0.1'), 'files/a.txt.hbs': '{{name}} {{port}}' }, '/catalog/svc/1.0.0');
    expect(summary(problems)).toEqual(['error version-folder template.yaml:2']);
    expect(problems[0]!.message).toContain('1.0.1');
  });

  it('warns when the name is not the folder name', async () => {
    const problems = await lint({ 'template.yaml': MANIFEST, 'files/a.txt.hbs': '{{name}} {{port}}' }, '/catalog/other/1.0.0');
    expect(summary(problems)).toEqual(['warning name-folder template.yaml:1']);
  });

  it('reports a default or condition that uses a later question, or an unknown one', async () => {
    const problems = await lint({
      'template.yaml': `name: svc
version: 1.0.0
questions:
  - name: owner
    type: string
    default: "{{name}}-team"
  - name: name
    type: string
    when: "{{eq owner 'x'}}"
  - name: region
    type: string
    when: "{{eq cloud 'aws'}}"
`,
      'files/a.txt.hbs': '{{owner}} {{name}} {{region}}',
    });
    expect(summary(problems)).toEqual(['error question-order template.yaml:6', 'error undeclared-variable template.yaml:12']);
    expect(problems[0]!.message).toContain('owner.default uses "name", which is asked later');
  });
});

describe('variables', () => {
  it('reports a variable that is not a question, in a file and in a file name', async () => {
    const problems = await lint({
      'template.yaml': MANIFEST,
      'files/README.md.hbs': '# {{name}}\n\nport {{port}}\nby {{nmae}}\n',
      'files/{{service}}.txt': 'x',
    });
    expect(summary(problems)).toEqual(['error undeclared-variable files/README.md.hbs:4', 'error undeclared-variable files/{{service}}.txt:-']);
    expect(problems[0]!.message).toContain('did you mean "name"');
    expect(problems[0]!.column).toBe(6);
  });

  it('gives no false positives for helpers, data, this, block params, each/with contexts, raw and escapes', async () => {
    const problems = await lint({
      'template.yaml': `name: svc
version: 1.0.0
questions:
  - name: name
    type: string
  - name: items
    type: multiselect
    choices: [a, b]
  - name: settings
    type: string
  - name: ci
    type: select
    choices: [github, gitlab]
`,
      'files/a.txt.hbs': [
        '{{upper name}} {{json items 2}} {{@target}} {{@template.name}} {{this.name}} {{./name}}',
        '{{#each items}}{{label}} {{@index}} {{this}} {{../name}} {{@root.name}}{{/each}}',
        '{{#each items as |item i|}}{{item.value}} {{i}}{{/each}}',
        '{{#with settings}}{{anything}}{{else}}{{name}}{{/with}}',
        '{{#if (eq ci "github")}}gh{{else if (eq ci "gitlab")}}gl{{else}}none{{/if}}',
        '{{{{raw}}}}{{ notAnAnswer }} ${{ github.sha }}{{{{/raw}}}} \\{{ alsoLiteral }}',
        '{{!-- {{commented}} --}} {{! {{x}} }}',
        '{{join (split name ",") "-"}} {{default name "x"}} {{when (includes items "a") "yes"}}',
        '{{> greet who="you"}}',
      ].join('\n'),
      'partials/greet.hbs': 'Hello {{who}} from {{name}}',
    });
    expect(problems).toEqual([]);
  });

  it('follows ../ and @root back to the answers', async () => {
    const problems = await lint({
      'template.yaml': MANIFEST,
      'files/a.txt.hbs': '{{name}} {{port}}\n{{#each (split name ",")}}{{../nope}} {{@root.alsoNope}}{{/each}}',
    });
    expect(summary(problems)).toEqual(['error undeclared-variable files/a.txt.hbs:2', 'error undeclared-variable files/a.txt.hbs:2']);
    expect(problems.map((p) => p.message.match(/"(\w+)"/)![1])).toEqual(['nope', 'alsoNope']);
  });

  it('reports a variable used in a partial at the partial\'s line', async () => {
    const problems = await lint({
      'template.yaml': MANIFEST,
      'files/a.txt.hbs': '{{port}}\n{{> footer}}',
      'partials/footer.hbs': '--\n{{name}} {{team}}',
    });
    expect(summary(problems)).toEqual(['error undeclared-variable partials/footer.hbs:2']);
  });

  it('reports unknown helpers and partials', async () => {
    const problems = await lint({ 'template.yaml': MANIFEST, 'files/a.txt.hbs': '{{name}}\n{{frobnicate port}}\n{{> missing}}' });
    expect(summary(problems)).toEqual(['error unknown-helper files/a.txt.hbs:2', 'error unknown-partial files/a.txt.hbs:3']);
  });

  it('reports a Handlebars syntax error with its line', async () => {
    const problems = await lint({ 'template.yaml': MANIFEST, 'files/a.txt.hbs': '{{name}}\n{{port}}\n{{#if name}}\nunclosed\n' });
    expect(summary(problems)).toEqual(['error handlebars-syntax files/a.txt.hbs:5']);
  });

  it('warns when a file without .hbs uses an answer that will not be rendered', async () => {
    const problems = await lint({ 'template.yaml': MANIFEST, 'files/a.txt.hbs': '{{name}} {{port}}', 'files/b.txt': 'x\nhello {{ name }}' });
    expect(summary(problems)).toEqual(['warning not-rendered files/b.txt:2']);
  });
});

describe('unused questions', () => {
  it('warns about a question used nowhere, at its line', async () => {
    const problems = await lint({
      'template.yaml': `${MANIFEST}  - name: region
    type: string
  - name: team
    type: string
    default: "{{name}}-team"
  - name: debug
    type: boolean
  - name: level
    type: string
    when: "{{debug}}"
`,
      'files/a.txt.hbs': '{{port}} {{level}} {{team}}',
    });
    expect(summary(problems)).toEqual(['warning unused-question template.yaml:10']);
    expect(problems[0]!.message).toContain('"region"');
  });

  it('counts a name used inside #each as a possible use', async () => {
    const problems = await lint({ 'template.yaml': MANIFEST, 'files/a.txt.hbs': '{{name}}{{#each (split name ",")}}{{port}}{{/each}}' });
    expect(problems).toEqual([]);
  });
});

describe("other tools' {{ }}", () => {
  it('reports GitHub Actions ${{ }} that Handlebars would render, at its line', async () => {
    const problems = await lint({
      'template.yaml': MANIFEST,
      'files/ci.yml.hbs': 'name: {{name}}\non: push\njobs:\n  x:\n    steps:\n      - run: echo ${{ github.sha }} {{port}} {{nope}}\n      - run: echo $\\{{ github.ref }}\n',
    });
    // github (inside the expression) is not reported as a variable; nope, beside it, is.
    expect(summary(problems)).toEqual(['error github-actions-expression files/ci.yml.hbs:6', 'error undeclared-variable files/ci.yml.hbs:6']);
    expect(problems.map((p) => p.column)).toEqual([19, 48]);
    expect(problems[0]!.message).toContain('${{ github.sha }}');
  });

  it('reports Helm and Go templates, and not the syntax errors they cause', async () => {
    const problems = await lint({
      'template.yaml': MANIFEST,
      'files/chart/values.yaml.hbs': 'name: {{name}}\nimage: {{ .Values.image }}\n{{- if .Values.enabled }}\nport: {{port}}\n{{ end }}\n',
    });
    expect(summary(problems)).toEqual([
      'error go-template-expression files/chart/values.yaml.hbs:2',
      'error go-template-expression files/chart/values.yaml.hbs:3',
      'error go-template-expression files/chart/values.yaml.hbs:5',
    ]);
  });

  it('finds nothing in escaped braces, raw blocks and comments', () => {
    const source = '$\\{{ a }} \\{{ .Values.x }} {{{{raw}}}}${{ b }} {{- c }}{{{{/raw}}}} {{!-- ${{ d }} --}} {{./ok}} {{~name~}}';
    expect(findForeignExpressions(source)).toEqual([]);
  });
});

describe('secrets', () => {
  it('reports every use of a secret answer outside a secret file, a condition too (it would leak a bit)', async () => {
    const problems = await lint({
      'template.yaml': `${MANIFEST}  - name: apiToken
    type: string
    secret: true
`,
      'files/a.txt.hbs': '{{name}} {{port}}\n{{#if apiToken}}token set{{/if}} {{when (eq apiToken "") "none"}}\ntoken: {{apiToken}}\n{{upper apiToken}}',
      'files/{{apiToken}}.txt': 'x',
    });
    expect(summary(problems)).toEqual([
      'error secret-rendered files/a.txt.hbs:2',
      'error secret-rendered files/a.txt.hbs:3',
      'error secret-rendered files/a.txt.hbs:4',
      'error secret-rendered files/{{apiToken}}.txt:-',
    ]);
  });

  it('accepts a secret in a secret-policy file and the partials it uses; refuses it in a partial a plain file uses, a default, a when and a rename', async () => {
    const problems = await lint({
      'template.yaml': `name: svc
version: 1.0.0
questions:
  - name: name
    type: string
  - name: dbPassword
    type: string
    secret: true
  - name: dsn
    type: string
    default: "postgres://app:{{dbPassword}}@db"
  - name: audit
    type: boolean
    when: "{{dbPassword}}"
files:
  - glob: .env
    policy: secret
renames:
  - from: old.txt
    to: "{{dbPassword}}.txt"
`,
      'files/.env.hbs': 'DB_PASSWORD={{dbPassword}}\n{{> creds}}\n',
      'files/README.md.hbs': '# {{name}} {{dsn}} {{audit}}\n{{> leak}}\n',
      'partials/creds.hbs': 'PW={{dbPassword}}',
      'partials/leak.hbs': 'password: {{dbPassword}}',
    });
    const secretProblems = problems.filter((p) => p.code === 'secret-rendered');
    expect(secretProblems.map((p) => `${p.file}:${p.line ?? '-'}`).sort()).toEqual(['partials/leak.hbs:1', 'template.yaml:11', 'template.yaml:14', 'template.yaml:20']);
    expect(secretProblems.find((p) => p.file === 'partials/leak.hbs')?.message).toContain('files/README.md.hbs');
    expect(problems.filter((p) => p.severity === 'error').map((p) => p.code).sort()).toEqual(['secret-rendered', 'secret-rendered', 'secret-rendered', 'secret-rendered']);
  });
});

describe('paths', () => {
  it('reports paths that could leave the target or land in .git', async () => {
    const problems = await lint({
      'template.yaml': MANIFEST,
      'files/a.txt.hbs': '{{name}} {{port}}',
      'files/.git/hooks/pre-commit': '#!/bin/sh',
      'files/.platform.yaml': 'x',
      'files/{{when port "../escape"}}.txt': 'x',
      'files/{{when port "/etc/passwd"}}': 'x',
      'files/{{name}}/ok.txt': 'x',
    });
    expect(summary(problems)).toEqual([
      'error unsafe-path files/.git/hooks/pre-commit:-',
      'error unsafe-path files/.platform.yaml:-',
      'error unsafe-path files/{{when port "../escape"}}.txt:-',
      'error unsafe-path files/{{when port "/etc/passwd"}}:-',
    ]);
  });
});

describe('fixtures', () => {
  it('reports an answer that is not a question, with its line', async () => {
    const problems = await lint({ 'template.yaml': MANIFEST, 'files/a.txt.hbs': '{{name}} {{port}}', 'tests/x.yaml': 'name: a\nprot: 1\n' });
    expect(summary(problems)).toEqual(['error fixture-unknown-answer tests/x.yaml:2']);
    expect(problems[0]!.message).toContain('did you mean "port"');
  });
});

describe('analyze', () => {
  it('marks values that reach the output, and those only tested', () => {
    const parsed = parseHandlebars('{{#if a}}{{b}}{{/if}}{{#each c}}{{d}}{{/each}}{{when e "x"}}');
    if (!('ast' in parsed)) throw new Error('parse failed');
    const refs = analyze(parsed.ast).refs.map((r) => `${r.name}:${r.scope}:${r.rendered}`);
    expect(refs).toEqual(['a:root:false', 'b:root:true', 'c:root:true', 'd:nested:true', 'e:root:false']);
  });
});
