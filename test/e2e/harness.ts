/**
 * End-to-end harness: runs the CLI exactly as a user would get it — from the
 * packed tarball installed into a fresh prefix (see global-setup.ts) — either
 * non-interactively (`cli`) or inside a real pseudo-terminal (`ptySession`).
 * Nothing here imports the CLI's source.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { StringDecoder } from 'node:string_decoder';
import { stripVTControlCharacters } from 'node:util';
import { inject, onTestFinished } from 'vitest';
import { ensureAltNode, ensureInstalled, type InstalledBins } from './global-setup.js';

export type Bin = 'create-service' | 'platform';
export type { InstalledBins };

// ---------------------------------------------------------------- installed bins

let installed: Promise<InstalledBins> | undefined;

/** Absolute paths of the installed bins' JS files; packs + installs on first use (once per run). */
export function installedBins(): Promise<InstalledBins> {
  installed ??= ensureInstalled(inject('e2e'));
  return installed;
}

// ---------------------------------------------------------------- environment

/** Variables that describe or force a terminal, or that vitest/npm leak into the test process. */
const TTYISH = /^(TERM|TERM_PROGRAM|TERM_PROGRAM_VERSION|TERM_SESSION_ID|COLORTERM|COLUMNS|LINES|FORCE_COLOR|NO_COLOR|CLICOLOR|CLICOLOR_FORCE|VTE_VERSION|WT_SESSION|TMUX|TMUX_PANE|STY|KONSOLE_VERSION|ITERM_SESSION_ID|VITEST|VITEST_.*|TEST|NODE_ENV|NODE_OPTIONS|npm_.*)$/;
/** Variables that make CLIs think they run in CI (and so skip prompts). Removed for pty sessions. */
const CIISH = /^(CI|CONTINUOUS_INTEGRATION|BUILD_NUMBER|RUN_ID|GITHUB_ACTIONS|GITLAB_CI|BUILDKITE|CIRCLECI|TRAVIS|JENKINS_URL|TEAMCITY_VERSION|TF_BUILD)$/;

function baseEnv(drop: RegExp[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || drop.some((re) => re.test(k))) continue;
    env[k] = v;
  }
  return env;
}

/** Default env of `cli`: process.env without TTY-ish / vitest / npm variables, plus CI=true and NO_COLOR=1. */
export function cliEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return { ...baseEnv([TTYISH]), CI: 'true', NO_COLOR: '1', ...overrides };
}

/** Default env of `ptySession`: like a user's terminal, so no CI variables, TERM set. */
export function ptyEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return { ...baseEnv([TTYISH, CIISH]), TERM: 'xterm-256color', ...overrides };
}

// ---------------------------------------------------------------- temp folders

const leftovers = new Set<string>();
process.once('exit', () => {
  for (const d of leftovers) rmSync(d, { recursive: true, force: true });
});

/**
 * A fresh, realpath'd temp folder. Removed when the current test finishes
 * (or at process exit if called outside a test). E2E_KEEP_TMP=1 keeps it.
 */
export function tempDir(prefix = 'e2e-'): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), prefix.replace(/[^\w.-]/g, '_'))));
  const cleanup = () => {
    leftovers.delete(dir);
    if (process.env.E2E_KEEP_TMP !== '1') rmSync(dir, { recursive: true, force: true });
  };
  try {
    onTestFinished(cleanup);
  } catch {
    leftovers.add(dir); // not inside a test (e.g. beforeAll)
  }
  return dir;
}

// ---------------------------------------------------------------- cli()

export interface CliOptions {
  cwd: string;
  /** 'closed' (default): /dev/null; 'pipe-open': a pipe never written nor closed; string: written then closed */
  stdin?: 'closed' | 'pipe-open' | string;
  /** merged over cliEnv() */
  env?: Record<string, string>;
  /** node binary to run the bin with (default: the node running vitest) */
  node?: string;
  /** default 60 s, generous on purpose (it only turns a hang into a failure); the child's process group is SIGKILLed on timeout */
  timeoutMs?: number;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** for failure messages only: no test asserts a duration (a busy machine makes any bound flaky) */
  durationMs: number;
  timedOut: boolean;
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal); // detached => child leads its own process group
  } catch {
    try { child.kill(signal); } catch { /* gone */ }
  }
}

/** Runs an installed bin without a shell and without a terminal. Never rejects for a non-zero exit. */
export async function cli(bin: Bin, args: string[], opts: CliOptions): Promise<CliResult> {
  const bins = await installedBins();
  return runNode(bins[bin], args, opts);
}

/** Same as `cli` but for any JS file (used by the harness's own tests). */
export function runNode(script: string, args: string[], opts: CliOptions): Promise<CliResult> {
  const stdinMode = opts.stdin ?? 'closed';
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(opts.node ?? process.execPath, [script, ...args], {
      cwd: opts.cwd,
      env: cliEnv(opts.env),
      stdio: [stdinMode === 'closed' ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      detached: true, // own process group (and session: no controlling terminal), so timeouts kill grandchildren too
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (c: Buffer) => out.push(c));
    child.stderr!.on('data', (c: Buffer) => err.push(c));
    if (child.stdin) {
      child.stdin.on('error', () => { /* EPIPE if the child exits without reading */ });
      if (stdinMode !== 'pipe-open') child.stdin.end(stdinMode);
    }
    let timedOut = false;
    let settled = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child, 'SIGKILL');
    }, timeoutMs);
    let graceTimer: NodeJS.Timeout | undefined;
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(graceTimer);
      child.stdin?.destroy();
      child.stdout!.destroy();
      child.stderr!.destroy();
      let stderr = Buffer.concat(err).toString('utf8');
      if (timedOut) stderr += `\n[harness] killed after ${timeoutMs} ms timeout\n`;
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr, durationMs: Math.round(performance.now() - started), timedOut });
    };
    child.on('error', (e) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(e);
    });
    // 'close' waits for stdout/stderr to end; if a grandchild keeps them open, settle shortly after 'exit'.
    child.on('close', finish);
    child.on('exit', (code, signal) => {
      graceTimer = setTimeout(() => finish(code, signal), 2_000);
    });
  });
}

// ---------------------------------------------------------------- ptySession()

/** Keystrokes for PtySession.write */
export const keys = {
  enter: '\r',
  up: '\x1b[A',
  down: '\x1b[B',
  right: '\x1b[C',
  left: '\x1b[D',
  space: ' ',
  tab: '\t',
  backspace: '\x7f',
  escape: '\x1b',
  ctrlC: '\x03',
  ctrlD: '\x04',
} as const;

/**
 * Python relay (stdlib only): forks the command onto a new pty (setsid +
 * controlling terminal, window size set before exec), copies our stdin to the
 * pty and the pty to our stdout, and when the child ends reports
 * {"code","signal"} as JSON on fd 3 and exits with the same code (128+n for a signal).
 */
const PTY_RELAY = String.raw`
import errno, fcntl, json, os, pty, select, signal, struct, sys, termios
argv = json.loads(sys.argv[1]); cols = int(sys.argv[2]); rows = int(sys.argv[3])
pid, fd = pty.fork()
if pid == 0:
    for s in (signal.SIGPIPE, signal.SIGXFSZ, signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, signal.SIG_DFL)
    try:
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack('HHHH', rows, cols, 0, 0))
    except OSError:
        pass
    try:
        os.execvp(argv[0], argv)
    except OSError as e:
        os.write(2, ('pty relay: cannot exec %s: %s\r\n' % (argv[0], e)).encode())
    os._exit(127)

def forward(sig, _frame):
    try:
        os.killpg(pid, sig)
    except OSError:
        pass
for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(s, forward)

def write_out(data):
    while data:
        n = os.write(1, data)
        data = data[n:]

pending = b''
stdin_open = True
master_open = True
status = None
while True:
    rl = ([fd] if master_open else []) + ([0] if stdin_open else [])
    wl = [fd] if (pending and master_open) else []
    r, w, _ = select.select(rl, wl, [], 0.2 if status is not None else 0.05)
    if fd in r:
        try:
            data = os.read(fd, 65536)
        except OSError:
            data = b''
        if data:
            write_out(data)
        else:
            master_open = False
    if 0 in r:
        data = os.read(0, 65536)
        if data:
            pending += data
        else:
            stdin_open = False
    if fd in w:
        try:
            n = os.write(fd, pending)
            pending = pending[n:]
        except OSError:
            pending = b''
    if status is None:
        p, st = os.waitpid(pid, os.WNOHANG)
        if p:
            status = st
            continue
    elif not r or not master_open:
        break  # child gone and the pty is drained (or held open by a grandchild but quiet)
    if not master_open and status is None:
        _, status = os.waitpid(pid, 0)
        break

if os.WIFSIGNALED(status):
    sig = os.WTERMSIG(status)
    res = {'code': None, 'signal': signal.Signals(sig).name}
    code = 128 + sig
else:
    code = os.WEXITSTATUS(status)
    res = {'code': code, 'signal': None}
try:
    os.write(3, json.dumps(res).encode())
except OSError:
    pass
sys.exit(code)
`;

function pythonBinary(): string {
  if (process.env.E2E_PYTHON) return process.env.E2E_PYTHON;
  return existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
}

export interface PtyOptions {
  cwd: string;
  /** merged over ptyEnv() */
  env?: Record<string, string>;
  cols?: number;
  rows?: number;
  node?: string;
}

export interface PtyExit {
  /** the child's exit code, or null if it died of a signal */
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface PtySession {
  /**
   * Waits until `pattern` appears in the ANSI-stripped output after the end of
   * the previous waitFor match (expect-style), and returns the matched text.
   */
  waitFor(pattern: string | RegExp, timeoutMs?: number): Promise<string>;
  /** raw keystrokes; see `keys` */
  write(data: string): void;
  /** waits for the child to exit (killing it after timeoutMs, default 60 s: a bound that turns a hang into a failure, not a speed check) */
  exit(timeoutMs?: number): Promise<PtyExit>;
  /** everything printed so far, ANSI-stripped */
  output(): string;
  /** everything printed so far, raw */
  rawOutput(): string;
  /** sends a signal to the child's process group */
  kill(signal?: NodeJS.Signals): void;
  readonly exited: boolean;
}

/** Runs an installed bin inside a real pseudo-terminal (for interactive prompts). */
export async function ptySession(bin: Bin, args: string[], opts: PtyOptions): Promise<PtySession> {
  const bins = await installedBins();
  return ptySpawn([opts.node ?? process.execPath, bins[bin], ...args], opts);
}

/** Waits for a prompt (see waitFor), with the whole screen in the error if it never comes. */
export async function prompt(s: PtySession, pattern: string | RegExp): Promise<void> {
  try {
    await s.waitFor(pattern);
  } catch (e) {
    throw new Error(`${(e as Error).message}\n--- whole output ---\n${s.output()}`);
  }
}

/** ptySession for an arbitrary argv (argv[0] is looked up on PATH). */
export function ptySpawn(argv: string[], opts: PtyOptions): PtySession {
  const cols = opts.cols ?? 100;
  const rows = opts.rows ?? 30;
  const env = ptyEnv({ COLUMNS: String(cols), LINES: String(rows), ...opts.env });
  const relay = spawn(pythonBinary(), ['-c', PTY_RELAY, JSON.stringify(argv), String(cols), String(rows)], {
    cwd: opts.cwd,
    env,
    stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    detached: true,
  });
  const decoder = new StringDecoder('utf8');
  let raw = '';
  let relayStderr = '';
  let statusJson = '';
  let cursor = 0; // index into the stripped output after the last waitFor match
  let exitInfo: PtyExit | undefined;
  let spawnError: Error | undefined;
  const listeners = new Set<() => void>();
  const notify = () => { for (const l of [...listeners]) l(); };

  relay.stdout!.on('data', (c: Buffer) => { raw += decoder.write(c); notify(); });
  relay.stderr!.on('data', (c: Buffer) => { relayStderr += c.toString('utf8'); });
  (relay.stdio[3] as NodeJS.ReadableStream).on('data', (c: Buffer) => { statusJson += c.toString('utf8'); });
  relay.stdin!.on('error', () => { /* relay gone */ });
  relay.on('error', (e) => { spawnError = e; notify(); });
  const closed = new Promise<PtyExit>((resolve) => {
    relay.on('close', (code, signal) => {
      raw += decoder.end();
      try {
        exitInfo = JSON.parse(statusJson) as PtyExit;
      } catch {
        // relay itself crashed or was killed before reporting
        exitInfo = { code, signal };
        if (relayStderr) raw += `\n[pty relay stderr]\n${relayStderr}`;
      }
      notify();
      resolve(exitInfo);
    });
  });

  const stripped = () => stripVTControlCharacters(raw);
  const kill = (signal: NodeJS.Signals = 'SIGTERM') => {
    if (exitInfo || relay.pid === undefined) return;
    try { process.kill(relay.pid, signal); } catch { /* gone */ } // the relay forwards TERM/INT/HUP to the child
  };
  const hardKill = () => {
    if (exitInfo || relay.pid === undefined) return;
    try { process.kill(-relay.pid, 'SIGKILL'); } catch { /* gone */ } // closing the pty master SIGHUPs the child
  };
  try { onTestFinished(() => { hardKill(); }); } catch { /* outside a test */ }

  const session: PtySession = {
    get exited() { return exitInfo !== undefined; },
    output: stripped,
    rawOutput: () => raw,
    write(data: string) {
      if (exitInfo) throw new Error(`ptySession: cannot write ${JSON.stringify(data)}, the process has exited (${JSON.stringify(exitInfo)})\n--- output ---\n${stripped()}`);
      relay.stdin!.write(data);
    },
    waitFor(pattern: string | RegExp, timeoutMs = 60_000) {
      return new Promise<string>((resolve, reject) => {
        const check = (): boolean => {
          const text = stripped();
          const rest = text.slice(cursor);
          let index = -1;
          let match = '';
          if (typeof pattern === 'string') {
            index = rest.indexOf(pattern);
            match = pattern;
          } else {
            const m = new RegExp(pattern.source, pattern.flags.replace('g', '').replace('y', '')).exec(rest);
            if (m) { index = m.index; match = m[0]; }
          }
          if (index >= 0) {
            cursor += index + match.length;
            done();
            resolve(match);
            return true;
          }
          if (spawnError || exitInfo) {
            done();
            reject(new Error(`ptySession.waitFor(${String(pattern)}): ${spawnError ? `spawn failed: ${spawnError.message}` : `process exited ${JSON.stringify(exitInfo)}`} before it appeared\n--- output after cursor ---\n${rest}`));
            return true;
          }
          return false;
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`ptySession.waitFor(${String(pattern)}) timed out after ${timeoutMs} ms\n--- output after cursor ---\n${stripped().slice(cursor)}`));
        }, timeoutMs);
        const listener = () => { check(); };
        const done = () => { clearTimeout(timer); listeners.delete(listener); };
        if (!check()) listeners.add(listener);
      });
    },
    async exit(timeoutMs = 60_000) {
      if (exitInfo) return exitInfo;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((r) => { timer = setTimeout(() => r('timeout'), timeoutMs); });
      const res = await Promise.race([closed, timeout]);
      clearTimeout(timer);
      if (res === 'timeout') {
        hardKill();
        await closed;
        throw new Error(`ptySession: process did not exit within ${timeoutMs} ms (killed)\n--- output ---\n${stripped()}`);
      }
      return res;
    },
    kill,
  };
  return session;
}

// ---------------------------------------------------------------- nodeBinary()

const nodeCache = new Map<number, Promise<string>>();

/**
 * Absolute path of a Node.js 22 / 24 binary from the npm registry package
 * `node@<major>`, cached in node_modules/.cache/alt-node/<major> (installed on
 * first use under a lock; .ci/run pre-installs it).
 */
export function nodeBinary(major: 22 | 24): Promise<string> {
  let p = nodeCache.get(major);
  if (!p) {
    p = ensureAltNode(major);
    nodeCache.set(major, p);
    p.catch(() => nodeCache.delete(major));
  }
  return p;
}
