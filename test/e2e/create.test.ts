/**
 * create-service, non-interactive: files, lockfile, --json, --dry-run, --answers,
 * non-empty targets, --force conflicts and the usage errors (exit 2).
 * Runs the packed CLI (see harness.ts); every test has its own temp folder.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { cli, installedBins, tempDir, type CliOptions, type CliResult } from './harness.js';

// ---------------------------------------------------------------- helpers

const NO_STEPS = ['--no-install', '--no-git'];
/** Tests whose expectations are specific to service 1.0.0 (questions, files, policies) pin it. */
const V1 = ['--template', 'service@1.0.0'];
const V1_QUESTIONS = ['name', 'owner', 'description', 'port', 'nodeVersion'];

/** Every file under dir (relative, '/'-separated) with its bytes. */
function tree(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const abs = join(d, e.name);
      if (e.isDirectory()) walk(abs);
      else files.set(relative(dir, abs).split('\\').join('/'), readFileSync(abs));
    }
  };
  walk(dir);
  return files;
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** The built-in service template as packed: its folder in the installed package. */
async function serviceRoot(): Promise<string> {
  const { prefix } = await installedBins();
  return join(prefix, 'node_modules', 'create-service', 'templates', 'service');
}

const bySemver = (a: string, b: string) => {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
};

/** The newest packed version of service (what `--template service` means). */
async function latestService(): Promise<string> {
  const versions = readdirSync(await serviceRoot()).filter((v) => /^\d+\.\d+\.\d+$/.test(v)).sort(bySemver);
  expect(versions).toContain('1.0.0');
  return versions.at(-1)!;
}

/** The paths a version of service renders, read from the installed package (".hbs" dropped). */
async function templateFiles(version = '1.0.0'): Promise<string[]> {
  const root = join(await serviceRoot(), version, 'files');
  const paths = [...tree(root).keys()].map((p) => p.replace(/\.hbs$/, '')).sort();
  // guard against an empty or wrong folder making the assertions below vacuous
  expect(paths).toEqual(expect.arrayContaining(['package.json', 'src/server.ts', 'src/config.ts', 'Dockerfile', '.env.example', 'catalog-info.yaml', 'README.md']));
  return paths;
}

/** The question names of a version of service, from its template.yaml. */
async function questionsOf(version: string): Promise<string[]> {
  const manifest = parseYaml(readFileSync(join(await serviceRoot(), version, 'template.yaml'), 'utf8')) as { questions: Array<{ name?: string; use?: string }> };
  const names = manifest.questions.map((q) => q.name ?? q.use);
  expect(names).toEqual(expect.arrayContaining(V1_QUESTIONS));
  return names;
}

interface LockTemplate {
  name: string;
  version: string;
  source: string;
  answers: Record<string, unknown>;
  files: Record<string, { policy: string; sha256: string }>;
}
interface Lock { schemaVersion: number; templates: LockTemplate[] }

function readLock(dir: string): Lock {
  return parseYaml(readFileSync(join(dir, '.platform.yaml'), 'utf8')) as Lock;
}

/** stdout must be exactly one JSON document. */
function jsonDoc(r: CliResult): Record<string, any> {
  let doc: unknown;
  expect(() => { doc = JSON.parse(r.stdout); }, `stdout is not one JSON document:\n${r.stdout}\n--- stderr ---\n${r.stderr}`).not.toThrow();
  expect(doc).toBeTypeOf('object');
  return doc as Record<string, any>;
}

const out = (r: CliResult) => `exit ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;

function expectedPolicy(path: string): string {
  if (path === 'Dockerfile' || path === '.dockerignore') return 'owned';
  return 'merge';
}

/**
 * create-service with service@1.0.0 (the template these expectations describe) and no
 * install/git steps. V1 goes first so a --template in args wins (commander keeps the last).
 */
function create(args: string[], opts: CliOptions) {
  return cli('create-service', [...V1, ...args, ...NO_STEPS], opts);
}

/** Every file on disk must be recorded by exactly one template of the lockfile, with the sha256 of its bytes. */
function expectLockMatchesDisk(dir: string): Lock {
  const lock = readLock(dir);
  expect(lock.schemaVersion).toBe(1);
  const files = tree(dir);
  files.delete('.platform.yaml');
  const recorded = new Map<string, { policy: string; sha256: string }>();
  for (const t of lock.templates) {
    expect(t.source, t.name).toBe('builtin');
    for (const [path, entry] of Object.entries(t.files)) {
      expect(recorded.has(path), `${path} recorded twice`).toBe(false);
      recorded.set(path, entry);
    }
  }
  expect([...recorded.keys()].sort()).toEqual([...files.keys()].sort());
  for (const [path, bytes] of files) {
    expect(recorded.get(path)!.policy, path).toMatch(/^[a-z]+$/);
    expect(recorded.get(path)!.sha256, path).toBe(sha256(bytes));
  }
  return lock;
}

const service = (lock: Lock) => lock.templates.find((t) => t.name === 'service')!;

// ---------------------------------------------------------------- tests

describe('without --template (the default golden path)', () => {
  it('creates the service and a lockfile recording every file on disk with its policy and sha256', async () => {
    const cwd = tempDir();
    const r = await cli('create-service', ['payments-api', '--yes', ...NO_STEPS], { cwd, stdin: 'closed' });
    expect(r.code, out(r)).toBe(0);
    const dir = join(cwd, 'payments-api');
    const lock = expectLockMatchesDisk(dir);
    const s = service(lock);
    expect(s).toMatchObject({ name: 'service', version: await latestService(), source: 'builtin' });
    expect(Object.keys(s.answers)).toEqual(expect.arrayContaining(await questionsOf(s.version)));
    expect(s.answers).toMatchObject({ name: 'payments-api', owner: 'payments-api-team', description: 'The payments-api HTTP service', port: 8080, nodeVersion: '22' });
    for (const path of await templateFiles(s.version)) expect(Object.keys(s.files), path).toContain(path);
    expect((JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string }).name).toBe('payments-api');
  });

  it('--json: one document whose files[] are exactly the files written', async () => {
    const cwd = tempDir();
    const r = await cli('create-service', ['svc', '--yes', '--json', ...NO_STEPS], { cwd });
    expect(r.code, out(r)).toBe(0);
    const doc = jsonDoc(r);
    expect(doc).toMatchObject({ command: 'create', ok: true, exitCode: 0 });
    expect(doc.templates).toContainEqual(expect.objectContaining({ name: 'service', version: await latestService() }));
    const files = doc.files as Array<{ path: string; action: string }>;
    expect(files.map((f) => f.path).sort()).toEqual([...tree(join(cwd, 'svc')).keys()].sort());
    expect(files.filter((f) => f.path !== '.platform.yaml').every((f) => f.action === 'create')).toBe(true);
  });

  it('--dry-run writes nothing and lists every file a real run writes', async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'dry'));
    mkdirSync(join(cwd, 'real'));
    const dry = await cli('create-service', ['svc', '--yes', '--dry-run', ...NO_STEPS], { cwd: join(cwd, 'dry') });
    expect(dry.code, out(dry)).toBe(0);
    expect(readdirSync(join(cwd, 'dry'))).toEqual([]);
    const real = await cli('create-service', ['svc', '--yes', ...NO_STEPS], { cwd: join(cwd, 'real') });
    expect(real.code, out(real)).toBe(0);
    const listed = new Set(dry.stdout.split('\n').map((l) => l.trim().split(/\s+/).pop()));
    const written = [...tree(join(cwd, 'real', 'svc')).keys()];
    expect(written.length).toBeGreaterThan(20);
    for (const path of written) expect(listed.has(path), `${path} listed by --dry-run`).toBe(true);
  });

  it('without a terminal and without --yes: exit 2 without waiting for input, naming every unanswered question (the service\'s too), nothing written', async () => {
    const cwd = tempDir();
    // stdin stays open and unwritten: a CLI that waited for it would be killed at the harness timeout
    const r = await cli('create-service', ['svc', ...NO_STEPS], { cwd, stdin: 'pipe-open', env: { CI: '' } });
    expect(r.timedOut, out(r)).toBe(false);
    expect(r.code, out(r)).toBe(2);
    for (const q of V1_QUESTIONS) expect(r.stderr).toContain(`--set ${q}=`);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('platform templates --json and the lockfile agree on the latest service version', async () => {
    const cwd = tempDir();
    const list = await cli('platform', ['templates', '--json'], { cwd });
    expect(list.code, out(list)).toBe(0);
    const latest = (JSON.parse(list.stdout) as { templates: Array<{ name: string; latest: string }> }).templates.find((t) => t.name === 'service')!.latest;
    expect(latest).toBe(await latestService());
    const r = await cli('create-service', ['svc', '--yes', '-t', 'service', ...NO_STEPS], { cwd });
    expect(r.code, out(r)).toBe(0);
    expect(service(readLock(join(cwd, 'svc'))).version).toBe(latest);
  });
});

describe('create-service --template service@1.0.0 --yes', () => {
  it('creates exactly its files; the lockfile records schemaVersion 1, service 1.0.0 builtin, the answers, and per file the policy and sha256', async () => {
    const cwd = tempDir();
    const r = await create(['payments-api', '--yes'], { cwd, stdin: 'closed' });
    expect(r.code, out(r)).toBe(0);
    const dir = join(cwd, 'payments-api');
    const expected = await templateFiles('1.0.0');
    const files = tree(dir);
    expect([...files.keys()].sort()).toEqual([...expected, '.platform.yaml'].sort());
    const lock = expectLockMatchesDisk(dir);
    expect(lock.templates).toHaveLength(1);
    const t = lock.templates[0]!;
    expect({ name: t.name, version: t.version, source: t.source }).toEqual({ name: 'service', version: '1.0.0', source: 'builtin' });
    expect(t.answers).toEqual({
      name: 'payments-api',
      owner: 'payments-api-team',
      description: 'The payments-api HTTP service',
      port: 8080,
      nodeVersion: '22',
    });
    expect(Object.keys(t.files).sort()).toEqual(expected);
    for (const path of expected) {
      expect(t.files[path], path).toEqual({ policy: expectedPolicy(path), sha256: sha256(files.get(path)!) });
    }
    expect(r.stdout).toContain('payments-api');
  });

  it('--set answers land in the lockfile and in the rendered files (service@1.0.0)', async () => {
    const cwd = tempDir();
    const r = await create(['payments-api', '--yes', '--set', 'owner=team-payments', '--set', 'port=9090'], { cwd });
    expect(r.code, out(r)).toBe(0);
    const dir = join(cwd, 'payments-api');
    const t = readLock(dir).templates[0]!;
    expect(t.answers).toMatchObject({ name: 'payments-api', owner: 'team-payments', port: 9090, nodeVersion: '22' });

    const read = (p: string) => readFileSync(join(dir, p), 'utf8');
    expect(read('.env.example')).toMatch(/^PORT=9090$/m);
    expect(read('src/config.ts')).toContain('.default(9090)');
    expect(read('Dockerfile')).toMatch(/^EXPOSE 9090$/m);
    expect(read('README.md')).toContain('team-payments');
    const catalog = parseYaml(read('catalog-info.yaml')) as { metadata: { name: string }; spec: { owner: string } };
    expect(catalog.spec.owner).toBe('team-payments');
    expect(catalog.metadata.name).toBe('payments-api');
    expect(read('.env.example')).not.toContain('8080');
  });

  it('without a directory, --set name=... names the folder', async () => {
    const cwd = tempDir();
    const r = await create(['--yes', '--set', 'name=orders-api'], { cwd });
    expect(r.code, out(r)).toBe(0);
    expect(readLock(join(cwd, 'orders-api')).templates[0]!.answers.name).toBe('orders-api');
  });
  it('`.` creates the service in the current (empty) folder, named after it', async () => {
    const cwd = join(tempDir(), 'my-svc');
    mkdirSync(cwd);
    const r = await create(['.', '--yes'], { cwd });
    expect(r.code, out(r)).toBe(0);
    expect(readLock(cwd).templates[0]!.answers).toMatchObject({ name: 'my-svc', owner: 'my-svc-team' });
    expect(existsSync(join(cwd, 'package.json'))).toBe(true);
  });

  it('a nested path creates the missing parents; the name is the last segment', async () => {
    const cwd = tempDir();
    const r = await create(['services/payments/', '--yes'], { cwd });
    expect(r.code, out(r)).toBe(0);
    expect(readLock(join(cwd, 'services', 'payments')).templates[0]!.answers.name).toBe('payments');
  });

  it('a folder name that is not kebab-case gives a kebab-case name (PaymentsAPI: payments-api); --set name still wins', async () => {
    const cwd = tempDir();
    const r = await create(['PaymentsAPI', '--yes'], { cwd });
    expect(r.code, out(r)).toBe(0);
    expect(readLock(join(cwd, 'PaymentsAPI')).templates[0]!.answers.name).toBe('payments-api');
    const named = await create(['Orders Svc', '--yes', '--set', 'name=orders'], { cwd });
    expect(named.code, out(named)).toBe(0);
    expect(readLock(join(cwd, 'Orders Svc')).templates[0]!.answers.name).toBe('orders');
  });

  it("--yes with stdin 'pipe-open' does not wait for input", async () => {
    const cwd = tempDir();
    const r = await create(['svc', '--yes'], { cwd, stdin: 'pipe-open' });
    expect(r.timedOut, out(r)).toBe(false);
    expect(r.code, out(r)).toBe(0);
  });

  it('--template service@1.0.0 picks that version; -t service the latest', async () => {
    const cwd = tempDir();
    const a = await create(['a', '--yes', '--template', 'service@1.0.0'], { cwd });
    const b = await create(['b', '-y', '-t', 'service'], { cwd });
    expect(a.code, out(a)).toBe(0);
    expect(b.code, out(b)).toBe(0);
    expect(readLock(join(cwd, 'a')).templates[0]).toMatchObject({ name: 'service', version: '1.0.0' });
    expect(readLock(join(cwd, 'b')).templates[0]).toMatchObject({ name: 'service', version: await latestService() });
  });
});

describe('--json (service@1.0.0)', () => {
  it('prints exactly one JSON document on stdout and the human lines on stderr', async () => {
    const cwd = tempDir();
    const r = await create(['svc', '--yes', '--json'], { cwd });
    expect(r.code, out(r)).toBe(0);
    const doc = jsonDoc(r);
    expect(doc).toMatchObject({ command: 'create', ok: true, exitCode: 0 });
    expect(doc.templates).toEqual([expect.objectContaining({ name: 'service', version: '1.0.0' })]);
    const files = doc.files as Array<{ path: string; action: string }>;
    for (const f of files) {
      expect(f.path).toBeTypeOf('string');
      expect(f.action).toBeTypeOf('string');
    }
    const expected = await templateFiles('1.0.0');
    expect(files.filter((f) => f.path !== '.platform.yaml').map((f) => f.path).sort()).toEqual(expected);
    expect(files.filter((f) => f.path !== '.platform.yaml').every((f) => f.action === 'create')).toBe(true);
    expect(files.map((f) => f.path)).toContain('.platform.yaml');
    expect(r.stderr).toContain('Creating svc');
    expect(r.stderr).toContain('src/server.ts');
    expect(existsSync(join(cwd, 'svc', 'package.json'))).toBe(true);
  });

  it('on failure (bad --set) still prints one JSON document with ok:false, exitCode 2 and the error', async () => {
    const cwd = tempDir();
    const r = await create(['svc', '--yes', '--json', '--set', 'port=80'], { cwd });
    expect(r.code, out(r)).toBe(2);
    const doc = jsonDoc(r);
    expect(doc).toMatchObject({ command: 'create', ok: false, exitCode: 2 });
    const err = doc.errors[0] as { code: unknown; message: unknown; hint: unknown };
    expect(err.code).toBeTypeOf('string');
    expect(err.message).toMatch(/port.*at least 1024/);
    expect(err.hint).toBeTypeOf('string');
    expect(String(err.hint).length).toBeGreaterThan(0);
    expect(r.stderr).toContain('at least 1024');
    expect(existsSync(join(cwd, 'svc'))).toBe(false);
  });

  it('a usage error from the flag parser is JSON too', async () => {
    const cwd = tempDir();
    const r = await create(['svc', '--json', '--yess'], { cwd });
    expect(r.code, out(r)).toBe(2);
    const doc = jsonDoc(r);
    expect(doc).toMatchObject({ ok: false, exitCode: 2 });
    expect(doc.errors[0]).toMatchObject({ code: expect.any(String), message: expect.stringContaining('--yess'), hint: expect.any(String) });
  });
});

describe('without a terminal and without --yes (service@1.0.0)', () => {
  const cases: Array<{ label: string; stdin: 'closed' | 'pipe-open'; env: Record<string, string> }> = [
    { label: 'stdin closed', stdin: 'closed', env: { CI: '' } },
    { label: "stdin 'pipe-open' (never written, never closed)", stdin: 'pipe-open', env: { CI: '' } },
    { label: 'CI=true and TERM=dumb', stdin: 'pipe-open', env: { CI: 'true', TERM: 'dumb' } },
  ];
  for (const c of cases) {
    it(`${c.label}: exits 2 without waiting for input, naming every unanswered question and its --set flag; writes nothing`, async () => {
      const cwd = tempDir();
      const r = await create(['svc'], { cwd, stdin: c.stdin, env: c.env });
      expect(r.timedOut, out(r)).toBe(false);
      expect(r.code, out(r)).toBe(2);
      for (const q of V1_QUESTIONS) {
        expect(r.stderr, q).toContain(q);
        expect(r.stderr, q).toContain(`--set ${q}=`);
      }
      expect(existsSync(join(cwd, 'svc'))).toBe(false);
      expect(readdirSync(cwd)).toEqual([]);
    });
  }

  it('names only the questions --set did not answer', async () => {
    const cwd = tempDir();
    const r = await create(['svc', '--set', 'owner=team-a', '--set', 'port=9000'], { cwd });
    expect(r.code, out(r)).toBe(2);
    for (const q of ['name', 'description', 'nodeVersion']) expect(r.stderr).toContain(`--set ${q}=`);
    expect(r.stderr).not.toContain('--set owner=');
    expect(r.stderr).not.toContain('--set port=');
    expect(existsSync(join(cwd, 'svc'))).toBe(false);
  });

  it('with no directory either: exits 2 and says how to name it', async () => {
    const cwd = tempDir();
    const r = await create([], { cwd });
    expect(r.timedOut, out(r)).toBe(false);
    expect(r.code, out(r)).toBe(2);
    expect(r.stderr).toMatch(/directory/i);
    expect(r.stderr).toContain('--set name=');
    expect(readdirSync(cwd)).toEqual([]);
  });
});

describe('--dry-run', () => {
  it('writes nothing and lists every file that would be written', async () => {
    const cwd = tempDir();
    const r = await create(['svc', '--yes', '--dry-run'], { cwd });
    expect(r.code, out(r)).toBe(0);
    expect(existsSync(join(cwd, 'svc'))).toBe(false);
    expect(readdirSync(cwd)).toEqual([]);
    const listed = new Set(r.stdout.split('\n').map((l) => l.trim().split(/\s+/).pop()));
    for (const path of [...(await templateFiles('1.0.0')), '.platform.yaml']) expect(listed.has(path), `${path} listed\n${r.stdout}`).toBe(true);
    expect(r.stdout).toMatch(/dry run/i);
  });

  it('with --force over a differing file: reports the conflict, exits 3, writes nothing', async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'svc'));
    writeFileSync(join(cwd, 'svc', 'README.md'), 'mine\n');
    const r = await create(['svc', '--yes', '--force', '--dry-run'], { cwd });
    expect(r.code, out(r)).toBe(3);
    expect(r.stdout).toMatch(/conflict\s+README\.md/);
    expect([...tree(join(cwd, 'svc'))]).toEqual([['README.md', Buffer.from('mine\n')]]);
  });

  it('with --json: the document lists the files and nothing is written', async () => {
    const cwd = tempDir();
    const r = await create(['svc', '--yes', '--dry-run', '--json'], { cwd });
    expect(r.code, out(r)).toBe(0);
    const doc = jsonDoc(r);
    expect(doc).toMatchObject({ ok: true, exitCode: 0, dryRun: true });
    const paths = (doc.files as Array<{ path: string }>).map((f) => f.path);
    expect(paths.sort()).toEqual([...(await templateFiles('1.0.0')), '.platform.yaml'].sort());
    expect(readdirSync(cwd)).toEqual([]);
  });
});

describe('--answers FILE', () => {
  it('reads a YAML answers file', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'answers.yaml'), 'owner: team-yaml\nport: 9091\nnodeVersion: "24"\ndescription: From YAML\n');
    const r = await create(['svc', '--yes', '--answers', 'answers.yaml'], { cwd });
    expect(r.code, out(r)).toBe(0);
    expect(readLock(join(cwd, 'svc')).templates[0]!.answers).toEqual({
      name: 'svc', owner: 'team-yaml', description: 'From YAML', port: 9091, nodeVersion: '24',
    });
    expect(readFileSync(join(cwd, 'svc', '.nvmrc'), 'utf8').trim()).toBe('24');
  });

  it('reads a JSON answers file that answers every question of service@1.0.0 (no --yes needed)', async () => {
    const cwd = tempDir();
    const answers = { name: 'svc', owner: 'team-json', description: 'From JSON', port: 9092, nodeVersion: '22' };
    writeFileSync(join(cwd, 'answers.json'), JSON.stringify(answers, null, 2));
    const r = await create(['svc', '--answers', 'answers.json'], { cwd });
    expect(r.code, out(r)).toBe(0);
    expect(readLock(join(cwd, 'svc')).templates[0]!.answers).toEqual(answers);
  });

  it('a syntax error exits 2 naming the file and the line', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'answers.yaml'), 'owner: team-a\nport: 9091\ndescription: a: b\n');
    const r = await create(['svc', '--yes', '--answers', 'answers.yaml'], { cwd });
    expect(r.code, out(r)).toBe(2);
    expect(r.stderr).toMatch(/answers\.yaml:3\b/);
    expect(readdirSync(cwd)).toEqual(['answers.yaml']);
  });

  it('a syntax error in a JSON file exits 2 naming the file and the line', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'answers.json'), '{\n  "owner": "team-j",\n  "port": 9092,,\n  "nodeVersion": "24"\n}\n');
    const r = await create(['svc', '--yes', '--answers', 'answers.json'], { cwd });
    expect(r.code, out(r)).toBe(2);
    expect(r.stderr).toMatch(/answers\.json:3\b/);
    expect(readdirSync(cwd)).toEqual(['answers.json']);
  });

  it('an unknown key exits 2 naming the file, the line and the closest question', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'answers.yaml'), 'owner: team-a\n\nprot: 9091\n');
    const r = await create(['svc', '--yes', '--answers', 'answers.yaml'], { cwd });
    expect(r.code, out(r)).toBe(2);
    expect(r.stderr).toMatch(/answers\.yaml:3\b/);
    expect(r.stderr).toContain('prot');
    expect(r.stderr).toMatch(/Did you mean "?port"?/);
    expect(existsSync(join(cwd, 'svc'))).toBe(false);
  });

  it('an invalid value exits 2 naming the file, the line and the rule', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'answers.yaml'), 'owner: team-a\nport: 80\n');
    const r = await create(['svc', '--yes', '--answers', 'answers.yaml'], { cwd });
    expect(r.code, out(r)).toBe(2);
    expect(r.stderr).toMatch(/answers\.yaml:2\b/);
    expect(r.stderr).toContain('at least 1024');
    expect(existsSync(join(cwd, 'svc'))).toBe(false);
  });

  it('a missing answers file exits 2 naming it', async () => {
    const cwd = tempDir();
    const r = await create(['svc', '--yes', '--answers', 'nope.yaml'], { cwd });
    expect(r.code, out(r)).toBe(2);
    expect(r.stderr).toContain('nope.yaml');
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('--set wins over the file', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'answers.yaml'), 'owner: team-file\nport: 9091\n');
    const r = await create(['svc', '--yes', '--answers', 'answers.yaml', '--set', 'port=9999'], { cwd });
    expect(r.code, out(r)).toBe(0);
    expect(readLock(join(cwd, 'svc')).templates[0]!.answers).toMatchObject({ owner: 'team-file', port: 9999 });
    expect(readFileSync(join(cwd, 'svc', '.env.example'), 'utf8')).toMatch(/^PORT=9999$/m);
  });
});

describe('an existing target folder', () => {
  it('non-empty without --force: exit 2, says not empty, writes nothing', async () => {
    const cwd = tempDir();
    const dir = join(cwd, 'svc');
    mkdirSync(dir);
    writeFileSync(join(dir, 'notes.txt'), 'my notes\n');
    const r = await create(['svc', '--yes'], { cwd });
    expect(r.code, out(r)).toBe(2);
    expect(r.stderr).toMatch(/not empty/i);
    expect(r.stderr).toContain('--force');
    expect([...tree(dir)]).toEqual([['notes.txt', Buffer.from('my notes\n')]]);
  });

  it('an empty folder is fine without --force', async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'svc'));
    const r = await create(['svc', '--yes'], { cwd });
    expect(r.code, out(r)).toBe(0);
    expect(existsSync(join(cwd, 'svc', '.platform.yaml'))).toBe(true);
  });

  it('--force keeps an identical file, turns a different one into a conflict with both texts, exits 3, leaves other files alone', async () => {
    const cwd = tempDir();
    // what the template renders for these answers, in a sibling folder with the same name
    const ref = join(cwd, 'ref');
    mkdirSync(ref);
    const rr = await create(['svc', '--yes'], { cwd: ref });
    expect(rr.code, out(rr)).toBe(0);
    const rendered = tree(join(ref, 'svc'));

    const dir = join(cwd, 'svc');
    mkdirSync(dir);
    writeFileSync(join(dir, '.editorconfig'), rendered.get('.editorconfig')!);
    writeFileSync(join(dir, 'README.md'), 'my own readme\nline two\n');
    writeFileSync(join(dir, 'notes.txt'), 'my notes\n');

    const r = await create(['svc', '--yes', '--force', '--json'], { cwd });
    expect(r.code, out(r)).toBe(3);
    const doc = jsonDoc(r);
    expect(doc).toMatchObject({ ok: false, exitCode: 3 });
    const action = (p: string) => (doc.files as Array<{ path: string; action: string }>).find((f) => f.path === p)?.action;
    expect(action('.editorconfig')).toBe('keep');
    expect(action('README.md')).toBe('conflict');
    expect(action('package.json')).toBe('create');

    expect(readFileSync(join(dir, '.editorconfig'))).toEqual(rendered.get('.editorconfig'));
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('my notes\n');

    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    const m = /^<<<<<<< [^\n]*\n([\s\S]*?)^=======\n([\s\S]*?)^>>>>>>> [^\n]*$/m.exec(readme);
    expect(m, readme).not.toBeNull();
    expect(m![1]).toBe('my own readme\nline two\n');
    expect(m![2]).toBe(rendered.get('README.md')!.toString('utf8'));

    // every other template file is written as rendered
    for (const [path, bytes] of rendered) {
      if (path === 'README.md' || path === '.platform.yaml') continue;
      expect(readFileSync(join(dir, path)), path).toEqual(bytes);
    }
    expect(r.stderr).toContain('README.md');
  });

  it('running create twice into the same folder: the same inputs are a no-op (exit 0); other answers exit 2 and point to `platform upgrade`', async () => {
    const cwd = tempDir();
    const first = await create(['svc', '--yes'], { cwd });
    expect(first.code, out(first)).toBe(0);
    const before = tree(join(cwd, 'svc'));
    for (const extra of [[], ['--force']]) {
      const same = await create(['svc', '--yes', ...extra], { cwd });
      expect(same.code, out(same)).toBe(0);
      expect(same.stdout).toContain('already created');
      expect(same.stdout).toContain('nothing to do');
      expect(tree(join(cwd, 'svc'))).toEqual(before);
      const other = await create(['svc', '--yes', '--set', 'owner=another-team', ...extra], { cwd });
      expect(other.code, out(other)).toBe(2);
      expect(other.stderr).toContain('owner is "svc-team" here, "another-team" now');
      expect(other.stderr).toContain('platform upgrade');
      expect(tree(join(cwd, 'svc'))).toEqual(before);
    }
  });

  it('a file where the folder should be: exit 2', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'svc'), 'a file\n');
    const r = await create(['svc', '--yes'], { cwd });
    expect(r.code, out(r)).toBe(2);
    expect(readFileSync(join(cwd, 'svc'), 'utf8')).toBe('a file\n');
  });
});

describe('answers with special characters', () => {
  function expectValidFiles(dir: string, description: string): void {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { description: string };
    expect(pkg.description).toBe(description);
    const catalog = parseYaml(readFileSync(join(dir, 'catalog-info.yaml'), 'utf8')) as { metadata: { description: string } };
    expect(catalog.metadata.description.replace(/\s+/g, ' ')).toBe(description.replace(/\s+/g, ' '));
    expect(readLock(dir).templates[0]!.answers.description).toBe(description);
  }

  it('quotes, ampersands, colons and hashes reach package.json, catalog-info.yaml and the lockfile unescaped', async () => {
    const cwd = tempDir();
    const description = 'Payments & "quotes": <refunds> #1 \'single\' {{braces}}';
    const r = await create(['svc', '--yes', '--set', `description=${description}`], { cwd });
    expect(r.code, out(r)).toBe(0);
    expectValidFiles(join(cwd, 'svc'), description);
    expect(readFileSync(join(cwd, 'svc', 'README.md'), 'utf8')).toContain(description);
  });

  it('a "one-line description" holding a line break is refused (exit 2) or still renders a valid catalog-info.yaml', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'answers.yaml'), 'description: "line one\\nline two"\n');
    const r = await create(['svc', '--yes', '--answers', 'answers.yaml'], { cwd });
    if (r.code === 0) {
      expectValidFiles(join(cwd, 'svc'), 'line one\nline two');
    } else {
      expect(r.code, out(r)).toBe(2);
      expect(r.stderr).toContain('description');
      expect(existsSync(join(cwd, 'svc'))).toBe(false);
    }
  });
});

describe('usage errors (exit 2)', () => {
  const cases: Array<{ args: string[]; expect: Array<string | RegExp> }> = [
    { args: ['--template', 'servce'], expect: [/Did you mean "?service"?/, /Available:.*\bservice \(1\.0\.0/] },
    { args: ['--template', 'service@9.9.9'], expect: ['9.9.9', /versions.*1\.0\.0/] },
    { args: ['--yess'], expect: ['--yess', /Did you mean --yes\?/] },
    { args: ['--set', 'port=80'], expect: ['at least 1024'] },
    { args: ['--set', 'port=abc'], expect: ['port', 'number'] },
    { args: ['--set', 'port=8080.5'], expect: ['whole number'] },
    { args: ['--set', 'nope=1'], expect: ['not a question'] },
    { args: ['--set', 'port'], expect: ['key=value'] },
    { args: ['--set', 'name=Payments_API'], expect: ['kebab-case'] },
    { args: ['--set', 'nodeVersion=20'], expect: ['22', '24'] },
    { args: ['one', 'two'], expect: [/too many arguments|unexpected|excess/i] },
  ];
  for (const c of cases) {
    it(`create-service svc --yes ${c.args.join(' ')}`, async () => {
      const cwd = tempDir();
      const r = await create([...(c.args[0] === 'one' ? [] : ['svc']), '--yes', ...c.args], { cwd });
      expect(r.code, out(r)).toBe(2);
      for (const e of c.expect) expect(r.stderr).toMatch(typeof e === 'string' ? new RegExp(e.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : e);
      expect(r.stderr).not.toMatch(/^\s+at .*\.js:\d+/m); // no stack trace
      expect(readdirSync(cwd)).toEqual([]);
    });
  }
});
