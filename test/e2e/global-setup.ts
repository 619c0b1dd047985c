/**
 * vitest globalSetup for the end-to-end tests.
 *
 * It runs once per `vitest run` in the main process, but does almost nothing
 * eagerly: it creates a per-run scratch folder and `provide`s its location.
 * The expensive part — `npm pack` of the repo (reusing dist/ when it is fresh,
 * else building it once first: see dist-fresh.ts) and `npm install` of the
 * tarball into a fresh prefix — happens lazily, the first
 * time a test asks for the installed bins (see `ensureInstalled`), under a
 * cross-process lock so that it still happens at most ONCE per run even with
 * several fork workers. A run of unit tests alone therefore never packs.
 * Set E2E_EAGER_PACK=1 to pack here instead (fails the whole run early).
 *
 * This module is also imported by harness.ts (in the workers) for the shared
 * helpers below, so it must not import vitest runtime APIs.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { distIsFresh } from './dist-fresh.js';

export interface InstalledBins {
  /** absolute path of the JS file behind the `create-service` bin */
  'create-service': string;
  /** absolute path of the JS file behind the `platform` bin */
  platform: string;
  /** the prefix folder the tarball was installed into */
  prefix: string;
  /** the packed tarball */
  tarball: string;
}

export interface E2EContext {
  repoRoot: string;
  /** per-run scratch folder, removed in teardown */
  runDir: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    e2e: E2EContext;
  }
}

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** Layout contract shared with .ci/run: <cache>/<major>/node_modules/node/bin/node */
export function altNodeCacheRoot(): string {
  return process.env.ALT_NODE_CACHE_DIR ?? join(REPO_ROOT, 'node_modules', '.cache', 'alt-node');
}

// ---------------------------------------------------------------- utilities

/** env for nested npm commands: drop the lifecycle variables an outer `npm test` sets. */
export function npmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_(lifecycle_|package_|command$|execpath$|node_execpath$|config_(local_prefix|prefix|global_prefix|loglevel)$)/i.test(k)) continue;
    env[k] = v;
  }
  return env;
}

export interface RunResult { code: number | null; signal: NodeJS.Signals | null; output: string }

/** spawn without a shell, stdin closed, stdout+stderr captured together. */
export function run(cmd: string, args: string[], cwd: string, timeoutMs = 15 * 60_000): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd, env: npmEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => chunks.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => { clearTimeout(timer); reject(err); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, output: Buffer.concat(chunks).toString('utf8') });
    });
  });
}

function tail(text: string, lines = 40): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function pidAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

/**
 * Cross-process mutex built on atomic mkdir. A lock whose owner pid is dead is
 * taken over, so a worker killed mid-install doesn't wedge later runs.
 */
export async function withLock<T>(lockDir: string, fn: () => Promise<T>, timeoutMs = 20 * 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(join(lockDir, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let owner = NaN;
      try { owner = Number(readFileSync(join(lockDir, 'pid'), 'utf8')); } catch { /* being created */ }
      let ageMs = 0;
      try { ageMs = Date.now() - statSync(lockDir).mtimeMs; } catch { continue; }
      if ((Number.isFinite(owner) && !pidAlive(owner)) || (!Number.isFinite(owner) && ageMs > 60_000)) {
        rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for lock ${lockDir} (held by pid ${owner})`);
      await sleep(200);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- pack + install

async function packAndInstall(ctx: E2EContext): Promise<InstalledBins> {
  const packDir = join(ctx.runDir, 'pack');
  const prefix = join(ctx.runDir, 'prefix');
  await mkdir(packDir, { recursive: true });
  await mkdir(prefix, { recursive: true });

  // `npm test` has just built dist/; packing with scripts would run `prepare` and build it again.
  // So build here only when dist/ is stale (a bare `vitest run` after an edit), then pack as is.
  const scripts = (JSON.parse(readFileSync(join(ctx.repoRoot, 'package.json'), 'utf8')) as { scripts?: Record<string, string> }).scripts ?? {};
  const freshness = scripts.build ? distIsFresh(ctx.repoRoot) : { fresh: true, why: 'nothing to build' };
  if (!freshness.fresh) {
    const build = await run('npm', ['run', 'build'], ctx.repoRoot);
    if (build.code !== 0) {
      throw new Error(
        `[e2e setup] \`npm run build\` failed in ${ctx.repoRoot} (exit ${build.code ?? build.signal}; ran because ${freshness.why}).\n` +
          `The e2e tests run the CLI from its packed tarball, so this usually means the CLI does not build yet.\n` +
          `--- npm run build output (tail) ---\n${tail(build.output)}`,
      );
    }
  }
  const pack = await run('npm', ['pack', '--ignore-scripts', '--pack-destination', packDir], ctx.repoRoot);
  const tarballs = readdirSync(packDir).filter((f) => f.endsWith('.tgz'));
  if (pack.code !== 0 || tarballs.length !== 1) {
    throw new Error(
      `[e2e setup] \`npm pack --ignore-scripts\` failed in ${ctx.repoRoot} (exit ${pack.code ?? pack.signal}).\n` +
        `Reproduce with: npm pack --ignore-scripts --dry-run\n--- npm pack output (tail) ---\n${tail(pack.output)}`,
    );
  }
  const tarball = join(packDir, tarballs[0]!);

  // A package.json in the prefix stops npm from walking up to an enclosing project.
  await writeFile(join(prefix, 'package.json'), '{ "name": "e2e-prefix", "private": true }\n');
  const install = await run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', '--no-package-lock', '--prefix', prefix, tarball],
    ctx.repoRoot,
  );
  if (install.code !== 0) {
    throw new Error(
      `[e2e setup] \`npm install <tarball>\` failed (exit ${install.code ?? install.signal}) into ${prefix}.\n` +
        `--- npm install output (tail) ---\n${tail(install.output)}`,
    );
  }

  const pkgName = (JSON.parse(readFileSync(join(ctx.repoRoot, 'package.json'), 'utf8')) as { name: string }).name;
  const pkgDir = join(prefix, 'node_modules', ...pkgName.split('/'));
  const pkg = JSON.parse(await readFile(join(pkgDir, 'package.json'), 'utf8')) as { bin?: string | Record<string, string> };
  const binField = typeof pkg.bin === 'string' ? { [pkgName]: pkg.bin } : (pkg.bin ?? {});
  const resolveBin = (name: 'create-service' | 'platform'): string => {
    const rel = binField[name];
    if (!rel) throw new Error(`[e2e setup] installed ${pkgName} has no bin named "${name}" (bin field: ${JSON.stringify(pkg.bin)})`);
    const abs = join(pkgDir, rel);
    if (!existsSync(abs)) throw new Error(`[e2e setup] bin "${name}" points to ${rel}, which is not in the tarball (check "files" in package.json)`);
    return realpathSync(abs);
  };
  return { 'create-service': resolveBin('create-service'), platform: resolveBin('platform'), prefix, tarball };
}

type InstallState = { ok: true; bins: InstalledBins } | { ok: false; error: string };

/**
 * Pack + install at most once per run (whichever worker gets here first does
 * it; a failure is recorded too, so every e2e test fails fast with the same
 * message instead of re-packing).
 */
export async function ensureInstalled(ctx: E2EContext): Promise<InstalledBins> {
  const stateFile = join(ctx.runDir, 'install-state.json');
  if (!existsSync(stateFile)) {
    await withLock(join(ctx.runDir, 'install.lock'), async () => {
      if (existsSync(stateFile)) return;
      let state: InstallState;
      try {
        state = { ok: true, bins: await packAndInstall(ctx) };
      } catch (e) {
        state = { ok: false, error: e instanceof Error ? e.message : String(e) };
      }
      await writeFile(`${stateFile}.tmp`, JSON.stringify(state));
      await rename(`${stateFile}.tmp`, stateFile);
    });
  }
  const state = JSON.parse(await readFile(stateFile, 'utf8')) as InstallState;
  if (!state.ok) throw new Error(state.error);
  return state.bins;
}

// ---------------------------------------------------------------- alternative Node binaries

const archPkg = `node-${process.platform}-${process.arch}`;

/** Returns the node binary inside an install folder if it runs and has the right major. */
export function findAltNode(dir: string, major: number): string | null {
  const candidates = [
    join(dir, 'node_modules', 'node', 'bin', 'node'),
    join(dir, 'node_modules', archPkg, 'bin', 'node'),
    join(dir, 'node_modules', 'node', 'node_modules', archPkg, 'bin', 'node'),
  ];
  for (const c of candidates) {
    if (!existsSync(c) || statSync(c).size < 1_000_000) continue; // skip placeholder files
    const r = spawnSync(c, ['--version'], { encoding: 'utf8', timeout: 30_000 });
    if (r.status === 0 && r.stdout.trim().startsWith(`v${major}.`)) return c;
  }
  return null;
}

/**
 * Installs node@<major> from the npm registry into <cache>/<major> unless it is
 * there already. Installs into a temp sibling and renames it into place, under
 * a lock, so concurrent workers/runs never see a half-installed folder.
 */
export async function ensureAltNode(major: number): Promise<string> {
  const root = altNodeCacheRoot();
  const dir = join(root, String(major));
  const found = findAltNode(dir, major);
  if (found) return found;
  await mkdir(root, { recursive: true });
  return withLock(join(root, `${major}.lock`), async () => {
    const again = findAltNode(dir, major);
    if (again) return again;
    const tmp = `${dir}.tmp-${process.pid}`;
    await rm(tmp, { recursive: true, force: true });
    const logs: string[] = [];
    for (const spec of [`node@${major}`, `${archPkg}@${major}`]) {
      // The `node` package fetches its binary from `node-<os>-<arch>` in a preinstall
      // script; if scripts are blocked, installing that package directly is the fallback.
      const r = await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--no-package-lock', '--prefix', tmp, spec], root);
      logs.push(`$ npm install ${spec} (exit ${r.code})\n${tail(r.output, 15)}`);
      if (findAltNode(tmp, major)) break;
    }
    if (!findAltNode(tmp, major)) {
      await rm(tmp, { recursive: true, force: true });
      throw new Error(`[e2e] could not install Node ${major} from the npm registry into ${dir}\n${logs.join('\n')}`);
    }
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
    const bin = findAltNode(dir, major);
    if (!bin) throw new Error(`[e2e] Node ${major} installed into ${dir} but does not run`);
    return bin;
  });
}

// ---------------------------------------------------------------- globalSetup entry

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const runDir = realpathSync(await mkdtemp(join(tmpdir(), 'create-service-e2e-')));
  const ctx: E2EContext = { repoRoot: REPO_ROOT, runDir };
  project.provide('e2e', ctx);
  if (process.env.E2E_EAGER_PACK === '1') {
    try {
      await ensureInstalled(ctx);
    } catch (e) {
      await rm(runDir, { recursive: true, force: true });
      throw e;
    }
  }
  return async () => {
    if (process.env.E2E_KEEP_TMP === '1') {
      console.log(`[e2e] keeping ${runDir}`);
      return;
    }
    await rm(runDir, { recursive: true, force: true });
  };
}
