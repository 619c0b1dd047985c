import { homedir } from 'node:os';
import { join } from 'node:path';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { runGit } from '../core/git-process.js';
import { ExitCode, UsageError } from '../core/errors.js';
import type { Reporter } from '../ui/report.js';
import type { CliContext } from './context.js';

const BEGIN = '# >>> platform merge driver (platform merge-driver install) >>>';
const END = '# <<< platform merge driver <<<';
const ATTRIBUTES = `${BEGIN}
# YAML and JSON merge by structure: edits to different keys, jobs or named list items merge
# cleanly where a line merge conflicts. Text merges exactly as git merge-file.
*.yml merge=platform
*.yaml merge=platform
*.json merge=platform
# Lockfiles are better regenerated than merged: on a conflict git keeps your version and marks
# the file; run \`npm install\` (or your package manager) to regenerate it, then commit.
package-lock.json merge=binary
npm-shrinkwrap.json merge=binary
pnpm-lock.yaml merge=binary
yarn.lock merge=binary
${END}
`;

/** platform merge-driver install|uninstall [--global]: git config and .gitattributes lines. */
export async function runMergeDriver(action: string, options: { global?: boolean }, ctx: CliContext, reporter: Reporter): Promise<ExitCode> {
  if (action !== 'install' && action !== 'uninstall') {
    throw new UsageError('merge-driver-usage', `Unknown action "${action}": expected install or uninstall.`, {
      hint: 'platform merge-driver install [--global], or uninstall [--global].',
    });
  }
  const scope = options.global ? ['--global'] : [];
  const git = (args: string[]) => runGit(args, { cwd: ctx.cwd });
  const attributes = options.global ? await globalAttributesFile(ctx) : await repoAttributesFile(ctx);
  const current = await readFile(attributes, 'utf8').catch(() => '');
  const without = removeBlock(current);

  if (action === 'uninstall') {
    await git(['config', ...scope, '--remove-section', 'merge.platform']);
    if (without !== current) await writeFile(attributes, without);
    reporter.line(`Removed the platform merge driver from ${options.global ? 'your global git config' : 'this repository'} and ${attributes}.`);
    reporter.set({ action, attributes });
    return ExitCode.ok;
  }
  const driver = driverLine(ctx.self.map(quote).join(' '));
  for (const [key, value] of [
    ['merge.platform.name', 'platform: structural merge of YAML and JSON'],
    ['merge.platform.driver', driver],
  ] as const) {
    const result = await git(['config', ...scope, key, value]);
    if (result.exitCode !== 0) {
      throw new UsageError('git-config', `git config ${key} failed: ${String(result.stderr).trim()}`, {
        hint: options.global ? 'Check that your global git config is writable.' : 'Run this inside a git repository, or pass --global.',
      });
    }
  }
  await mkdir(join(attributes, '..'), { recursive: true });
  await writeFile(attributes, `${without}${without === '' || without.endsWith('\n') ? '' : '\n'}${ATTRIBUTES}`);
  reporter.line(`Installed the platform merge driver for *.yml, *.yaml and *.json in ${options.global ? 'your global git config' : 'this repository'}.`);
  reporter.line(`  driver: ${driver}`);
  reporter.line(`  attributes: ${attributes} (lockfiles are kept as yours on a conflict: regenerate them)`);
  reporter.set({ action, attributes, driver });
  return ExitCode.ok;
}

/**
 * The command git runs once per file (through sh, as it runs every driver with spaces in it).
 * git's own line merge runs beside Node's start and its output, then its exit status on a line
 * of its own, goes to merge-file's stdin: git is done by the time merge-file needs it, where
 * spawning it there costs the run about 4 ms. Its errors go nowhere: merge-file runs git itself
 * when the output is unusable, and reports what git says then. No `%` but git's placeholders
 * (git expands them; %P comes quoted for the shell).
 */
export function driverLine(self: string): string {
  const files = '-L ours -L base -L theirs %A %O %B';
  return `{ git merge-file -p ${files} 2>/dev/null; status=$?; echo; echo $status; } | ${self} merge-file --line-merge - --path %P --marker-size %L ${files}`;
}

function removeBlock(text: string): string {
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (start === -1 || end === -1) return text;
  return text.slice(0, start) + text.slice(end + END.length).replace(/^\n/, '');
}

async function repoAttributesFile(ctx: CliContext): Promise<string> {
  const top = await runGit(['rev-parse', '--show-toplevel'], { cwd: ctx.cwd });
  if (top.exitCode !== 0) {
    throw new UsageError('not-a-repository', `${ctx.cwd} is not inside a git repository.`, { hint: 'Run it in a repository, or pass --global.' });
  }
  return join(String(top.stdout).trim(), '.gitattributes');
}

async function globalAttributesFile(ctx: CliContext): Promise<string> {
  const configured = await runGit(['config', '--global', 'core.attributesFile'], { cwd: ctx.cwd });
  const path = String(configured.stdout).trim();
  if (configured.exitCode === 0 && path !== '') return path.replace(/^~(?=\/)/, homedir());
  const base = ctx.env.XDG_CONFIG_HOME && ctx.env.XDG_CONFIG_HOME !== '' ? ctx.env.XDG_CONFIG_HOME : join(homedir(), '.config');
  return join(base, 'git', 'attributes');
}

function quote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
