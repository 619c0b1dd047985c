/** `platform merge-file` through its own small entry (the one bin/platform.js dispatches to). */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main, trainCodeCache } from '../../src/cli/merge-file-entry.js';
import { lineMergeLimit } from '../../src/merge/line-merge-input.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'merge-file-cli-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function files(name: string, base: string, ours: string, theirs: string): [string, string, string] {
  const paths = ['ours', 'base', 'theirs'].map((side) => join(dir, `${side}-${name}`)) as [string, string, string];
  writeFileSync(paths[0], ours);
  writeFileSync(paths[1], base);
  writeFileSync(paths[2], theirs);
  return paths;
}

async function run(args: string[], readStdin?: (limit: number) => Uint8Array | undefined) {
  let stdout = '';
  let stderr = '';
  const streams = { stdout: { write: (s: string | Uint8Array) => ((stdout += typeof s === 'string' ? s : Buffer.from(s).toString()), true) }, stderr: { write: (s: string) => ((stderr += s), true) }, readStdin };
  const status = await main(args, streams as never, dir);
  return { status, stdout, stderr };
}

describe('platform merge-file (its own entry)', () => {
  it('merges by structure where lines conflict, prints with -p, exits 0', async () => {
    const [o, b, t] = files('ci.yml', 'jobs:\n  build:\n    run: make\n', 'jobs:\n  build:\n    run: make\n  e2e:\n    run: e2e\n', 'jobs:\n  build:\n    run: make\n  lint:\n    run: lint\n');
    const result = await run(['-p', o, b, t]);
    expect(result).toEqual({ status: 0, stdout: 'jobs:\n  build:\n    run: make\n  e2e:\n    run: e2e\n  lint:\n    run: lint\n', stderr: '' });
    expect(readFileSync(o, 'utf8')).toBe('jobs:\n  build:\n    run: make\n  e2e:\n    run: e2e\n');
  });

  it('writes CURRENT without -p; a conflict is git\'s markers with the labels (-Lx, --label=x, -L x), exit status 1', async () => {
    const [o, b, t] = files('c.yaml', 'replicas: 1\n', 'replicas: 2\n', 'replicas: 3\n');
    const result = await run(['-Lmine', '--label=base', '-L', 'template', o, b, t]);
    expect(result.status).toBe(1);
    expect(readFileSync(o, 'utf8')).toBe('<<<<<<< mine\nreplicas: 2\n=======\nreplicas: 3\n>>>>>>> template\n');
  });

  it('agrees with git merge-file byte for byte on text', async () => {
    const [o, b, t] = files('notes.txt', 'a\nb\nc\n', 'a!\nb\nc\n', 'a\nb\nc!\n');
    const result = await run(['-p', o, b, t]);
    expect(result.stdout).toBe(execFileSync('git', ['merge-file', '-p', o, b, t], { encoding: 'utf8' }));
  });

  it('a clean line merge that breaks the YAML: git\'s bytes, exit 1 and a warning naming the file', async () => {
    const [o, b, t] = files('dup.yaml', 'a: 1\nb: 2\nc: 3\n', 'new: x\na: 1\nb: 2\nc: 3\n', 'a: 1\nb: 2\nc: 3\nnew: x\n');
    const result = await run(['-p', '--path', 'config/dup.yaml', o, b, t]);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe(execFileSync('git', ['merge-file', '-p', o, b, t], { encoding: 'utf8' }));
    expect(result.stderr).toMatch(/^warning: config\/dup\.yaml: .*not valid YAML/);
  });

  it('refuses a FIFO instead of blocking on it (exit 255, nothing written)', async () => {
    const [o, b] = files('x.yaml', 'a: 1\n', 'a: 2\n', 'a: 3\n');
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const result = await run([o, b, fifo]);
    expect(result.status).toBe(255);
    expect(result.stderr).toContain('not a regular file');
    expect(readFileSync(o, 'utf8')).toBe('a: 2\n');
  });

  it('a missing file or the wrong number of files: exit 255 with what to do', async () => {
    const [o, b] = files('x.yaml', 'a: 1\n', 'a: 2\n', 'a: 3\n');
    expect(await run([o, b, join(dir, 'nope')])).toMatchObject({ status: 255, stderr: expect.stringContaining('Cannot read') });
    expect(await run([o, b])).toMatchObject({ status: 255, stderr: expect.stringContaining('three files') });
  });

  it('takes git\'s line merge from stdin (--line-merge -, as the merge driver pipes it): the same result as running git', async () => {
    const [o, b, t] = files('ci.yml', 'jobs:\n  build:\n    run: make\n', 'jobs:\n  build:\n    run: make\n  e2e:\n    run: e2e\n', 'jobs:\n  build:\n    run: make\n  lint:\n    run: lint\n');
    const labels = ['-L', 'ours', '-L', 'base', '-L', 'theirs'];
    const git = spawnSync('git', ['merge-file', '-p', ...labels, o, b, t], { encoding: 'utf8' });
    expect(git.status, 'git conflicts on these lines').toBe(1);
    const limits: number[] = [];
    const given = await run(['-p', '--line-merge', '-', ...labels, o, b, t], (limit) => (limits.push(limit), Buffer.from(`${git.stdout}\n${git.status}\n`)));
    expect(given).toEqual(await run(['-p', ...labels, o, b, t]));
    expect(given).toMatchObject({ status: 0, stderr: '' });
    // git's output is at most the three files and its markers: more than that is not read.
    expect(limits).toEqual([lineMergeLimit({ base: readFileSync(b), ours: readFileSync(o), theirs: readFileSync(t) }, { ours: 'ours', base: 'base', theirs: 'theirs' })]);
  });

  it('--line-merge -: the same bytes as running git, byte order marks and CRLF included', async () => {
    const labels = ['--path', 'c.yaml', '-L', 'ours', '-L', 'base', '-L', 'theirs'];
    for (const [bom, eol] of [['\ufeff', '\n'], ['\ufeff', '\r\n'], ['', '\r\n']]) {
      const text = (lines: string[]) => bom + lines.join(eol) + eol;
      // git merges these cleanly: its bytes are the result.
      const [o, b, t] = files('c.yaml', text(['a: 1', 'b: 1', 'c: 1']), text(['a: 2', 'b: 1', 'c: 1']), text(['a: 1', 'b: 1', 'c: 2']));
      const git = spawnSync('git', ['merge-file', '-p', '-L', 'ours', '-L', 'base', '-L', 'theirs', o, b, t]);
      expect(git.status).toBe(0);
      const given = await run(['-p', '--line-merge', '-', ...labels, o, b, t], () => Buffer.concat([git.stdout, Buffer.from(`\n${git.status}\n`)]));
      expect(given).toEqual(await run(['-p', ...labels, o, b, t]));
      expect(given.stdout).toBe(git.stdout.toString());
      expect(given.stdout.startsWith(bom)).toBe(true);
    }
  });

  it('--line-merge - given something that cannot be git\'s merge: a warning, and the merge git itself gives', async () => {
    const [o, b, t] = files('c.yaml', 'replicas: 1\n', 'replicas: 2\n', 'replicas: 3\n');
    const labels = ['--path', 'c.yaml', '-L', 'ours', '-L', 'base', '-L', 'theirs'];
    const expected = await run(['-p', ...labels, o, b, t]);
    expect(expected.status).toBe(1);
    for (const [stdin, why] of [
      [undefined, 'it could not be read, or is larger than'],
      ['', 'it does not end with a line holding'],
      // Whoever pipes into merge-file chose its arguments too: a well-formed clean merge is taken as git's.
      ['replicas: 2\n\n0\n', undefined],
      ['\n127\n', 'status 127 claims conflicts'],
      ['<<<<<<< ours\nreplicas: 2\n=======\nreplicas: 3\n>>>>>>> theirs\n\n0\n', 'status 0 claims a clean merge'],
    ] as const) {
      const result = await run(['-p', '--line-merge', '-', ...labels, o, b, t], () => (stdin === undefined ? undefined : Buffer.from(stdin)));
      if (why === undefined) {
        expect(result).toMatchObject({ status: 0, stdout: 'replicas: 2\n' });
        continue;
      }
      expect(result.stdout, JSON.stringify(stdin)).toBe(expected.stdout);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`warning: c.yaml: the line merge on stdin (--line-merge -) is unusable: ${why}`);
    }
  });

  it('--line-merge with anything but - (stdin): exit 255 with what to do, nothing written', async () => {
    const [o, b, t] = files('x.yaml', 'a: 1\n', 'a: 2\n', 'a: 3\n');
    const result = await run(['--line-merge', join(dir, 'merged'), o, b, t], () => Buffer.from('a: 9\n\n0\n'));
    expect(result).toMatchObject({ status: 255, stderr: expect.stringContaining('--line-merge') });
    expect(result.stderr).toContain('hint:');
    expect(readFileSync(o, 'utf8')).toBe('a: 2\n');
  });

  it('leaves --help, unknown options and bad --format values to the full CLI (same messages as before)', async () => {
    const [o, b, t] = files('x.yaml', 'a: 1\n', 'a: 2\n', 'a: 3\n');
    for (const args of [['--help'], ['--bogus', o, b, t], ['--format', 'xml', o, b, t], ['-L']]) expect((await run(args)).status).toBeUndefined();
  });
});

describe('what the merge-file entry loads', () => {
  it('none of the CLI\'s heavy dependencies: no commander, zod, handlebars, prompts, execa or chalk (esbuild\'s metafile)', async () => {
    const { build } = await import('esbuild');
    const result = await build({
      entryPoints: ['src/cli/merge-file-entry.ts'],
      bundle: true,
      platform: 'node',
      format: 'esm',
      splitting: true,
      outdir: join(dir, 'out'),
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const outputs = result.metafile.outputs;
    const entry = Object.keys(outputs).find((path) => outputs[path]!.entryPoint === 'src/cli/merge-file-entry.ts')!;
    // What a merge always loads: the entry and its static imports (yaml and diff come on demand).
    const loaded = new Set<string>();
    const visit = (path: string): void => {
      if (loaded.has(path)) return;
      loaded.add(path);
      for (const imported of outputs[path]!.imports) if (imported.kind === 'import-statement' && !imported.external) visit(imported.path);
    };
    visit(entry);
    const inputs = [...loaded].flatMap((path) => Object.keys(outputs[path]!.inputs));
    expect(inputs.filter((input) => input.includes('node_modules'))).toEqual([]);
    // And everything it can ever load, lazily: the merge's own modules, yaml and diff only.
    const all = new Set<string>();
    const visitAll = (path: string): void => {
      if (all.has(path)) return;
      all.add(path);
      for (const imported of outputs[path]!.imports) if (!imported.external) visitAll(imported.path);
    };
    visitAll(entry);
    const packages = new Set([...all].flatMap((path) => Object.keys(outputs[path]!.inputs)).map((input) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1]).filter(Boolean));
    expect([...packages].sort()).toEqual(['diff', 'yaml']);
  });
});

describe('the merges that train its code cache', () => {
  it('take the paths real merges take: YAML and JSON settled by structure where lines conflict, clean ones by lines, text', async () => {
    // bin/code-cache.js saves the cache after these ran: a sample that stopped reaching the
    // structure path would leave it to compile on every merge that needs it.
    expect(await trainCodeCache()).toEqual([
      { path: 'ci.yml', method: 'structure', conflicts: 0 },
      { path: 'ci.yml', method: 'text', conflicts: 0 },
      { path: 'package.json', method: 'text', conflicts: 0 },
      { path: 'package.json', method: 'structure', conflicts: 0 },
      { path: 'notes.txt', method: 'text', conflicts: 1 },
    ]);
  });
});
