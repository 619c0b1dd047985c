import { Option, type Command } from 'commander';
import type { Reporter } from '../ui/report.js';
import type { CliContext } from './context.js';
import type { FleetStatusOptions, FleetUpgradeOptions } from './fleet.js';

/**
 * Registers `platform fleet status|upgrade`. Their code is loaded only when one of them runs,
 * so the other commands start no slower.
 */
export function registerFleetCommands(program: Command, ctx: CliContext, reporter: Reporter, setExitCode: (body: () => Promise<number>) => Promise<void>): void {
  const fleet = program
    .command('fleet')
    .description('across many repositories: versions, adoption, drift, conflicts; upgrades on branches')
    .addHelpText('after', `
Examples:
  platform fleet status ~/src                         every .platform.yaml below ~/src, as a table
  platform fleet status --repos repos.txt --markdown  for an issue or a pull request
  platform fleet upgrade --repos repos.txt --branch platform/upgrade --shard 1/4

Exit codes:
    0  success
    1  (upgrade) a repository failed, or an unexpected error
    2  bad usage or input: flags, the list of repositories
    3  (upgrade) conflicts left on a branch
    6  (status --check) something is behind, conflicted, drifted or unreadable
`);

  fleet
    .command('status')
    .description('per repository and component: version, latest, versions behind, drift, conflicts, hooks, CLI, last change')
    .argument('[paths...]', 'folders holding repositories (default: here, unless --repos)')
    .option('--repos <file>', 'a list of repositories, one per line: local folders or git URLs (cloned into the cache)')
    .option('--json', 'print one JSON document on stdout')
    .option('--markdown', 'print a Markdown report on stdout')
    .option('--html <file>', 'write a self-contained HTML report with charts')
    .option('--check-drift', 'read owned files and compare them with the recorded hashes (and look for conflict markers)')
    .option('--no-history', 'skip the lockfiles\' git history (no adoption dates)')
    .option('--since <date>', 'count adoptions from this day on (YYYY-MM-DD)')
    .option('--offline', 'use cached template sources and cached clones only')
    .option('--concurrency <n>', 'repositories read at once (default 4)')
    .option('--check', 'exit 6 when a component is behind, a conflict is open, an owned file drifted or a repository is unreadable')
    .addHelpText('after', `
Examples:
  platform fleet status ~/src                         every .platform.yaml below ~/src, as a table
  platform fleet status --repos repos.txt --markdown  for an issue or a pull request
  platform fleet status ~/src --html fleet.html --check-drift --since 2026-01-01

Exit codes:
    0  success
    1  an unexpected error (which says how to report it)
    2  bad usage or input: flags, the list of repositories
    6  (--check) something is behind, conflicted, drifted or unreadable
`)
    .allowExcessArguments(false)
    .action((paths: string[], options: FleetStatusOptions) =>
      setExitCode(async () => (await import('./fleet.js')).runFleetStatus(paths, options, ctx, reporter)),
    );

  fleet
    .command('upgrade')
    .description('upgrade each repository of a list on a new branch, and write a pull-request body for each')
    .option('--repos <file>', 'the repositories, one per line: local git work trees or git URLs (cloned into --work-dir)')
    .option('--branch <name>', 'the new branch made in each repository')
    .option('--shard <i/n>', 'only the I-th of N parts of the list (a CI matrix job each)')
    .option('--concurrency <n>', 'repositories upgraded at once (default 2)')
    .addOption(new Option('--out <dir>', 'where the pull-request bodies and the summary JSON go').default('fleet-upgrade'))
    .addOption(new Option('--work-dir <dir>', 'where repositories given by URL are cloned').default('fleet-work'))
    .option('--json', 'print the summary as one JSON document on stdout')
    .addHelpText('after', `
Examples:
  platform fleet upgrade --repos repos.txt --branch platform/upgrade
  platform fleet upgrade --repos repos.txt --branch platform/upgrade --shard 2/4 --json

Exit codes:
    0  success: every repository upgraded or already up to date
    1  a repository failed (the others are still upgraded), or an unexpected error
    2  bad usage or input: flags, the list of repositories
    3  conflicts left on a branch of some repository (its pull-request body lists them)
`)
    .allowExcessArguments(false)
    .action((options: FleetUpgradeOptions) =>
      setExitCode(async () => (await import('./fleet.js')).runFleetUpgrade(options, ctx, reporter)),
    );
}
