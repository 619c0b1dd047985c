/**
 * The day-one matrix (test/catalog/day-one.test.ts): a created repository runs its own CI.
 *
 * This module is the plumbing every part shares: processes (a limit on how many run at once,
 * process groups killed on timeout, the last lines of their output), the environment a CI job
 * sees, creating a variant with the real CLI (in-process), and the dependency install shared by
 * every variant whose dependencies are the same.
 *
 * The shared install. A created repository installs ~200 packages. Instead of one install per
 * variant, the variants are grouped by their package.json without `name` and `description` (the
 * only fields an answer other than nodeVersion changes) plus the Node.js major: each group installs
 * ONCE, in a folder of its own (`installs/<key>/`), exactly as a team would on day one:
 *   1. `npm install --no-audit --no-fund` (create's install step), which writes package-lock.json;
 *   2. `npm ci --no-audit --no-fund` (the CI's install step) from that lockfile.
 * Every variant of the group then gets that lockfile (its own name put in, as npm would write it),
 * commits it in its first commit, and gets `node_modules` as a symbolic link to the group's, made
 * after the commit. A `npm` wrapper first on PATH turns `npm ci` / `npm install` (without package
 * names) inside a folder whose node_modules is that link into a no-op that says so, so the
 * pipeline's install steps stay in the pipeline, visibly, and can never wipe the shared folder.
 * All npm commands share one cache (`DAY_ONE_NPM_CACHE`, default node_modules/.cache/day-one/npm)
 * with `prefer-offline`, like CI's restored npm cache.
 */
import { installedBins } from '../e2e/harness.js';
import { hasDockerEngine } from './day-one-jobs.js';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, chmodSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { CliContext } from '../../src/cli/context.js';
import { run as runCli } from '../../src/cli/main.js';
import { nodeFs } from '../../src/core/node-fs.js';
import { BUILTIN_ROOT, listCatalog } from '../../src/template/builtin.js';
import { ensureAltNode } from '../e2e/global-setup.js';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');
export const TAIL_LINES = 30;

// --------------------------------------------------------------------------------------------
// Variants and results
// --------------------------------------------------------------------------------------------

export type Provider = 'github' | 'gitlab';

export interface Variant {
  /** Short id, used in every message. */
  id: string;
  /** The service name (and folder). */
  name: string;
  /** `--set key=value` answers; the rest are defaults (`--yes`). */
  set: Record<string, string>;
}

export type Status = 'passed' | 'failed' | 'skipped';

export interface StepOutcome {
  name: string;
  command?: string;
  status: Status;
  /** Why a step was skipped, or a short note (an emulated action, a shared install). */
  reason?: string;
  exitCode?: number | null;
  /** The last TAIL_LINES lines of what it printed (failures only). */
  tail?: string;
  ms?: number;
  /** Skipped only because something before it failed: it would run here. */
  blocked?: boolean;
}

export interface JobOutcome {
  id: string;
  name: string;
  status: Status | 'not-in-pipeline';
  reason?: string;
  steps: StepOutcome[];
  /** Skipped only because a job it needs failed: it would run here. */
  blocked?: boolean;
  /** The shell commands of the job (run: steps or script lines), for the "does CI run X" checks. */
  commands: string[];
}

export interface PipelineOutcome {
  provider: Provider;
  /** How the jobs were run: our step runner, or gitlab-ci-local. */
  mode: string;
  jobs: JobOutcome[];
  /** Problems found without running anything (a job that refers to files the repository lacks). */
  problems: string[];
  notes: string[];
}

// --------------------------------------------------------------------------------------------
// Processes
// --------------------------------------------------------------------------------------------

/** How many processes run at once (a gitlab-ci-local run counts as two): DAY_ONE_CONCURRENCY or the cores. */
export const CONCURRENCY = Math.max(1, Number(process.env.DAY_ONE_CONCURRENCY) || Math.max(2, availableParallelism()));

class Limiter {
  private used = 0;
  private readonly waiting: Array<{ weight: number; go: () => void }> = [];
  constructor(private readonly capacity: number) {}
  async run<T>(weight: number, body: () => Promise<T>): Promise<T> {
    const w = Math.min(weight, this.capacity);
    if (this.used + w > this.capacity || this.waiting.length > 0) await new Promise<void>((go) => this.waiting.push({ weight: w, go }));
    else this.used += w;
    try {
      return await body();
    } finally {
      this.used -= w;
      this.wake();
    }
  }
  private wake(): void {
    while (this.waiting.length > 0 && this.used + this.waiting[0]!.weight <= this.capacity) {
      const next = this.waiting.shift()!;
      this.used += next.weight;
      next.go();
    }
  }
}
const limiter = new Limiter(CONCURRENCY);

export interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  ms: number;
  timedOut: boolean;
}

export interface RunOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Slots of the limiter this process takes (gitlab-ci-local runs two jobs at a time). */
  weight?: number;
}

/** Runs a command (no shell), stdin closed, stdout and stderr together; never rejects. */
export function runProcess(command: string, args: string[], options: RunOptions): Promise<Ran> {
  return limiter.run(options.weight ?? 1, () => spawnCollect(command, args, options));
}

function spawnCollect(command: string, args: string[], options: RunOptions): Promise<Ran> {
  const started = Date.now();
  return new Promise((done) => {
    const chunks: Buffer[] = [];
    let timedOut = false;
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => chunks.push(c));
    const timer = setTimeout(() => {
      timedOut = true;
      // The whole process group: npm, vitest and gitlab-ci-local start children of their own.
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
      }
    }, options.timeoutMs ?? 10 * 60_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      done({ code: null, signal: null, output: `could not run ${command}: ${error.message}`, ms: Date.now() - started, timedOut });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const output = Buffer.concat(chunks).toString('utf8');
      done({ code, signal, output: timedOut ? `${output}\n[killed after ${Math.round((options.timeoutMs ?? 0) / 1000)} s]` : output, ms: Date.now() - started, timedOut });
    });
  });
}

/** The last `lines` lines of a tool's output, colour codes and trailing blank lines removed. */
export function tail(output: string, lines = TAIL_LINES): string {
  // eslint-disable-next-line no-control-regex
  const clean = output.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '').replace(/\r/g, '').replace(/\s+$/, '');
  const all = clean.split('\n');
  return (all.length > lines ? [`[… ${all.length - lines} earlier lines]`, ...all.slice(-lines)] : all).join('\n');
}

export function indent(text: string, by = '    '): string {
  return text
    .split('\n')
    .map((line) => (line ? by + line : line))
    .join('\n');
}

export function exitText(ran: Pick<Ran, 'code' | 'signal' | 'timedOut'>): string {
  if (ran.timedOut) return 'timed out';
  return ran.code === null ? `was killed by ${ran.signal ?? 'a signal'}` : `exited ${ran.code}`;
}

// --------------------------------------------------------------------------------------------
// The machine: Node.js per major, shims, environment
// --------------------------------------------------------------------------------------------

export interface Workspace {
  /** Everything of one test run: variants, installs, shims. Removed at the end unless DAY_ONE_KEEP=1. */
  root: string;
  npmCache: string;
  shims: string;
  realNpm: string;
}

function onPath(command: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** PATH without the node_modules/.bin folders an outer `npm test` or vitest put first. */
function hostPath(): string {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => dir && !/node_modules[/\\]\.bin$/.test(dir))
    .join(delimiter);
}

export function hostHas(command: string): boolean {
  return onPath(command, hostPath()) !== undefined;
}

/**
 * Creates the run's folder, the shared npm cache and the shims:
 *  - `npm`: `npm ci` / `npm install` without package names, in a folder whose node_modules is the
 *    group's symbolic link, prints what it stands for and exits 0; everything else is the real npm;
 *  - `kustomize` (only when no kustomize is installed): `kustomize build ARGS` is
 *    `kubectl kustomize ARGS` (the same kustomize library, built into kubectl); any other
 *    subcommand exits 127 saying so.
 */
export function createWorkspace(): Workspace {
  const root = mkdtempSync(join(tmpdir(), 'day-one-'));
  const npmCache = resolve(process.env.DAY_ONE_NPM_CACHE ?? join(REPO_ROOT, 'node_modules', '.cache', 'day-one', 'npm'));
  mkdirSync(npmCache, { recursive: true });
  const shims = join(root, 'shims');
  mkdirSync(shims);
  const realNpm = onPath('npm', hostPath());
  if (!realNpm) throw new Error('npm is not on PATH: the day-one test installs the created repositories with it.');
  writeFileSync(
    join(shims, 'npm'),
    `#!/usr/bin/env bash
# day-one test shim: the dependencies of this repository were installed once for its group.
sub="\${1:-}"
case "$sub" in
  ci|clean-install|install|i|add)
    if [ -L node_modules ] && [ -n "\${DAY_ONE_SHARED_INSTALL:-}" ]; then
      for arg in "\${@:2}"; do
        case "$arg" in
          -*) ;;
          *) echo "day-one: \\\`npm $*\\\` would change the shared install ($DAY_ONE_SHARED_INSTALL); not supported here" >&2; exit 1 ;;
        esac
      done
      echo "day-one: \\\`npm $*\\\` stands for the install that ran once for this dependency set: $DAY_ONE_SHARED_INSTALL"
      exit 0
    fi
    ;;
esac
exec ${JSON.stringify(realNpm)} "$@"
`,
  );
  chmodSync(join(shims, 'npm'), 0o755);
  if (!hasDockerEngine() && hostHas('promtool')) {
    writeFileSync(
      join(shims, 'docker'),
      `#!/usr/bin/env bash
# day-one test shim: no container engine here. 'docker run … --entrypoint promtool IMAGE ARGS'
# (the pinned Prometheus image's promtool, the repository mounted as the working directory) runs
# this machine's promtool; anything else needs a container engine.
if [ "\${1:-}" = run ]; then
  shift
  entry=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --entrypoint) entry="$2"; shift 2 ;;
      --network|--user|--volume|-v|--workdir|-w|--env|-e) shift 2 ;;
      -*) shift ;;
      *) break ;;
    esac
  done
  shift # the image
  if [ "$entry" = promtool ]; then exec promtool "$@"; fi
fi
echo "docker: no container engine on this machine (the day-one shim runs only promtool images)" >&2
exit 127
`,
    );
    chmodSync(join(shims, 'docker'), 0o755);
  }
  if (!hostHas('kustomize')) {
    writeFileSync(
      join(shims, 'kustomize'),
      `#!/usr/bin/env bash
# day-one test shim: no kustomize binary on this machine; kubectl embeds the same library.
if [ "\${1:-}" = build ]; then
  shift
  exec kubectl kustomize "$@"
fi
echo "kustomize \${1:-}: not available on this machine (only \\\`kustomize build\\\` is, through \\\`kubectl kustomize\\\`)" >&2
exit 127
`,
    );
    chmodSync(join(shims, 'kustomize'), 0o755);
  }
  return { root, npmCache, shims, realNpm };
}

export function removeWorkspace(ws: Workspace | undefined): void {
  if (!ws) return;
  if (process.env.DAY_ONE_KEEP === '1') {
    console.log(`[day-one] kept ${ws.root} (DAY_ONE_KEEP=1)`);
    return;
  }
  rmSync(ws.root, { recursive: true, force: true });
}

const nodeBins = new Map<number, Promise<string>>();
/** The folder of the `node` binary of a major version (node@MAJOR from the npm registry, cached as the e2e tests do). */
export function nodeBinDir(major: number): Promise<string> {
  if (!nodeBins.has(major)) {
    nodeBins.set(
      major,
      (async () => {
        if (process.versions.node.split('.')[0] === String(major)) return dirname(process.execPath);
        return dirname(await ensureAltNode(major));
      })(),
    );
  }
  return nodeBins.get(major)!;
}

/**
 * The environment of a CI job on this machine: the host's, less what the outer npm and vitest
 * set (their npm_* variables, VITEST*, NODE_OPTIONS, NODE_ENV, colour settings, their
 * node_modules/.bin on PATH), with CI=true, the job's Node.js and the shims first on PATH, and
 * the shared npm cache.
 */
export function jobEnv(ws: Workspace, nodeDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|VITEST|__VITEST|TINYPOOL)/i.test(key)) continue;
    if (['NODE_OPTIONS', 'NODE_ENV', 'TEST', 'FORCE_COLOR', 'NO_COLOR', 'INIT_CWD', 'GITHUB_ACTIONS', 'GITLAB_CI', 'PLATFORM_OFFLINE'].includes(key)) continue;
    if (key.startsWith('GITHUB_') || key.startsWith('RUNNER_') || key.startsWith('CI_')) continue;
    env[key] = value;
  }
  return {
    ...env,
    CI: 'true',
    NO_COLOR: '1',
    PATH: [nodeDir, ws.shims, hostPath()].join(delimiter),
    npm_config_cache: ws.npmCache,
    npm_config_prefer_offline: 'true',
    npm_config_update_notifier: 'false',
    ...extra,
  };
}

// --------------------------------------------------------------------------------------------
// Creating a variant with the real CLI
// --------------------------------------------------------------------------------------------

export interface Created {
  variant: Variant;
  dir: string;
  /** Component -> version, from .platform.yaml. */
  components: Record<string, string>;
  answers: Record<string, unknown>;
  provider: Provider;
  nodeMajor: number;
  packageJson: Record<string, any>;
  /** What create printed. */
  output: string;
}

const cliVersion = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** `create-service NAME --yes --no-git --no-install --set …`, through the CLI's own entry (src/cli/main.ts `run`). */
export async function createVariant(ws: Workspace, variant: Variant): Promise<Created> {
  const parent = join(ws.root, 'variants', variant.id);
  mkdirSync(parent, { recursive: true });
  const args = [variant.name, '--yes', '--no-git', '--no-install', ...Object.entries(variant.set).flatMap(([k, v]) => ['--set', `${k}=${v}`])];
  let stdout = '';
  let stderr = '';
  // The repository pins the CLI that created it (service 1.2.0): unpublished here, so the packed tarball.
  const { tarball } = await installedBins();
  const ctx: CliContext = {
    cwd: parent,
    env: { NO_COLOR: '1', CI: 'true', HOME: process.env.HOME, PATH: hostPath(), PLATFORM_CLI_DEPENDENCY: `file:${tarball}` },
    stdin: { isTTY: false } as unknown as CliContext['stdin'],
    stdout: { isTTY: false, write: (chunk: string) => ((stdout += chunk), true) } as unknown as CliContext['stdout'],
    stderr: { isTTY: false, write: (chunk: string) => ((stderr += chunk), true) } as unknown as CliContext['stderr'],
    fs: nodeFs,
    version: cliVersion,
    pid: process.pid,
    isRunning: () => false,
    self: [process.execPath, join(REPO_ROOT, 'bin', 'platform.js')],
    onCancel: () => undefined,
  };
  const code = await runCli('create-service', args, ctx);
  const output = `$ create-service ${args.join(' ')}\n${stdout}${stderr}`;
  if (code !== 0) throw new Error(`[${variant.id}] create-service exited ${code}:\n${indent(tail(output))}`);
  const dir = join(parent, variant.name);
  const lock = parseYaml(readFileSync(join(dir, '.platform.yaml'), 'utf8')) as { templates: Array<{ name: string; version: string; answers?: Record<string, unknown> }> };
  const components: Record<string, string> = {};
  const answers: Record<string, unknown> = {};
  for (const t of lock.templates) {
    components[t.name] = t.version;
    Object.assign(answers, t.answers ?? {});
  }
  const packageJson = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, any>;
  const nvmrc = existsSync(join(dir, '.nvmrc')) ? readFileSync(join(dir, '.nvmrc'), 'utf8').trim() : String(answers.nodeVersion ?? '22');
  const nodeMajor = Number(/^v?(\d+)/.exec(nvmrc)?.[1] ?? 22);
  const provider: Provider = existsSync(join(dir, '.gitlab-ci.yml')) ? 'gitlab' : 'github';
  return { variant, dir, components, answers, provider, nodeMajor, packageJson, output };
}

/** Components of the built-in catalog whose latest version is not the one created (empty: all latest). */
export async function notLatest(components: Record<string, string>): Promise<string[]> {
  const catalog = await listCatalog(nodeFs, BUILTIN_ROOT);
  const stale: string[] = [];
  for (const [name, version] of Object.entries(components)) {
    const latest = catalog.find((e) => e.name === name)?.versions.at(-1);
    if (latest !== version) stale.push(`${name} ${version} (latest ${latest ?? 'unknown'})`);
  }
  return stale;
}

// --------------------------------------------------------------------------------------------
// The shared install
// --------------------------------------------------------------------------------------------

export interface Install {
  key: string;
  dir: string;
  /** The variant whose package.json was installed. */
  leader: string;
  nodeMajor: number;
  ok: boolean;
  /** `npm install` (create) then `npm ci` (CI), each with its result. */
  steps: Array<{ command: string; ran: Ran }>;
  lockfile?: Record<string, any>;
  description: string;
}

/** The group of a package.json: everything but its name and description, and the Node.js major. */
export function installKey(created: Created): string {
  const { name: _name, description: _description, ...rest } = created.packageJson;
  return createHash('sha256')
    .update(JSON.stringify({ node: created.nodeMajor, rest }))
    .digest('hex')
    .slice(0, 12);
}

const installs = new Map<string, Promise<Install>>();

/** The group's install, run by the first variant that asks for it. */
export function sharedInstall(ws: Workspace, created: Created): Promise<Install> {
  const key = installKey(created);
  if (!installs.has(key)) installs.set(key, installGroup(ws, created, key));
  return installs.get(key)!;
}

async function installGroup(ws: Workspace, created: Created, key: string): Promise<Install> {
  const dir = join(ws.root, 'installs', key);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), readFileSync(join(created.dir, 'package.json')));
  const env = jobEnv(ws, await nodeBinDir(created.nodeMajor));
  const steps: Install['steps'] = [];
  const description = `installs/${key} (package.json of ${created.variant.id}, Node ${created.nodeMajor})`;
  for (const args of [
    ['install', '--no-audit', '--no-fund'], // what create runs (src/steps/install.ts)
    ['ci', '--no-audit', '--no-fund'], // what CI runs, from the lockfile the first one wrote
  ]) {
    let ran = await runProcess(ws.realNpm, args, { cwd: dir, env, timeoutMs: 10 * 60_000 });
    steps.push({ command: `npm ${args.join(' ')}`, ran });
    if (ran.code !== 0 && registryOutOfStep(ran.output)) {
      // Once more, asking the registry again for every package document.
      const again = [...args, '--prefer-online'];
      ran = await runProcess(ws.realNpm, again, { cwd: dir, env, timeoutMs: 10 * 60_000 });
      steps.push({ command: `npm ${again.join(' ')}`, ran });
    }
    if (ran.code !== 0) return { key, dir, leader: created.variant.id, nodeMajor: created.nodeMajor, ok: false, steps, description };
  }
  const lockfile = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8')) as Record<string, any>;
  return { key, dir, leader: created.variant.id, nodeMajor: created.nodeMajor, ok: true, steps, lockfile, description };
}

/**
 * npm's "No matching version found for X@V" (ETARGET) for a version another package document
 * listed: while a release propagates, the registry's servers can briefly disagree (seen for
 * fast-json-stringify 7.3.11 and @opentelemetry/exporter-logs-otlp-proto 0.301.2, each resolved
 * from one document and missing from the next), and prefer-offline keeps the older one cached.
 * One retry that revalidates every document; a version that does not exist fails both times.
 */
function registryOutOfStep(output: string): boolean {
  return /\bETARGET\b|notarget No matching version found/.test(output);
}

/** The lockfile npm writes for this package.json: the group's, with the variant's name at the root. */
export function lockfileFor(install: Install, packageJson: Record<string, any>): string {
  const lock = structuredClone(install.lockfile!);
  lock.name = packageJson.name;
  if (lock.packages?.['']) lock.packages[''].name = packageJson.name;
  return `${JSON.stringify(lock, null, 2)}\n`;
}

// --------------------------------------------------------------------------------------------
// git: the first commit
// --------------------------------------------------------------------------------------------

const GIT_SAFE = ['-c', 'core.hooksPath=/dev/null', '-c', 'commit.gpgsign=false', '-c', 'core.fsmonitor=false', '-c', 'init.defaultBranch=main'];

export function git(dir: string, args: string[]): string {
  const result = spawnSync('git', [...GIT_SAFE, ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 'Day One', GIT_AUTHOR_EMAIL: 'day-one@example.com', GIT_COMMITTER_NAME: 'Day One', GIT_COMMITTER_EMAIL: 'day-one@example.com', GIT_CONFIG_NOSYSTEM: '1' },
  });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')} in ${dir} failed:\n${result.stdout}${result.stderr}`);
  return result.stdout.trim();
}

/** git init, add everything, commit: the repository as create leaves it (install first, then the first commit). */
export function firstCommit(dir: string, message: string): string {
  git(dir, ['init', '--quiet', '--initial-branch=main']);
  git(dir, ['add', '--all']);
  git(dir, ['commit', '--quiet', '--message', message]);
  return git(dir, ['rev-parse', 'HEAD']);
}

/** After the first commit: node_modules is the group's (not committed: a link is not a folder to .gitignore's `node_modules/`). */
export function linkNodeModules(dir: string, install: Install): void {
  symlinkSync(join(install.dir, 'node_modules'), join(dir, 'node_modules'), 'dir');
}
