import { homedir } from 'node:os';
import { posix } from 'node:path';
import { z } from 'zod';
import { ExitCode, PlatformError, UsageError } from '../core/errors.js';
import type { Fs } from '../core/fs.js';
import { readInputFile } from '../core/input-file.js';
import { sourceCovers, sourceKind, tryCanonicalSource } from '../sources/canonical.js';
import { parseYamlSource, validateSource } from '../core/yaml-source.js';
import { isTruthy } from '../answers/resolve.js';
import { expressionEvaluator } from '../answers/expressions.js';
import { serializeLockfile, type Lockfile } from '../lock/lockfile.js';
import { LOCKFILE_NAME } from '../render/paths.js';
import type { Template } from '../template/template.js';
import { templateId } from '../template/template.js';

/**
 * Template hooks: commands a template asks to run in the target after its files are written.
 * Always an argv (execa with shell: false), never a shell string; secret answers never reach
 * them. Built-in templates are trusted; any other source needs --trust or a trust list entry.
 */
export type HookEvent = 'create' | 'upgrade';

/** One command of one component, its argv rendered. */
export interface PreparedHook {
  description: string;
  argv: string[];
}

/** The hooks one applied component will run, and where it came from (its lockfile source). */
export interface ComponentHooks {
  name: string;
  version: string;
  source: string;
  hooks: PreparedHook[];
}

/**
 * Whether a hook's Handlebars names the answer `name` inside a {{ }}. One pass over the mustaches
 * (a single regex with [^}]* on both sides of the name was quadratic on a long hostile string).
 */
function mentions(source: string, name: string): boolean {
  const word = new RegExp(`(?<![\\w.@])${name}(?!\\w)`);
  let open = source.indexOf('{{');
  while (open !== -1) {
    const close = source.indexOf('}}', open + 2);
    if (close === -1) return false;
    if (word.test(source.slice(open + 2, close))) return true;
    open = source.indexOf('{{', close + 2);
  }
  return false;
}

/**
 * The hooks of template for event, their `when` evaluated and argv rendered element by element
 * with the template's own renderer. A hook that names a secret answer is refused: hooks are not
 * given secrets at all (they are left out of the data too, so a strict render fails anyway).
 */
export function prepareHooks(template: Template, event: HookEvent, answers: Record<string, unknown>, secrets: ReadonlySet<string>, targetName: string): PreparedHook[] {
  const id = templateId(template);
  const evaluate = expressionEvaluator(template, targetName);
  const data = Object.fromEntries(Object.entries(answers).filter(([name]) => !secrets.has(name)));
  const prepared: PreparedHook[] = [];
  template.manifest.hooks.forEach((hook, index) => {
    if (!hook.on.includes(event)) return;
    for (const source of [...(hook.when !== undefined ? [hook.when] : []), ...hook.run]) {
      const secret = [...secrets].find((name) => mentions(source, name));
      if (secret !== undefined) {
        throw new UsageError('hook-secret', `${id}: hook ${index + 1} ("${hook.description}") uses the secret answer "${secret}". Secret answers are never passed to hooks.`, {
          where: { file: posix.join(template.root, 'template.yaml') },
          hint: 'Remove the secret from the hook (a hook can read it from a file or the environment the team provides).',
        });
      }
    }
    if (hook.when !== undefined && !isTruthy(evaluate(hook.when, data))) return;
    prepared.push({ description: hook.description, argv: hook.run.map((element) => evaluate(element, data)) });
  });
  return prepared;
}

// ---------------------------------------------------------------- trust

const configSchema = z.looseObject({ trust: z.array(z.string().min(1)).default([]) }).nullable();

/** $PLATFORM_CONFIG, else $XDG_CONFIG_HOME/platform/config.yaml, else ~/.config/platform/config.yaml. */
export function configPath(env: NodeJS.ProcessEnv): string {
  if (env.PLATFORM_CONFIG) return env.PLATFORM_CONFIG;
  const base = env.XDG_CONFIG_HOME || posix.join(env.HOME || homedir(), '.config');
  return posix.join(base, 'platform', 'config.yaml');
}

/** The `trust:` list of the user's config file; empty when there is no file. */
export async function readTrustList(fs: Fs, env: NodeJS.ProcessEnv): Promise<string[]> {
  const path = configPath(env);
  // The user's own file (often a symlink from a dotfiles repository): links are followed.
  const bytes = await readInputFile(fs, path, { kind: 'config', what: 'Config', followLinks: true, hint: `Make ${path} a YAML file (trust: [...]) or remove it.` });
  if (!bytes) return [];
  const config = validateSource(configSchema, parseYamlSource(new TextDecoder().decode(bytes), path, 'Config'), path, 'Config');
  return config?.trust ?? [];
}

/**
 * Whether a lockfile source is trusted: built-in, or at or under a trust-list entry. Both are
 * compared in canonical form (sources/canonical.ts) on whole path segments, so
 * `dir:/srv/templates` covers `dir:/srv/templates/api` but not `dir:/srv/templates-evil` or
 * `dir:/srv/templates/../evil`; an entry that is not a valid source matches nothing.
 */
export function isTrusted(source: string, trustList: readonly string[]): boolean {
  const canonical = tryCanonicalSource(source);
  if (canonical === undefined) return false;
  if (sourceKind(canonical) === 'builtin') return true;
  return trustList.some((raw) => {
    const entry = tryCanonicalSource(raw.trim());
    return entry !== undefined && sourceCovers(entry, canonical);
  });
}

// ---------------------------------------------------------------- the step

export interface HookStepInput {
  fs: Fs;
  root: string;
  components: ComponentHooks[];
  lockfile: Lockfile;
  /** --trust */
  trust: boolean;
  trustList: readonly string[];
  /** Where the trust list lives, for the hint. */
  configFile: string;
  /** A person at a terminal who may be asked. */
  ask: ((question: string) => Promise<boolean>) | undefined;
  /** Conflicts were left: nothing runs, the hooks stay pending. */
  conflicts: boolean;
  /**
   * The dependency install create runs next, if any: it runs code of every template that wrote
   * files (package.json scripts, .npmrc, .yarnrc.yml, bunfig.toml), so the same trust question
   * covers it. The step records its verdict in `allowed`.
   */
  install?: InstallGate;
  out: {
    line(text?: string): void;
    note(text: string): void;
    warn(text: string): void;
    fail(error: unknown): ExitCode;
    set(fields: Record<string, unknown>): void;
  };
}

export interface InstallGate {
  /** The command line, as shown: `npm install`. */
  command: string;
  /** The lockfile source of every template that wrote files. */
  sources: readonly string[];
  allowed?: boolean;
}

/** The one trust rule, for hooks and the install alike: built-in, --trust, or on the trust list. */
export function untrustedSources(sources: readonly string[], trust: boolean, trustList: readonly string[]): string[] {
  return trust ? [] : [...new Set(sources.filter((source) => !isTrusted(source, trustList)))];
}

export interface HookRunResult {
  name: string;
  description: string;
  argv: string[];
  status: 'done' | 'failed' | 'pending';
}

/** The lockfile with `hooks: pending` on every component that has hooks to run. */
export function markPending(lock: Lockfile, components: ComponentHooks[]): Lockfile {
  const pending = new Set(components.filter((c) => c.hooks.length > 0).map((c) => c.name));
  return setStatus(lock, (name, current) => (pending.has(name) ? 'pending' : current));
}

function setStatus(lock: Lockfile, status: (name: string, current: 'pending' | 'failed' | undefined) => 'pending' | 'failed' | undefined): Lockfile {
  return {
    ...lock,
    templates: lock.templates.map((t) => {
      const { hooks: current, ...rest } = t;
      const next = status(t.name, current);
      return next ? { ...rest, hooks: next } : rest;
    }),
  };
}

export function formatArgv(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`)).join(' ');
}

export interface TrustNeeded {
  sources: string[];
  /** What would run, one line each, for the question and the refusal. */
  commands: string[];
  /** The error when nobody allows it (no terminal, or the answer no): exit 4. */
  refusal: PlatformError;
}

/**
 * The one trust decision for what runs after the files are written: the hooks (unless conflicts
 * keep them pending) and the dependency install. Undefined when everything that would run is
 * trusted. Pure: the real run asks or refuses with it, a dry run reports the same outcome.
 */
export function trustNeeded(input: {
  components: ComponentHooks[];
  conflicts: boolean;
  install: Pick<InstallGate, 'command' | 'sources'> | undefined;
  trust: boolean;
  trustList: readonly string[];
  configFile: string;
  root: string;
  /** A dry run: the refusal says what the real run would do. */
  dryRun?: boolean;
}): TrustNeeded | undefined {
  const { install } = input;
  const runHooks = !input.conflicts;
  const withHooks = input.components.filter((c) => c.hooks.length > 0);
  const untrustedHooks = runHooks ? withHooks.filter((c) => untrustedSources([c.source], input.trust, input.trustList).length > 0) : [];
  const untrustedInstall = install ? untrustedSources(install.sources, input.trust, input.trustList) : [];
  const sources = [...new Set([...untrustedHooks.map((c) => c.source), ...untrustedInstall])];
  if (sources.length === 0) return undefined;
  const commands = [
    ...untrustedHooks.flatMap((c) => c.hooks.map((h) => `${c.name}: ${formatArgv(h.argv)}   (${h.description})`)),
    ...(install && untrustedInstall.length > 0 ? [`${install.command}   (installs dependencies: runs the package.json scripts and reads .npmrc, .yarnrc.yml, bunfig.toml the template wrote)`] : []),
  ];
  const what = [
    ...(untrustedHooks.length > 0 ? [`the hooks (${LOCKFILE_NAME} records them as pending)`] : []),
    ...(install && untrustedInstall.length > 0 ? [`\`${install.command}\``] : []),
  ].join(' nor ');
  const review = install && untrustedInstall.length > 0
    ? `Review package.json and the package manager's config files (.npmrc, .yarnrc.yml, bunfig.toml)${untrustedHooks.length > 0 ? ' and the commands' : ''}, then run ${untrustedHooks.length > 0 ? 'them and ' : ''}\`${install.command}\` yourself`
    : 'Check the commands, then run them yourself';
  const message = input.dryRun
    ? `Dry run: nothing was written. The real run would write the files, then refuse to run ${what}: ${sources.join(', ')} is not trusted.`
    : `Did not run ${what}: ${sources.join(', ')} is not trusted. The files are written.`;
  const hint = `${review}; or pass --trust, or add the source to the trust: list in ${input.configFile} (- ${sources[0]})${install && untrustedInstall.length > 0 ? '; or pass --no-install' : ''}.`;
  const refusal = untrustedHooks.length > 0
    ? new PlatformError('untrusted-hooks', ExitCode.untrusted, message, { problems: commands, hint })
    : new PlatformError('untrusted-install', ExitCode.untrusted, message, { problems: commands, hint });
  return { sources, commands, refusal };
}

/**
 * Runs the components' hooks in order in root (files already written, lockfile saying pending),
 * after the trust check; records the outcome in the lockfile. Returns the exit code of the step.
 */
export async function runHookStep(input: HookStepInput): Promise<ExitCode> {
  const { out, install } = input;
  const withHooks = input.components.filter((c) => c.hooks.length > 0);
  const results: HookRunResult[] = withHooks.flatMap((c) => c.hooks.map((h) => ({ name: c.name, description: h.description, argv: h.argv, status: 'pending' as const })));
  if (withHooks.length === 0 && !install) return ExitCode.ok;
  if (withHooks.length > 0) out.set({ hooks: results });
  const listing = withHooks.flatMap((c) => c.hooks.map((h) => `${c.name}: ${formatArgv(h.argv)}   (${h.description})`));

  // With conflicts the hooks wait; the install is still asked about.
  const runHooks = withHooks.length > 0 && !input.conflicts;
  if (withHooks.length > 0 && input.conflicts) {
    out.warn(`The template hooks did not run because of the conflicts (${LOCKFILE_NAME} records them as pending). Once resolved, run them yourself:\n${listing.map((l) => `  ${l}`).join('\n')}`);
  }

  const needed = trustNeeded({ components: input.components, conflicts: input.conflicts, install, trust: input.trust, trustList: input.trustList, configFile: input.configFile, root: input.root });
  if (needed) {
    let allowed = false;
    if (input.ask) {
      out.line(`${needed.sources.join(', ')} is not on your trust list and asks to run, in ${input.root}:`);
      for (const line of needed.commands) out.line(`  ${line}`);
      allowed = await input.ask('Run these commands?');
    }
    if (!allowed) {
      if (install) install.allowed = false;
      return out.fail(needed.refusal);
    }
  }
  if (install) install.allowed = true;
  if (!runHooks) return ExitCode.ok;

  let lock = input.lockfile;
  let index = 0;
  for (const component of withHooks) {
    for (const hook of component.hooks) {
      const result = results[index++]!;
      const outcome = await runOne(hook.argv, input.root);
      if (outcome.ok) {
        result.status = 'done';
        out.note(`✔ hook: ${formatArgv(hook.argv)} (${hook.description})`);
        continue;
      }
      result.status = 'failed';
      lock = setStatus(lock, (name, current) => (name === component.name ? 'failed' : current));
      await writeLock(input.fs, input.root, lock);
      return out.fail(
        new PlatformError('hook-failed', ExitCode.unexpected, `The hook "${hook.description}" of ${component.name} failed: ${formatArgv(hook.argv)} ${outcome.detail}. The files are written; ${LOCKFILE_NAME} records hooks: failed.`, {
          problems: outcome.tail,
          hint: `Fix the cause, then run the command yourself in ${input.root}.`,
        }),
      );
    }
    lock = setStatus(lock, (name, current) => (name === component.name ? undefined : current));
  }
  await writeLock(input.fs, input.root, lock);
  return ExitCode.ok;
}

async function runOne(argv: string[], cwd: string): Promise<{ ok: true } | { ok: false; detail: string; tail: string[] }> {
  const { execa } = await import('execa');
  try {
    const result = await execa(argv[0]!, argv.slice(1), { cwd, stdin: 'ignore', all: true, shell: false, reject: false });
    if (!result.failed && result.exitCode === 0) return { ok: true };
    const tail = String(result.all ?? '').split('\n').filter((l) => l.trim() !== '').slice(-20);
    const detail = result.exitCode !== undefined ? `exited with ${result.exitCode}` : result.signal ? `was killed by ${result.signal}` : `could not start (${result.shortMessage})`;
    return { ok: false, detail, tail };
  } catch (error) {
    return { ok: false, detail: `could not start (${(error as Error).message})`, tail: [] };
  }
}

/** Through applyWrites, like every write: a planted `.platform.yaml.PID.tmp` link is never written through. */
async function writeLock(fs: Fs, root: string, lock: Lockfile): Promise<void> {
  const { applyWrites } = await import('../apply/apply.js');
  await applyWrites(fs, root, [{ path: LOCKFILE_NAME, bytes: new TextEncoder().encode(serializeLockfile(lock)), executable: false }], { pid: process.pid });
}

/** A confirm prompt on the terminal (default no). */
export function terminalConfirm(output: NodeJS.WritableStream): (question: string) => Promise<boolean> {
  return async (message) => {
    const { confirm } = await import('@inquirer/prompts');
    try {
      return await confirm({ message, default: false }, { output, clearPromptOnDone: false });
    } catch (error) {
      if (error instanceof Error && (error.name === 'ExitPromptError' || error.name === 'AbortPromptError')) return false;
      throw error;
    }
  };
}

/**
 * The trust list and config path of this environment, plus the sources the running CLI vouches
 * for (a branded CLI's own published catalog: the user runs that package's code already).
 */
export async function trustSettings(fs: Fs, env: NodeJS.ProcessEnv, vouched: readonly string[] = []): Promise<{ trustList: string[]; configFile: string }> {
  return { trustList: [...(await readTrustList(fs, env)), ...vouched], configFile: configPath(env) };
}

/**
 * The hook step as create, add and upgrade run it after writing, with the trust settings they
 * read before writing (a broken config file must fail first) and a terminal prompt only when a
 * person may be asked.
 */
export async function runHooksAfterWrite(
  env: { fs: Fs; stderr: NodeJS.WritableStream },
  settings: { trustList: string[]; configFile: string },
  input: Omit<HookStepInput, 'fs' | 'trustList' | 'configFile' | 'ask'> & { mayAsk: boolean },
): Promise<ExitCode> {
  const { mayAsk, ...step } = input;
  return runHookStep({ ...step, ...settings, fs: env.fs, ask: mayAsk ? terminalConfirm(env.stderr) : undefined });
}

/** Every template's hooks for event, in order, with its lockfile source. */
export function planHooks(templates: ReadonlyArray<{ template: Template; source: string }>, event: HookEvent, answers: Record<string, unknown>, secrets: ReadonlySet<string>, targetName: string): ComponentHooks[] {
  return templates.map(({ template, source }) => ({
    name: template.manifest.name,
    version: template.manifest.version,
    source,
    hooks: prepareHooks(template, event, answers, secrets, targetName),
  }));
}

/** A plan whose lockfile records the hooks as pending until they have run. */
export function withPendingHooks<P extends { lockfile: Lockfile; lockText: string }>(plan: P, components: ComponentHooks[]): P {
  if (!components.some((c) => c.hooks.length > 0)) return plan;
  const lockfile = markPending(plan.lockfile, components);
  return { ...plan, lockfile, lockText: serializeLockfile(lockfile) };
}

/** Lines for a dry run: what would run after the files are written. */
export function describeHooks(components: ComponentHooks[]): string[] {
  return components.flatMap((c) => c.hooks.map((h) => `${c.name}: ${formatArgv(h.argv)}   (${h.description})`));
}
