/**
 * The generated service really works: create-service installs its dependencies
 * (npm from PATH, with Node 22 or 24 first on PATH), then under that Node it builds, its
 * tests pass, it serves /livez and /readyz on loopback, and SIGTERM stops it with 0.
 * Needs the npm registry.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './global-setup.js';
import { cli, cliEnv, installedBins, nodeBinary, tempDir, type CliResult } from './harness.js';

/** The default (latest) service template, and 1.0.0 too when it is no longer the latest. */
const latestInRepo = readdirSync(join(REPO_ROOT, 'templates', 'service'))
  .filter((v) => /^\d+\.\d+\.\d+$/.test(v))
  .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
  .at(-1);
/** The whole golden path (the default) under Node 22 and 24; the first service under 22. */
const VARIANTS: Array<{ label: string; args: string[]; major: 22 | 24 }> = [
  { label: 'the default template (the golden path)', args: [], major: 22 },
  { label: 'the default template (the golden path)', args: [], major: 24 },
  ...(latestInRepo !== '1.0.0' ? [{ label: 'service@1.0.0', args: ['--template', 'service@1.0.0'], major: 22 as const }] : []),
];

const out = (r: CliResult) => `exit ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;

interface Ran { code: number | null; signal: NodeJS.Signals | null; stdout: string; output: string }

function run(cmd: string, args: string[], cwd: string, env: Record<string, string>, timeoutMs: number): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => { output += c.toString('utf8'); stdout += c.toString('utf8'); });
    child.stderr.on('data', (c: Buffer) => { output += c.toString('utf8'); });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, stdout, output }); });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') return reject(new Error('no port'));
      server.close(() => resolve(address.port));
    });
  });
}

async function get(url: string): Promise<{ status: number; body: string } | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return { status: res.status, body: await res.text() };
  } catch {
    return undefined;
  }
}

describe.each(VARIANTS)('the service generated from $label under Node $major', ({ args, major }) => {
  it('installs, builds, passes its tests, serves /livez and /readyz, and exits 0 on SIGTERM', async () => {
    const node = await nodeBinary(major);
    // The repository pins the CLI that created it; unpublished here, so it is pinned to the packed tarball.
    const { tarball } = await installedBins();
    const env = cliEnv({ PATH: `${dirname(node)}${delimiter}${process.env.PATH ?? ''}`, PLATFORM_CLI_DEPENDENCY: `file:${tarball}` });
    const cwd = tempDir('runs-');

    // 1. create, with the install step (the CLI spawns npm itself)
    const created = await cli('create-service', ['svc', '--yes', '--no-git', '--json', ...args], { cwd, node: node, env, timeoutMs: 400_000 });
    expect(created.code, out(created)).toBe(0);
    const doc = JSON.parse(created.stdout) as { ok: boolean; steps: Array<{ name: string; status: string }> };
    expect(doc.ok).toBe(true);
    expect(doc.steps).toContainEqual(expect.objectContaining({ name: 'install', status: 'done' }));
    const dir = join(cwd, 'svc');
    expect(existsSync(join(dir, 'node_modules'))).toBe(true);
    expect(existsSync(join(dir, 'package-lock.json'))).toBe(true);
    // From service 1.2.0 the repository pins the CLI, which then runs from the repository itself
    // (what the README and the upgrade job use).
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    if (args.length === 0) {
      expect(manifest.devDependencies['create-service']).toBe(`file:${tarball}`);
      const pinned = await run('npx', ['--no-install', 'platform', 'status'], dir, env, 60_000);
      expect(pinned.code, pinned.output).toBe(0);
    }

    // npm ran under Node 22 (first on PATH)
    const versions = await run('npm', ['version', '--json'], dir, env, 60_000);
    expect(versions.code, versions.output).toBe(0);
    expect((JSON.parse(versions.stdout) as { node: string }).node).toMatch(new RegExp(`^${major}\\.`));

    // 2. build and test under Node 22
    const build = await run('npm', ['run', 'build'], dir, env, 120_000);
    expect(build.code, build.output).toBe(0);
    const test = await run('npm', ['test'], dir, env, 180_000);
    expect(test.code, test.output).toBe(0);
    expect(test.output).toMatch(/passed/);

    // 3. start it as `npm start` would, on a free loopback port
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    // `exec node <node args…> dist/….js`: run the same node arguments with Node 22 directly
    const start = (pkg.scripts.start ?? '').replace(/^exec\s+/, '').split(/\s+/);
    expect(start[0], `start script: ${pkg.scripts.start}`).toBe('node');
    const nodeArgs = start.slice(1);
    const entry = nodeArgs.at(-1)!;
    expect(entry, `start script: ${pkg.scripts.start}`).toMatch(/^(\.\/)?dist\/.+\.js$/);
    expect(existsSync(join(dir, entry))).toBe(true);

    const port = await freePort();
    // No collector listens there, as on a laptop running the service without one (issue 17, item 6).
    const collector = `http://127.0.0.1:${await freePort()}`;
    const server = spawn(node, nodeArgs, {
      cwd: dir,
      env: { ...env, PORT: String(port), HOST: '127.0.0.1', OTEL_EXPORTER_OTLP_ENDPOINT: collector },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let logs = '';
    server.stdout.on('data', (c: Buffer) => { logs += c.toString('utf8'); });
    server.stderr.on('data', (c: Buffer) => { logs += c.toString('utf8'); });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      server.on('exit', (code, signal) => resolve({ code, signal }));
    });
    try {
      const base = `http://127.0.0.1:${port}`;
      let live: Awaited<ReturnType<typeof get>>;
      const deadline = Date.now() + 120_000; // a bound on a hang, not a speed check
      while (Date.now() < deadline && server.exitCode === null) {
        live = await get(`${base}/livez`);
        if (live) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(live!, `server logs:\n${logs}`).toBeDefined();
      expect(live!.status, logs).toBe(200);
      const ready = await get(`${base}/readyz`);
      expect(ready?.status, logs).toBe(200);

      // 4. graceful shutdown: exit 0 means it drained within its own limit (past it, it exits 1)
      server.kill('SIGTERM');
      const result = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 60_000))]);
      expect(result, `server logs:\n${logs}`).toEqual({ code: 0, signal: null });
      // Without a collector (the latest service has telemetry): one line says so, and no error with
      // a stack trace (no waiting for a flush).
      if (args.length === 0) expect(logs).toContain('no OpenTelemetry collector reachable');
      expect(logs).not.toMatch(/"stack"|could not flush telemetry/);
    } finally {
      if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
    }
  }, 600_000);
});
