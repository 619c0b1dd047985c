import { mkdtempSync, readFileSync, existsSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTemplate } from '../helpers/template.js';
import { templateManifestSchema } from '../../src/template/schema.js';
import { configPath, isTrusted, markPending, prepareHooks, readTrustList, runHookStep, type ComponentHooks, type InstallGate } from '../../src/hooks/hooks.js';
import { nodeFs } from '../../src/core/node-fs.js';
import { ExitCode, PlatformError, UsageError } from '../../src/core/errors.js';
import { parseLockfile, serializeLockfile, type Lockfile } from '../../src/lock/lockfile.js';

const MANIFEST = `name: hooked
version: 1.0.0
questions:
  - { name: name, type: string }
  - { name: token, type: string, secret: true }
  - { name: withDb, type: boolean, default: false }
hooks:
  - run: [node, -e, "console.log(1)", "{{name}}"]
    description: print the name
  - run: [migrate, "--db={{name}}_db"]
    description: migrate
    on: [upgrade]
  - run: [seed]
    description: seed
    when: "{{withDb}}"
`;

describe('template.yaml hooks', () => {
  it('defaults to no hooks, and on to both create and upgrade', () => {
    const base = { name: 'x', version: '1.0.0' };
    expect(templateManifestSchema.parse(base).hooks).toEqual([]);
    expect(templateManifestSchema.parse({ ...base, hooks: [{ run: ['a'], description: 'd' }] }).hooks[0]!.on).toEqual(['create', 'upgrade']);
  });

  it('refuses a shell string, an empty argv, an unknown event or a missing description', () => {
    const base = { name: 'x', version: '1.0.0' };
    for (const hook of [{ run: 'npm test', description: 'd' }, { run: [], description: 'd' }, { run: ['a'], description: 'd', on: ['install'] }, { run: ['a'] }, { run: [''], description: 'd' }]) {
      expect(templateManifestSchema.safeParse({ ...base, hooks: [hook] }).success, JSON.stringify(hook)).toBe(false);
    }
  });
});

describe('prepareHooks', () => {
  it('renders each argv element separately, keeps the event and evaluates when', async () => {
    const template = await makeTemplate(MANIFEST, { 'a.txt': 'a' });
    const answers = { name: 'pay; rm -rf / $(id)', token: 's3cret', withDb: false };
    const create = prepareHooks(template, 'create', answers, new Set(['token']), 'svc');
    expect(create).toEqual([{ description: 'print the name', argv: ['node', '-e', 'console.log(1)', 'pay; rm -rf / $(id)'] }]);
    const upgrade = prepareHooks(template, 'upgrade', { ...answers, withDb: true }, new Set(['token']), 'svc');
    expect(upgrade.map((h) => h.argv)).toEqual([
      ['node', '-e', 'console.log(1)', 'pay; rm -rf / $(id)'],
      ['migrate', '--db=pay; rm -rf / $(id)_db'],
      ['seed'],
    ]);
  });

  it('refuses a hook that uses a secret answer, naming it (at load, and again when hooks are prepared)', async () => {
    const atLoad = await makeTemplate(MANIFEST.replace('"{{name}}"]', '"{{upper token}}"]'), {}).catch((e: unknown) => e);
    expect((atLoad as UsageError).code).toBe('template-secret-outside');
    const template = await makeTemplate(MANIFEST, {});
    template.manifest.hooks[0]!.run[3] = '{{upper token}}';
    let error: unknown;
    try {
      prepareHooks(template, 'create', { name: 'n', token: 's3cret', withDb: false }, new Set(['token']), 'svc');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).code).toBe('hook-secret');
    expect((error as UsageError).message).toContain('"token"');
    expect((error as UsageError).message).not.toContain('s3cret');
  });
});

describe('trust', () => {
  it('trusts built-in templates and sources under a trust list entry, nothing else', () => {
    const list = ['git:https://github.com/acme/', 'dir:/srv/templates', 'not-a-source'];
    expect(isTrusted('builtin', [])).toBe(true);
    expect(isTrusted('git:https://github.com/acme/api', list)).toBe(true);
    expect(isTrusted('git:https://github.com/acme-evil/api', list)).toBe(false);
    expect(isTrusted('dir:/srv/templates', list)).toBe(true);
    expect(isTrusted('dir:/srv/templates/api', list)).toBe(true);
    expect(isTrusted('dir:/srv/templates-evil', list)).toBe(false);
    expect(isTrusted('dir:/tmp/x', list)).toBe(false);
    expect(isTrusted('dir:/anything', ['', 'dir:'])).toBe(false);
  });

  it('finds the config file by PLATFORM_CONFIG, XDG_CONFIG_HOME, then HOME', () => {
    expect(configPath({ PLATFORM_CONFIG: '/c.yaml', XDG_CONFIG_HOME: '/x' })).toBe('/c.yaml');
    expect(configPath({ XDG_CONFIG_HOME: '/x', HOME: '/h' })).toBe('/x/platform/config.yaml');
    expect(configPath({ HOME: '/h' })).toBe('/h/.config/platform/config.yaml');
  });
});

describe('runHookStep', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const lockOf = (): Lockfile => ({ schemaVersion: 1, templates: [{ name: 'hooked', version: '1.0.0', source: 'dir:/t', answers: {}, files: {} }] });
  const outputs = () => {
    const lines: string[] = [];
    const errors: unknown[] = [];
    return {
      lines,
      errors,
      out: {
        line: (t = '') => void lines.push(t),
        note: (t: string) => void lines.push(t),
        warn: (t: string) => void lines.push(t),
        fail: (e: unknown) => (errors.push(e), e instanceof PlatformError ? e.exitCode : ExitCode.unexpected),
        set: () => undefined,
      },
    };
  };
  const step = (components: ComponentHooks[], extra: Partial<Parameters<typeof runHookStep>[0]> = {}) => {
    const o = outputs();
    const lockfile = markPending(lockOf(), components);
    writeFileSync(join(dir, '.platform.yaml'), serializeLockfile(lockfile));
    return { o, run: runHookStep({ fs: nodeFs, root: dir, components, lockfile, trust: false, trustList: [], configFile: '/c.yaml', ask: undefined, conflicts: false, out: o.out, ...extra }) };
  };
  const lockStatus = () => parseLockfile(readFileSync(join(dir, '.platform.yaml'), 'utf8'), 'lock').templates[0]!.hooks;

  it('passes argv without a shell, and clears pending once every hook ran', async () => {
    dir = mkdtempSync(join(tmpdir(), 'hooks-'));
    const script = "require('fs').writeFileSync('out.txt', process.argv.slice(1).join('|'))";
    const { run } = step([{ name: 'hooked', version: '1.0.0', source: 'dir:/t', hooks: [{ description: 'd', argv: [process.execPath, '-e', script, '$(echo hi); echo x', '*'] }] }], { trust: true });
    expect(await run).toBe(ExitCode.ok);
    expect(readFileSync(join(dir, 'out.txt'), 'utf8')).toBe('$(echo hi); echo x|*');
    expect(lockStatus()).toBeUndefined();
  });

  it('refuses an untrusted source without a terminal: exit 4, nothing runs, still pending', async () => {
    dir = mkdtempSync(join(tmpdir(), 'hooks-'));
    const { o, run } = step([{ name: 'hooked', version: '1.0.0', source: 'dir:/t', hooks: [{ description: 'mark', argv: [process.execPath, '-e', "require('fs').writeFileSync('m','')"] }] }]);
    expect(await run).toBe(ExitCode.untrusted);
    expect(existsSync(join(dir, 'm'))).toBe(false);
    expect((o.errors[0] as PlatformError).problems.join('\n')).toContain('mark');
    expect(lockStatus()).toBe('pending');
  });

  it('asks on a terminal (no keeps them pending) and runs for a trust list entry', async () => {
    dir = mkdtempSync(join(tmpdir(), 'hooks-'));
    const hooks = [{ description: 'mark', argv: [process.execPath, '-e', "require('fs').writeFileSync('m','')"] }];
    const asked: string[] = [];
    const declined = step([{ name: 'hooked', version: '1.0.0', source: 'dir:/t', hooks }], { ask: async (q) => (asked.push(q), false) });
    expect(await declined.run).toBe(ExitCode.untrusted);
    expect(asked).toHaveLength(1);
    expect(existsSync(join(dir, 'm'))).toBe(false);
    const listed = step([{ name: 'hooked', version: '1.0.0', source: 'dir:/t', hooks }], { trustList: ['dir:/t'] });
    expect(await listed.run).toBe(ExitCode.ok);
    expect(existsSync(join(dir, 'm'))).toBe(true);
  });

  it('reports a failing hook with its output and records hooks: failed', async () => {
    dir = mkdtempSync(join(tmpdir(), 'hooks-'));
    const { o, run } = step([{ name: 'hooked', version: '1.0.0', source: 'builtin', hooks: [{ description: 'boom', argv: [process.execPath, '-e', "console.error('it broke'); process.exit(3)"] }] }]);
    expect(await run).toBe(ExitCode.unexpected);
    const error = o.errors[0] as PlatformError;
    expect(error.message).toContain('boom');
    expect(error.message).toContain('exited with 3');
    expect(error.problems).toContain('it broke');
    expect(lockStatus()).toBe('failed');
  });

  it('the install is covered by the same trust rule and one question, listing it with the hooks', async () => {
    dir = mkdtempSync(join(tmpdir(), 'hooks-'));
    const hooks = [{ description: 'mark', argv: [process.execPath, '-e', "require('fs').writeFileSync('m','')"] }];
    const components = [
      { name: 'hooked', version: '1.0.0', source: 'dir:/t', hooks },
      { name: 'plain', version: '1.0.0', source: 'builtin', hooks: [] },
    ];
    // No terminal: refused, nothing runs, the verdict says no.
    const refused = { command: 'pnpm install', sources: components.map((c) => c.source) } as InstallGate;
    const a = step(components, { install: refused });
    expect(await a.run).toBe(ExitCode.untrusted);
    expect(refused.allowed).toBe(false);
    expect(existsSync(join(dir, 'm'))).toBe(false);
    const error = a.o.errors[0] as PlatformError;
    expect(error.problems.join('\n')).toMatch(/mark[\s\S]*pnpm install/);
    expect(error.hint).toContain('--no-install');
    // A terminal: asked once for both; yes runs the hooks and allows the install.
    const asked: string[] = [];
    const yes = { command: 'pnpm install', sources: components.map((c) => c.source) } as InstallGate;
    const b = step(components, { install: yes, ask: async (q) => (asked.push(q), true) });
    expect(await b.run).toBe(ExitCode.ok);
    expect(asked).toHaveLength(1);
    expect(yes.allowed).toBe(true);
    expect(existsSync(join(dir, 'm'))).toBe(true);
  });

  it('an untrusted template without hooks still may not install; a built-in one may', async () => {
    dir = mkdtempSync(join(tmpdir(), 'hooks-'));
    const untrusted = { command: 'npm install', sources: ['builtin', 'git:https://example.com/t.git'] } as InstallGate;
    const a = step([], { install: untrusted });
    expect(await a.run).toBe(ExitCode.untrusted);
    expect(untrusted.allowed).toBe(false);
    expect((a.o.errors[0] as PlatformError).code).toBe('untrusted-install');
    const builtin = { command: 'npm install', sources: ['builtin'] } as InstallGate;
    expect(await step([], { install: builtin }).run).toBe(ExitCode.ok);
    expect(builtin.allowed).toBe(true);
    const trusted = { command: 'npm install', sources: ['git:https://example.com/t.git'] } as InstallGate;
    expect(await step([], { install: trusted, trust: true }).run).toBe(ExitCode.ok);
    expect(trusted.allowed).toBe(true);
  });

  it('with conflicts the hooks wait, but the install is still asked about', async () => {
    dir = mkdtempSync(join(tmpdir(), 'hooks-'));
    const hooks = [{ description: 'mark', argv: [process.execPath, '-e', "require('fs').writeFileSync('m','')"] }];
    const gate = { command: 'npm install', sources: ['dir:/t'] } as InstallGate;
    const asked: string[] = [];
    const { run } = step([{ name: 'hooked', version: '1.0.0', source: 'dir:/t', hooks }], { install: gate, conflicts: true, ask: async (q) => (asked.push(q), false) });
    expect(await run).toBe(ExitCode.untrusted);
    expect(asked).toHaveLength(1);
    expect(gate.allowed).toBe(false);
    expect(existsSync(join(dir, 'm'))).toBe(false);
    expect(lockStatus()).toBe('pending');
  });

  it('reads the trust list from the config file', async () => {
    dir = mkdtempSync(join(tmpdir(), 'hooks-'));
    writeFileSync(join(dir, 'config.yaml'), 'trust:\n  - dir:/srv/templates\n');
    expect(await readTrustList(nodeFs, { PLATFORM_CONFIG: join(dir, 'config.yaml') })).toEqual(['dir:/srv/templates']);
    expect(await readTrustList(nodeFs, { PLATFORM_CONFIG: join(dir, 'missing.yaml') })).toEqual([]);
  });
});
