import type { Fs } from '../core/fs.js';
import type { Streams } from '../ui/report.js';

/** Everything a command may take from the outside world, so tests can hand in their own. */
export interface CliContext extends Streams {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  fs: Fs;
  version: string;
}

/** Prompts need a person at a terminal: a TTY on both ends, and not CI or a dumb terminal. */
export function isInteractive(ctx: CliContext): boolean {
  const ci = ctx.env.CI !== undefined && ctx.env.CI !== '' && ctx.env.CI !== 'false' && ctx.env.CI !== '0';
  return Boolean(ctx.stdin.isTTY) && Boolean(ctx.stderr.isTTY) && !ci && ctx.env.TERM !== 'dumb';
}
