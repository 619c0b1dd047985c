import type { Command } from 'commander';
import type { Reporter } from '../ui/report.js';
import type { CliContext } from './context.js';

/** Registers `platform template …` (init, lint, test). Filled in by the authoring work. */
export function registerAuthoringCommands(_program: Command, _ctx: CliContext, _reporter: Reporter, _setExitCode: (body: () => Promise<number>) => Promise<void>): void {
  // (no authoring commands yet)
}
