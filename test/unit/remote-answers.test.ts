/**
 * Derived defaults (issue 17, item 2): the GitHub organisation comes from the git remote when
 * there is one, never from the team's name. The remote is read from a repository's config, so it
 * is hostile input: only plain URLs of named hosts give answers, credentials never leak.
 */
import { describe, expect, it } from 'vitest';
import { answersFromRemote } from '../../src/answers/remote.js';
import { memoryFs } from '../helpers/memfs.js';
import { recordingGit, runInProcess } from '../helpers/in-process.js';

describe('answers from a remote URL', () => {
  it.each([
    ['https://github.com/Acme/payments-api.git', 'https://github.com/Acme/payments-api', 'ghcr.io/acme'],
    ['git@github.com:acme/payments-api.git', 'https://github.com/acme/payments-api', 'ghcr.io/acme'],
    ['ssh://git@github.com:22/acme/payments-api', 'https://github.com/acme/payments-api', 'ghcr.io/acme'],
    ['https://x-access-token:ghp_SECRET@github.com/acme/payments-api.git', 'https://github.com/acme/payments-api', 'ghcr.io/acme'],
    ['https://GitLab.com/group/sub/payments-api.git/', 'https://gitlab.com/group/sub/payments-api', undefined],
  ])('%s', (url, repoUrl, registry) => {
    expect(answersFromRemote(url)).toEqual(registry ? { repoUrl, registry } : { repoUrl });
  });

  it.each([
    ['a local path', '/srv/git/payments.git'],
    ['a file URL', 'file:///srv/git/payments.git'],
    ['the ext transport', 'ext::sh -c touch% /tmp/pwned'],
    ['dot segments', 'https://github.com/acme/../etc/passwd'],
    ['a hidden segment', 'https://github.com/acme/.git'],
    ['an encoded slash', 'https://github.com/acme%2F..%2Fx/repo'],
    ['a newline', 'https://github.com/acme/repo\nhttps://evil.example/x/y'],
    ['a host starting with a dash', 'ssh://-oProxyCommand=x/acme/repo'],
    ['a single segment', 'https://github.com/acme'],
    ['a huge URL', `https://github.com/acme/${'a'.repeat(600)}`],
    ['nothing', ''],
  ])('gives nothing for %s', (_label, url) => {
    expect(answersFromRemote(url)).toBeUndefined();
  });

  it('is fast on adversarial input (no catastrophic backtracking)', () => {
    // Not a timing assertion: a backtracking blow-up would not return at all within the test's timeout.
    expect(answersFromRemote(`https://${'a-'.repeat(240)}!`)).toBeUndefined();
    expect(answersFromRemote(`https://${'a.'.repeat(240)}/x/y!`)).toBeUndefined();
  });
});

describe('create in a repository with a remote', () => {
  const TEMPLATE = {
    '/tpl/1.0.0/template.yaml': `name: thing
version: 1.0.0
questions:
  - { name: name, type: string, default: svc }
  - { name: repoUrl, type: string, placeholder: true }
  - { name: registry, type: string, placeholder: true }
`,
    '/tpl/1.0.0/files/ci.yaml.hbs': 'image: {{registry}}/{{name}}\nrepo: {{repoUrl}}\n',
    '/mono/.keep': '',
  };

  it('takes the repository URL and the GitHub organisation\'s registry from remote.origin.url, without credentials', async () => {
    const { fs, vol } = memoryFs(TEMPLATE);
    const git = { ...recordingGit({ repository: '/mono' }), originUrl: async (dir: string) => (dir === '/mono' ? 'https://bot:ghp_SECRET@github.com/Acme-Corp/mono.git' : undefined) };
    const result = await runInProcess(fs, ['svc', '--template', '/tpl', '--yes', '--no-install'], { cwd: '/mono', bin: 'create-service', git });
    expect(result.code, result.stderr).toBe(0);
    expect(String(vol.readFileSync('/mono/svc/ci.yaml'))).toBe('image: ghcr.io/acme-corp/svc\nrepo: https://github.com/Acme-Corp/mono\n');
    expect(JSON.stringify(vol.toJSON()) + result.stdout + result.stderr).not.toContain('SECRET');
    expect(result.stderr).not.toContain('no value yet');
  });

  it('without a remote (or with one it cannot read) the answers stay placeholders; --set wins over the remote', async () => {
    for (const remote of [undefined, 'ext::sh -c id']) {
      const { fs, vol } = memoryFs(TEMPLATE);
      const git = { ...recordingGit({ repository: '/mono' }), originUrl: async () => remote };
      const result = await runInProcess(fs, ['svc', '--template', '/tpl', '--yes', '--no-install'], { cwd: '/mono', bin: 'create-service', git });
      expect(result.code).toBe(0);
      expect(String(vol.readFileSync('/mono/svc/ci.yaml'))).toBe('image: <set-me:registry>/svc\nrepo: <set-me:repoUrl>\n');
    }
    const { fs, vol } = memoryFs(TEMPLATE);
    const git = { ...recordingGit({ repository: '/mono' }), originUrl: async () => 'git@github.com:acme/mono.git' };
    await runInProcess(fs, ['svc', '--template', '/tpl', '--yes', '--no-install', '--set', 'registry=registry.acme.internal/team'], { cwd: '/mono', bin: 'create-service', git });
    expect(String(vol.readFileSync('/mono/svc/ci.yaml'))).toBe('image: registry.acme.internal/team/svc\nrepo: https://github.com/acme/mono\n');
  });

  it('--no-git runs no git at all, so reads no remote', async () => {
    const { fs, vol } = memoryFs(TEMPLATE);
    let asked = false;
    const git = { ...recordingGit(), originUrl: async () => ((asked = true), 'git@github.com:acme/mono.git') };
    await runInProcess(fs, ['svc', '--template', '/tpl', '--yes', '--no-install', '--no-git'], { cwd: '/mono', bin: 'create-service', git });
    expect(asked).toBe(false);
    expect(String(vol.readFileSync('/mono/svc/ci.yaml'))).toContain('<set-me:registry>');
  });

  it('platform add takes them too; what package.json says wins over the remote', async () => {
    const { fs, vol } = memoryFs({ ...TEMPLATE, '/mono/app/package.json': '{ "name": "app", "repository": "git+https://github.com/acme/app.git" }\n' });
    const git = { ...recordingGit({ repository: '/mono' }), originUrl: async () => 'git@github.com:Acme/mono.git' };
    const result = await runInProcess(fs, ['add', '/tpl', '--yes'], { cwd: '/mono/app', git });
    expect(result.code, result.stderr).toBe(0);
    expect(String(vol.readFileSync('/mono/app/ci.yaml'))).toBe('image: ghcr.io/acme/app\nrepo: https://github.com/acme/app\n');
  });
});
