/**
 * `platform template init | lint | test` through the CLI's own entry point (run), on memfs:
 * the wiring, the human and JSON output, and the exit codes (0 ok, 2 invalid, 6 a check failed).
 */
import { describe, expect, it } from 'vitest';
import type { Fs } from '../../src/core/fs.js';
import { memoryFs } from '../helpers/memfs.js';
import { runInProcess, type InProcessResult } from '../helpers/in-process.js';

function platform(fs: Fs, args: string[], cwd = '/work'): Promise<InProcessResult> {
  return runInProcess(fs, args, { cwd });
}

const show = (r: InProcessResult) => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

describe('platform template', () => {
  it('init, lint and test a new template; a second init refuses the folder', async () => {
    const { fs } = memoryFs({ '/work/.keep': '' });
    const init = await platform(fs, ['template', 'init', 'hello', '--json']);
    expect(init.code, show(init)).toBe(0);
    expect(JSON.parse(init.stdout)).toMatchObject({ command: 'template init', ok: true, name: 'hello', version: '0.1.0' });

    const lint = await platform(fs, ['template', 'lint', 'hello']);
    expect(lint.code, show(lint)).toBe(0);
    expect(lint.stdout).toContain('✓ hello: no problems');

    const test = await platform(fs, ['template', 'test'], '/work/hello');
    expect(test.code, show(test)).toBe(0);
    expect(test.stdout).toContain('snapshot created in tests/__snapshots__/example');

    const again = await platform(fs, ['template', 'init', 'hello']);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('is not empty');
  });

  it('lint: errors fail with file:line (exit 2); --json lists the problems; warnings fail only with --strict', async () => {
    const { fs } = memoryFs({
      '/work/tpl/template.yaml': 'name: tpl\nversion: 1.0.0\nquestions:\n  - name: name\n    type: string\n  - name: unused\n    type: string\n',
      '/work/tpl/files/a.txt.hbs': '{{name}}\n{{nmae}}\n',
    });
    const human = await platform(fs, ['template', 'lint', 'tpl']);
    expect(human.code, show(human)).toBe(2);
    expect(human.stdout).toMatch(/^tpl\/files\/a\.txt\.hbs:2:3 {2}error {2}"nmae" is not a question/m);
    expect(human.stdout).toMatch(/^tpl\/template\.yaml:6:5 {2}warning {2}The question "unused" is used nowhere/m);

    const json = await platform(fs, ['template', 'lint', 'tpl', '--json']);
    expect(json.code).toBe(2);
    const document = JSON.parse(json.stdout) as { problems: unknown[]; exitCode: number };
    expect(document.exitCode).toBe(2);
    expect(document.problems).toEqual([
      { severity: 'warning', code: 'unused-question', message: expect.stringContaining('"unused"'), file: 'tpl/template.yaml', line: 6, column: 5 },
      { severity: 'error', code: 'undeclared-variable', message: expect.stringContaining('"nmae"'), file: 'tpl/files/a.txt.hbs', line: 2, column: 3 },
    ]);

    await fs.writeFile('/work/tpl/files/a.txt.hbs', '{{name}}\n');
    expect((await platform(fs, ['template', 'lint', 'tpl'])).code).toBe(0);
    expect((await platform(fs, ['template', 'lint', 'tpl', '--strict'])).code).toBe(2);
  });

  it('test: a changed file fails with a diff (exit 6); --update accepts it', async () => {
    const { fs } = memoryFs({
      '/work/tpl/template.yaml': 'name: tpl\nversion: 1.0.0\nquestions:\n  - name: greeting\n    type: string\n    default: Hello\n',
      '/work/tpl/files/a.txt.hbs': '{{greeting}}, world\n',
    });
    expect((await platform(fs, ['template', 'test', 'tpl'])).code).toBe(0);
    await fs.writeFile('/work/tpl/files/a.txt.hbs', '{{greeting}}, everyone\n');

    const failed = await platform(fs, ['template', 'test', 'tpl']);
    expect(failed.code, show(failed)).toBe(6);
    expect(failed.stdout).toContain('--- snapshot/a.txt');
    expect(failed.stdout).toContain('+++ rendered/a.txt');
    expect(failed.stdout).toContain('-Hello, world');
    expect(failed.stdout).toContain('+Hello, everyone');
    expect(failed.stdout).toContain('platform template test tpl --update');

    const json = await platform(fs, ['template', 'test', 'tpl', '--json']);
    expect(json.code).toBe(6);
    const document = JSON.parse(json.stdout) as { templates: Array<{ cases: Array<{ snapshot: string; differences: Array<{ path: string; diff: string }> }> }> };
    expect(document.templates[0]!.cases[0]!.snapshot).toBe('differs');
    expect(document.templates[0]!.cases[0]!.differences[0]!.diff).toContain('+Hello, everyone');

    const updated = await platform(fs, ['template', 'test', 'tpl', '--update']);
    expect(updated.code, show(updated)).toBe(0);
    expect(updated.stdout).toContain('snapshot updated');
    expect((await platform(fs, ['template', 'test', 'tpl'])).code).toBe(0);
  });

  it('test: a template that does not load is invalid input (exit 2) with its file and line', async () => {
    const { fs } = memoryFs({ '/work/tpl/template.yaml': 'name: tpl\nversion: 1.0.0\nquestions:\n  - name: x\n    type: nope\n', '/work/tpl/files/a.txt': 'a' });
    const r = await platform(fs, ['template', 'test', 'tpl']);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toMatch(/template\.yaml/);
    expect(r.stderr).toMatch(/line 5/);
  });

  it('a folder without a template is invalid input', async () => {
    const { fs } = memoryFs({ '/work/empty/.keep': '' });
    const r = await platform(fs, ['template', 'lint', 'empty']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('No template.yaml');
  });
});
