/**
 * SECURITY/README promise 7: without a terminal nothing waits. With stdin closed, stdin an open
 * pipe that is never written, CI=true or TERM=dumb, a command that lacks answers exits 2 without
 * waiting for input, naming the missing answers, and writes nothing. "Without waiting" is proven
 * by the outcome, not a stopwatch: the open pipe is never written nor closed, so a CLI that read
 * it would hang until the harness kills it (timedOut), however fast or busy the machine is.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, tempDir, type Bin, type CliOptions, type CliResult } from './harness.js';

const out = (r: CliResult) => `exit ${r.code} in ${r.durationMs} ms${r.timedOut ? ' (TIMED OUT)' : ''}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;

/** No terminal in any of them (the harness never gives one); CI='' means "not CI" to the CLI. */
const VARIANTS: Array<{ label: string; stdin: CliOptions['stdin']; env: Record<string, string> }> = [
  { label: 'stdin closed', stdin: 'closed', env: { CI: '' } },
  { label: 'stdin an open pipe', stdin: 'pipe-open', env: { CI: '' } },
  { label: 'CI=true (stdin an open pipe)', stdin: 'pipe-open', env: { CI: 'true' } },
  { label: 'TERM=dumb (stdin an open pipe)', stdin: 'pipe-open', env: { CI: '', TERM: 'dumb' } },
];

let repo: string;

beforeAll(async () => {
  repo = join(tempDir('hardening-'), 'svc');
  const created = await cli('create-service', [repo, '--template', 'service@1.0.0', '--yes', '--no-install', '--no-git'], { cwd: join(repo, '..') });
  expect(created.code, out(created)).toBe(0);
});

const COMMANDS: Array<{ label: string; bin: Bin; args: string[]; cwd: () => string; missing: string[]; untouched: () => () => void }> = [
  {
    label: 'create-service x',
    bin: 'create-service',
    args: ['x'],
    cwd: () => tempDir('hardening-create-'),
    missing: ['name', 'owner', 'port', 'withCi'],
    untouched: () => () => undefined,
  },
  {
    label: 'platform upgrade (1.0.0 -> 1.1.0 adds secretKeys)',
    bin: 'platform',
    args: ['upgrade'],
    cwd: () => repo,
    missing: ['secretKeys'],
    untouched: lockUnchanged,
  },
  {
    label: 'platform add ci',
    bin: 'platform',
    args: ['add', 'ci'],
    cwd: () => repo,
    missing: ['owner', 'ciProvider', 'registry'],
    untouched: lockUnchanged,
  },
];

function lockUnchanged(): () => void {
  const before = readFileSync(join(repo, '.platform.yaml'), 'utf8');
  return () => expect(readFileSync(join(repo, '.platform.yaml'), 'utf8')).toBe(before);
}

describe('without a terminal nothing waits (promise 7)', () => {
  for (const command of COMMANDS) {
    for (const variant of VARIANTS) {
      it(`${command.label}, ${variant.label}: exits 2 without waiting for input, naming the missing answers`, async () => {
        const cwd = command.cwd();
        const check = command.untouched();
        const result = await cli(command.bin, command.args, { cwd, stdin: variant.stdin, env: variant.env });
        expect(result.timedOut, out(result)).toBe(false);
        expect(result.code, out(result)).toBe(2);
        expect(result.stderr).toMatch(/no answer and there is no terminal to ask/);
        for (const name of command.missing) expect(result.stderr, out(result)).toContain(name);
        expect(result.stderr).toMatch(/--set|--answers|--yes/);
        if (command.bin === 'create-service') expect(existsSync(join(cwd, 'x'))).toBe(false);
        check();
      });
    }
  }
});
