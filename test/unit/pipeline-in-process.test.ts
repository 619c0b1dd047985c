/**
 * create, add and upgrade are one pipeline, run here in-process through the CLI's own entry on
 * memfs with a recording git. Promises: a dry run and a real run of the same scenario exit with
 * the same code and the dry run changes nothing; the three commands print one JSON shape; git is
 * asked only what each step needs.
 */
import { describe, expect, it } from 'vitest';
import { memoryFs } from '../helpers/memfs.js';
import { recordingGit, runInProcess, type InProcessResult } from '../helpers/in-process.js';
import type { GitPort } from '../../src/steps/git-port.js';

const MANIFEST = (version: string, extra = ''): string => `name: thing\nversion: ${version}\nquestions:\n  - { name: name, type: string, default: svc }\n${extra}`;

/** A template folder with VERSION/ folders, as a platform team keeps one. */
function templates(versions: Record<string, { manifest?: string; files: Record<string, string> }>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [version, spec] of Object.entries(versions)) {
    out[`/tpl/${version}/template.yaml`] = spec.manifest ?? MANIFEST(version);
    for (const [path, text] of Object.entries(spec.files)) out[`/tpl/${version}/files/${path}`] = text;
  }
  return out;
}

const V1 = { '1.0.0': { files: { 'README.md.hbs': '# {{name}}\n', 'notes.txt': 'one\ntwo\nthree\n' } } };
const V2 = { '2.0.0': { files: { 'README.md.hbs': '# {{name}}\n\nv2\n', 'notes.txt': 'one\ntwo\nthree (v2)\n', 'new.txt': 'new\n' } } };

interface Scenario {
  name: string;
  /** The folder before the command. */
  files: Record<string, string>;
  cwd: string;
  args: string[];
  bin?: 'platform' | 'create-service';
  git?: () => GitPort;
  exit: number;
}

/** The folder a create at 1.0.0 leaves, with the lockfile the real pipeline wrote. */
async function createdAt(extra: Record<string, string> = {}): Promise<Record<string, string>> {
  const { fs, vol } = memoryFs({ ...templates(V1), '/work/.keep': '' });
  const created = await runInProcess(fs, ['svc', '--template', '/tpl', '--yes', '--no-install', '--no-git'], { cwd: '/work', bin: 'create-service' });
  expect(created.code, created.stderr).toBe(0);
  return { ...(vol.toJSON() as Record<string, string>), ...templates(V2), ...extra };
}

async function scenarios(): Promise<Scenario[]> {
  const created = await createdAt();
  return [
    { name: 'create into a new folder', files: { ...templates(V1), '/work/.keep': '' }, cwd: '/work', bin: 'create-service', args: ['svc', '--template', '/tpl', '--yes', '--no-install'], exit: 0 },
    {
      name: 'create --force over a different file: a conflict',
      files: { ...templates(V1), '/work/svc/README.md': '# mine\n' },
      cwd: '/work',
      bin: 'create-service',
      args: ['svc', '--template', '/tpl', '--yes', '--no-install', '--no-git', '--force'],
      exit: 3,
    },
    { name: 'add next to a different README: a conflict', files: { ...templates(V1), '/repo/README.md': '# repo\n' }, cwd: '/repo', args: ['add', '/tpl/1.0.0', '--yes'], exit: 3 },
    {
      name: 'add over a README with uncommitted changes: refused',
      files: { ...templates(V1), '/repo/README.md': '# repo\n' },
      cwd: '/repo',
      args: ['add', '/tpl/1.0.0', '--yes'],
      git: () => recordingGit({ dirty: ['README.md'], repository: '/repo' }),
      exit: 5,
    },
    { name: 'upgrade with a local edit: merged', files: { ...created, '/work/svc/notes.txt': 'one (mine)\ntwo\nthree\n' }, cwd: '/work/svc', args: ['upgrade', '--yes'], exit: 0 },
    { name: 'upgrade over the same line: a conflict', files: { ...created, '/work/svc/notes.txt': 'one\ntwo\nthree (mine)\n' }, cwd: '/work/svc', args: ['upgrade', '--yes'], exit: 3 },
    {
      name: 'upgrade over uncommitted changes: refused',
      files: { ...created, '/work/svc/notes.txt': 'one (mine)\ntwo\nthree\n' },
      cwd: '/work/svc',
      args: ['upgrade', '--yes'],
      git: () => recordingGit({ dirty: ['notes.txt'], repository: '/work/svc' }),
      exit: 5,
    },
    {
      name: 'upgrade to a version with a new question, without --yes: stops at the question',
      files: { ...created, '/tpl/2.0.0/template.yaml': MANIFEST('2.0.0', '  - { name: region, type: string, default: eu-west-1 }\n') },
      cwd: '/work/svc',
      args: ['upgrade'],
      exit: 2,
    },
  ];
}

async function runIn(files: Record<string, string>, scenario: Scenario, extra: string[]): Promise<{ result: InProcessResult; before: Record<string, string | null>; after: Record<string, string | null> }> {
  const { fs, vol } = memoryFs(files);
  const before = vol.toJSON();
  const result = await runInProcess(fs, [...scenario.args, ...extra], { cwd: scenario.cwd, bin: scenario.bin ?? 'platform', git: (scenario.git ?? (() => recordingGit()))() });
  return { result, before, after: vol.toJSON() };
}

describe('a dry run and a real run of the same scenario, in-process', async () => {
  for (const scenario of await scenarios()) {
    it(`${scenario.name}: both exit ${scenario.exit}, and the dry run writes nothing`, async () => {
      const real = await runIn(scenario.files, scenario, []);
      const dry = await runIn(scenario.files, scenario, ['--dry-run']);
      expect(real.result.code, real.result.stderr).toBe(scenario.exit);
      expect(dry.result.code, dry.result.stderr).toBe(scenario.exit);
      expect(dry.after).toEqual(dry.before);
      // Refusals leave the real folder as it was too.
      if (scenario.exit === 2 || scenario.exit === 5) expect(real.after).toEqual(real.before);
      else expect(real.after).not.toEqual(real.before);
    });
  }
});

describe('one JSON shape for the three commands that write files', () => {
  const SHAPE = ['command', 'ok', 'exitCode', 'warnings', 'errors', 'dryRun', 'root', 'upToDate', 'components', 'files', 'conflicts'];

  it('create, add and upgrade report root, components (from/to) and files (action, policy, reason) alike', async () => {
    const created = await createdAt();
    const runs = [
      await runIn({ ...templates(V1), '/work/.keep': '' }, { name: '', files: {}, cwd: '/work', bin: 'create-service', args: ['svc', '--template', '/tpl', '--yes', '--no-install', '--no-git'], exit: 0 }, ['--json']),
      await runIn({ ...templates(V1), '/repo/.keep': '' }, { name: '', files: {}, cwd: '/repo', args: ['add', '/tpl/1.0.0', '--yes'], exit: 0 }, ['--json']),
      await runIn(created, { name: '', files: {}, cwd: '/work/svc', args: ['upgrade', '--yes'], exit: 0 }, ['--json']),
    ];
    const docs = runs.map(({ result }) => JSON.parse(result.stdout) as Record<string, unknown> & { components: Array<Record<string, unknown>>; files: Array<Record<string, unknown>> });
    for (const doc of docs) {
      expect(Object.keys(doc)).toEqual(expect.arrayContaining(SHAPE));
      expect(doc.files.at(-1)).toEqual({ path: '.platform.yaml', action: 'update', reason: 'records what the template wrote' });
      for (const file of doc.files.slice(0, -1)) expect(Object.keys(file)).toEqual(['path', 'action', 'policy', 'reason']);
    }
    expect(docs.map((d) => d.components.map((c) => [c.name, c.from, c.to]))).toEqual([[['thing', null, '1.0.0']], [['thing', null, '1.0.0']], [['thing', '1.0.0', '2.0.0']]]);
    expect(docs.map((d) => d.root)).toEqual(['/work/svc', '/repo', '/work/svc']);
    expect(docs[2]!.files.filter((f) => f.action !== 'keep').map((f) => `${f.action} ${f.path}`)).toEqual(['update README.md', 'create new.txt', 'update notes.txt', 'update .platform.yaml']);
  });
});

describe('git is asked only what each step needs', () => {
  it('create into a new folder: no dirty check (nothing exists), then the first commit without the secret file', async () => {
    const files = { ...templates({ '1.0.0': { manifest: MANIFEST('1.0.0', '  - { name: token, type: string, secret: true }\nfiles:\n  - { glob: .env, policy: secret }\n'), files: { 'README.md.hbs': '# {{name}}\n', '.env.hbs': 'TOKEN={{token}}\n' } } }), '/work/.keep': '' };
    const git = recordingGit();
    const { fs } = memoryFs(files);
    const result = await runInProcess(fs, ['svc', '--template', '/tpl', '--yes', '--no-install', '--set', 'token=s3cr3t'], { cwd: '/work', bin: 'create-service', git });
    expect(result.code, result.stderr).toBe(0);
    expect(git.calls).toEqual(['inside /work/svc', 'init /work/svc excluding .env']);
    expect(result.stdout).not.toContain('s3cr3t');
  });

  it('an upgrade asks about the files it would change, then records its conflicts as unmerged', async () => {
    const git = recordingGit({ repository: '/work/svc' });
    const { fs } = memoryFs({ ...(await createdAt()), '/work/svc/notes.txt': 'one\ntwo\nthree (mine)\n' });
    const result = await runInProcess(fs, ['upgrade', '--yes'], { cwd: '/work/svc', git });
    expect(result.code, result.stderr).toBe(3);
    expect(git.calls).toEqual(['uncommitted README.md notes.txt', 'unmerged notes.txt', 'stage new.txt']);
    expect(result.stdout).toContain('1 file(s) left in conflict for you (exit 3)');
    // Every way out is a command: either side whole, then git add.
    expect(result.stdout).toContain('git checkout --theirs -- notes.txt');
    expect(result.stdout).toContain('git checkout --ours -- notes.txt');
    expect(result.stdout).toContain('git add notes.txt');
  });
});

describe('conflicts a user can see and finish', () => {
  const OWNED = '  - { name: name, type: string, default: svc }\nfiles:\n  - glob: Dockerfile\n    policy: owned\n';
  const ownedVersions = (): Record<string, string> => ({
    '/tpl/1.0.0/template.yaml': `name: thing\nversion: 1.0.0\nquestions:\n${OWNED}`,
    '/tpl/1.0.0/files/Dockerfile': 'FROM node:22\n',
    '/tpl/2.0.0/template.yaml': `name: thing\nversion: 2.0.0\nquestions:\n${OWNED}`,
    '/tpl/2.0.0/files/Dockerfile': 'FROM node:24\n',
  });
  async function createdOwned(): Promise<{ fs: Awaited<ReturnType<typeof memoryFs>>['fs']; vol: Awaited<ReturnType<typeof memoryFs>>['vol'] }> {
    const { fs, vol } = memoryFs({ ...ownedVersions(), '/work/.keep': '' });
    vol.rmSync('/tpl/2.0.0', { recursive: true });
    const created = await runInProcess(fs, ['svc', '--template', '/tpl', '--yes', '--no-install', '--no-git'], { cwd: '/work', bin: 'create-service' });
    expect(created.code, created.stderr).toBe(0);
    for (const [path, text] of Object.entries(ownedVersions())) if (path.startsWith('/tpl/2.0.0/')) {
      vol.mkdirSync(path.slice(0, path.lastIndexOf('/')), { recursive: true });
      vol.writeFileSync(path, text);
    }
    return { fs, vol };
  }

  it("an edited owned file keeps your bytes, the template's version lands beside it (outside git too), and the message says how to take either side", async () => {
    const { fs, vol } = await createdOwned();
    vol.writeFileSync('/work/svc/Dockerfile', 'FROM node:22\nUSER app\n');
    const result = await runInProcess(fs, ['upgrade', '--yes'], { cwd: '/work/svc' });
    expect(result.code, result.stderr).toBe(3);
    expect(vol.readFileSync('/work/svc/Dockerfile', 'utf8')).toBe('FROM node:22\nUSER app\n');
    expect(vol.readFileSync('/work/svc/Dockerfile.platform-new', 'utf8')).toBe('FROM node:24\n');
    expect(result.stdout).toContain('mv Dockerfile.platform-new Dockerfile');
    expect(result.stdout).toContain('rm Dockerfile.platform-new');
  });

  it('a planted link where the side file would go (dangling or not) stops the run before any write', async () => {
    for (const target of ['/elsewhere/secret.txt', '/elsewhere/missing.txt']) {
      const { fs, vol } = await createdOwned();
      vol.mkdirSync('/elsewhere', { recursive: true });
      vol.writeFileSync('/elsewhere/secret.txt', 'keep\n');
      vol.writeFileSync('/work/svc/Dockerfile', 'FROM node:22\nUSER app\n');
      vol.symlinkSync(target, '/work/svc/Dockerfile.platform-new');
      const result = await runInProcess(fs, ['upgrade', '--yes'], { cwd: '/work/svc' });
      // Anything at the side file's path is an open conflict: the run stops before writing.
      expect(result.code, result.stderr).toBe(3);
      expect(result.stderr).toContain('Dockerfile.platform-new');
      expect(vol.readFileSync('/elsewhere/secret.txt', 'utf8')).toBe('keep\n');
      expect(vol.existsSync('/elsewhere/missing.txt')).toBe(false);
      expect(vol.readFileSync('/work/svc/Dockerfile', 'utf8')).toBe('FROM node:22\nUSER app\n');
    }
  });

  it('while the side file is there, upgrade says so and exits 3 (not "up to date"), dry run too, and status --check fails; once taken, both pass', async () => {
    const { fs, vol } = await createdOwned();
    vol.writeFileSync('/work/svc/Dockerfile', 'FROM node:22\nUSER app\n');
    expect((await runInProcess(fs, ['upgrade', '--yes'], { cwd: '/work/svc' })).code).toBe(3);
    for (const args of [['upgrade', '--yes'], ['upgrade', '--yes', '--dry-run']]) {
      const again = await runInProcess(fs, args, { cwd: '/work/svc' });
      expect(again.code, again.stderr).toBe(3);
      expect(again.stderr).toContain('still open');
      expect(again.stderr).toContain('Dockerfile.platform-new');
      expect(again.stdout).not.toContain('up to date');
    }
    expect((await runInProcess(fs, ['status', '--check'], { cwd: '/work/svc' })).code).toBe(6);
    vol.renameSync('/work/svc/Dockerfile.platform-new', '/work/svc/Dockerfile');
    expect((await runInProcess(fs, ['upgrade', '--yes'], { cwd: '/work/svc' })).stdout).toContain('up to date');
    expect((await runInProcess(fs, ['status', '--check'], { cwd: '/work/svc' })).code).toBe(0);
  });

  it('markers left in a file, or unmerged entries in git\'s index, keep upgrade at exit 3 and status --check failing', async () => {
    const files = await createdAt();
    const { fs } = memoryFs({ ...files, '/work/svc/notes.txt': 'one\n<<<<<<< local\ntwo\n=======\n2\n>>>>>>> thing@2.0.0\nthree\n' });
    const markers = await runInProcess(fs, ['upgrade', '--yes'], { cwd: '/work/svc' });
    expect(markers.code).toBe(3);
    expect(markers.stderr).toContain('notes.txt: conflict markers');
    expect((await runInProcess(fs, ['status', '--check'], { cwd: '/work/svc' })).code).toBe(6);

    const clean = memoryFs(files).fs;
    const git = recordingGit({ repository: '/work/svc', unmerged: ['README.md'] });
    const unmerged = await runInProcess(clean, ['upgrade', '--yes'], { cwd: '/work/svc', git });
    expect(unmerged.code).toBe(3);
    expect(unmerged.stderr).toContain("README.md: unmerged in git's index");
    const status = await runInProcess(clean, ['status', '--check'], { cwd: '/work/svc', git });
    expect(status.code).toBe(6);
    expect(status.stdout).toContain('unmerged README.md');
  });

  it('files the upgrade adds are staged; outside git nothing is asked of git but the dirty check', async () => {
    const git = recordingGit({ repository: '/work/svc' });
    const { fs } = memoryFs(await createdAt());
    const result = await runInProcess(fs, ['upgrade', '--yes', '--json'], { cwd: '/work/svc', git });
    expect(result.code, result.stderr).toBe(0);
    expect(git.calls).toContain('stage new.txt');
    expect(JSON.parse(result.stdout).staged).toEqual(['new.txt']);
  });

  it('platform add into a repository without a lockfile stages the new files and .platform.yaml', async () => {
    const git = recordingGit({ repository: '/repo' });
    const { fs } = memoryFs({ ...templates(V1), '/repo/.keep': '' });
    const result = await runInProcess(fs, ['add', '/tpl/1.0.0', '--yes'], { cwd: '/repo', git });
    expect(result.code, result.stderr).toBe(0);
    expect(git.calls).toContain('stage README.md notes.txt .platform.yaml');
  });
});

describe('scripted upgrades: --set goes to the components that ask it', () => {
  it('an answer only one component asks is given to it, not refused by the others', async () => {
    const files = await createdAt({ '/tpl/2.0.0/template.yaml': MANIFEST('2.0.0', '  - { name: region, type: string }\n') });
    const { fs } = memoryFs(files);
    const result = await runInProcess(fs, ['upgrade', '--set', 'region=eu-west-1'], { cwd: '/work/svc' });
    expect(result.code, result.stderr).toBe(0);
  });

  it('an answer no component asks is exit 2 listing each component\'s questions, nothing written', async () => {
    const { fs, vol } = memoryFs(await createdAt());
    const before = vol.toJSON();
    const result = await runInProcess(fs, ['upgrade', '--yes', '--set', 'regoin=eu'], { cwd: '/work/svc' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('"regoin" is not a question of any component here');
    expect(result.stderr).toContain('thing@2.0.0: name');
    expect(vol.toJSON()).toEqual(before);
  });
});

describe('create-service run again: bootstrap scripts can simply retry', () => {
  const first = async (): Promise<ReturnType<typeof memoryFs>> => {
    const made = memoryFs({ ...templates(V1), '/work/.keep': '' });
    const created = await runInProcess(made.fs, ['svc', '--template', '/tpl', '--yes', '--no-install', '--no-git'], { cwd: '/work', bin: 'create-service' });
    expect(created.code, created.stderr).toBe(0);
    return made;
  };

  it('the same command again is a no-op: exit 0, "nothing to do", not a byte changed', async () => {
    const { fs, vol } = await first();
    const before = vol.toJSON();
    for (const extra of [[], ['--dry-run']]) {
      const again = await runInProcess(fs, ['svc', '--template', '/tpl', '--yes', '--no-install', '--no-git', ...extra], { cwd: '/work', bin: 'create-service' });
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toContain('already created from thing@1.0.0 with these versions and answers: nothing to do');
    }
    expect(vol.toJSON()).toEqual(before);
  });

  it('a re-run finishes what the first left undone (the first commit), and only that', async () => {
    const { fs, vol } = await first();
    vol.writeFileSync('/work/svc/notes.txt', 'one (edited since)\ntwo\nthree\n');
    const before = vol.toJSON();
    const git = recordingGit();
    const again = await runInProcess(fs, ['svc', '--template', '/tpl', '--yes', '--no-install'], { cwd: '/work', bin: 'create-service', git });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('finishing what an earlier run left undone: the first commit');
    expect(git.calls).toEqual(['pending /work/svc', 'init /work/svc']);
    expect(vol.toJSON()).toEqual(before);
    // Committed now: the next retry has nothing left to do.
    const done = await runInProcess(fs, ['svc', '--template', '/tpl', '--yes', '--no-install'], { cwd: '/work', bin: 'create-service', git: recordingGit({ committed: true }) });
    expect(done.stdout).toContain('nothing to do');
  });

  it('different answers or another version keep the refusal (exit 2), naming what differs; nothing written', async () => {
    const { fs, vol } = await first();
    const before = vol.toJSON();
    const answers = await runInProcess(fs, ['svc', '--template', '/tpl', '--yes', '--no-install', '--no-git', '--set', 'name=other'], { cwd: '/work', bin: 'create-service' });
    expect(answers.code).toBe(2);
    expect(answers.stderr).toContain('created with other inputs');
    expect(answers.stderr).toContain('thing: name is "svc" here, "other" now');
    vol.mkdirSync('/tpl/2.0.0/files', { recursive: true });
    vol.writeFileSync('/tpl/2.0.0/template.yaml', MANIFEST('2.0.0'));
    vol.writeFileSync('/tpl/2.0.0/files/README.md.hbs', '# {{name}} v2\n');
    const version = await runInProcess(fs, ['svc', '--template', '/tpl', '--yes', '--no-install', '--no-git'], { cwd: '/work', bin: 'create-service' });
    expect(version.code).toBe(2);
    expect(version.stderr).toContain('thing: 1.0.0 here, 2.0.0 now');
    const { '/tpl/2.0.0/template.yaml': _m, '/tpl/2.0.0/files/README.md.hbs': _r, ...after } = vol.toJSON();
    expect(after).toEqual(before);
  });
});

describe('a file the team moved, through the git port', () => {
  it('upgrade merges into it where it is now; status reports it moved, not deleted; markers there keep the next upgrade at exit 3', async () => {
    const files = await createdAt();
    const { ['/work/svc/notes.txt']: notes, ...rest } = files;
    const { fs, vol } = memoryFs({ ...rest, '/work/svc/docs/notes.txt': notes! });
    const git = recordingGit({ repository: '/work/svc', moved: { 'notes.txt': 'docs/notes.txt' } });
    const status = await runInProcess(fs, ['status', '--json'], { cwd: '/work/svc', git });
    expect(JSON.parse(status.stdout).components[0].drifted).toEqual([{ path: 'notes.txt', policy: 'merge', state: 'moved', to: 'docs/notes.txt', modified: false }]);
    const result = await runInProcess(fs, ['upgrade', '--yes'], { cwd: '/work/svc', git });
    expect(result.code, result.stderr).toBe(0);
    expect(vol.readFileSync('/work/svc/docs/notes.txt', 'utf8')).toBe('one\ntwo\nthree (v2)\n');
    expect(vol.existsSync('/work/svc/notes.txt')).toBe(false);

    vol.writeFileSync('/work/svc/docs/notes.txt', '<<<<<<< local\na\n=======\nb\n>>>>>>> x\n');
    const blocked = await runInProcess(fs, ['upgrade', '--yes'], { cwd: '/work/svc', git });
    expect(blocked.code).toBe(3);
    expect(blocked.stderr).toContain('docs/notes.txt: conflict markers');
  });
});

describe('scripted add: one answers file for every component', () => {
  const EXTRA = { '/tpl2/1.0.0/template.yaml': 'name: extra\nversion: 1.0.0\nquestions:\n  - { name: flavour, type: string, default: plain }\n', '/tpl2/1.0.0/files/extra.txt.hbs': '{{flavour}}\n' };

  it("answers the repository's other components asked are theirs, not errors; the added component takes its own", async () => {
    const { fs, vol } = memoryFs({ ...(await createdAt()), ...EXTRA, '/work/answers.yaml': 'name: svc\nflavour: spicy\n' });
    const result = await runInProcess(fs, ['add', '/tpl2/1.0.0', '--answers', '/work/answers.yaml'], { cwd: '/work/svc' });
    expect(result.code, result.stderr).toBe(0);
    expect(vol.readFileSync('/work/svc/extra.txt', 'utf8')).toBe('spicy\n');
  });

  it('a name no component asks is exit 2 listing the questions, nothing written', async () => {
    const { fs, vol } = memoryFs({ ...(await createdAt()), ...EXTRA });
    const before = vol.toJSON();
    const result = await runInProcess(fs, ['add', '/tpl2/1.0.0', '--yes', '--set', 'flavor=spicy'], { cwd: '/work/svc' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('"flavor" is not a question');
    expect(result.stderr).toContain('flavour');
    expect(vol.toJSON()).toEqual(before);
  });
});

describe('markers the template itself wrote are not a conflict', () => {
  it('a file exactly as written, with marker-like lines, neither blocks upgrade nor fails status --check', async () => {
    const DOC = 'How a conflict looks:\n<<<<<<< local\nmine\n=======\ntheirs\n>>>>>>> template\n';
    const { fs, vol } = memoryFs({ '/tpl/1.0.0/template.yaml': MANIFEST('1.0.0'), '/tpl/1.0.0/files/conflicts.md': DOC, '/work/.keep': '' });
    const created = await runInProcess(fs, ['svc', '--template', '/tpl', '--yes', '--no-install', '--no-git'], { cwd: '/work', bin: 'create-service' });
    expect(created.code, created.stderr).toBe(0);
    expect((await runInProcess(fs, ['status', '--check'], { cwd: '/work/svc' })).code).toBe(0);
    vol.mkdirSync('/tpl/2.0.0/files', { recursive: true });
    vol.writeFileSync('/tpl/2.0.0/template.yaml', MANIFEST('2.0.0'));
    vol.writeFileSync('/tpl/2.0.0/files/conflicts.md', `${DOC}(v2)\n`);
    const upgraded = await runInProcess(fs, ['upgrade', '--yes'], { cwd: '/work/svc' });
    expect(upgraded.code, upgraded.stderr).toBe(0);
    expect(vol.readFileSync('/work/svc/conflicts.md', 'utf8')).toBe(`${DOC}(v2)\n`);
  });
});

describe('an unattended upgrade prints a summary per component', () => {
  it('file changes, the new questions with the answers they got, conflicts, and one line per version; --json carries the full changelog', async () => {
    const files = await createdAt({
      '/tpl/2.0.0/template.yaml': MANIFEST('2.0.0', '  - { name: region, type: string, default: eu-west-1 }\n'),
      '/tpl/2.0.0/CHANGELOG.md': '## 2.0.0\n\nNotes gain a third line.\n\n### Added\n\n- A region question.\n',
      '/work/svc/notes.txt': 'one\ntwo\nthree (mine)\n',
    });
    const { fs } = memoryFs(files);
    const result = await runInProcess(fs, ['upgrade', '--yes'], { cwd: '/work/svc' });
    expect(result.code, result.stderr).toBe(3);
    expect(result.stdout).toContain('  files: 1 updated, 1 created, 1 conflict');
    expect(result.stdout).toContain('  new questions: region="eu-west-1"');
    expect(result.stdout).toContain('  conflicts: notes.txt');
    expect(result.stdout).toContain('  2.0.0: Notes gain a third line.');
    expect(result.stdout).not.toContain('A region question.');

    const json = await runInProcess(memoryFs(files).fs, ['upgrade', '--yes', '--json'], { cwd: '/work/svc' });
    expect(JSON.parse(json.stdout).changelogs.thing[0].text).toContain('- A region question.');
  });
});
