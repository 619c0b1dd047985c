/**
 * What a CI job needs that this machine may not have, decided from its shell commands, and the
 * checks that apply to any pipeline (GitHub or GitLab): which of the jobs the issue names it runs,
 * and which repository paths it refers to.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { hostHas, type JobOutcome, type PipelineOutcome } from './day-one.js';

// --------------------------------------------------------------------------------------------
// The commands of a shell script
// --------------------------------------------------------------------------------------------

const KEYWORDS = new Set(['if', 'then', 'else', 'elif', 'fi', 'do', 'done', 'while', 'until', 'for', 'in', 'case', 'esac', 'function', 'select', '!', '{', '}', 'time', '[[', ']]', 'coproc']);
const BUILTINS = new Set([
  'echo', 'printf', 'read', 'set', 'unset', 'export', 'local', 'declare', 'typeset', 'readonly', 'cd', 'pwd', 'exit', 'return', 'shift', 'test', '[', 'true', 'false', ':', 'trap', 'umask',
  'eval', 'exec', 'source', '.', 'command', 'builtin', 'type', 'hash', 'wait', 'sleep', 'break', 'continue', 'shopt', 'ulimit', 'alias', 'let', 'getopts', 'pushd', 'popd', 'mapfile', 'readarray',
]);

/** One simple command: its words (quotes removed, variables kept as written). */
export interface ShellCommand {
  words: string[];
  text: string;
}

/**
 * Splits a shell script into simple commands (a small tokenizer: quotes, escapes, comments,
 * `;` `&&` `||` `|` `&` newlines, `$(…)` `<(…)` and `(…)` subshells, here-documents skipped).
 * Good enough to tell which programs a CI script starts; not a shell.
 */
export function shellCommands(script: string): ShellCommand[] {
  const commands: ShellCommand[] = [];
  let words: string[] = [];
  let word = '';
  let inWord = false;
  let start = 0;
  const pendingHeredocs: string[] = [];
  const endWord = () => {
    if (inWord) words.push(word);
    word = '';
    inWord = false;
  };
  const endCommand = (at: number) => {
    endWord();
    if (words.length > 0) commands.push({ words, text: script.slice(start, at).trim() });
    words = [];
    start = at + 1;
  };
  for (let i = 0; i < script.length; i++) {
    const c = script[i]!;
    if (c === '\\' && i + 1 < script.length) {
      if (script[i + 1] !== '\n') {
        word += script[i + 1];
        inWord = true;
      }
      i++;
      continue;
    }
    if (c === "'") {
      const end = script.indexOf("'", i + 1);
      word += script.slice(i + 1, end < 0 ? undefined : end);
      inWord = true;
      i = end < 0 ? script.length : end;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      while (j < script.length && script[j] !== '"') j += script[j] === '\\' ? 2 : 1;
      const quoted = script.slice(i + 1, j);
      word += quoted;
      inWord = true;
      i = j;
      // "$( … )" inside double quotes still runs commands
      for (const inner of substitutions(quoted)) commands.push(...shellCommands(inner));
      continue;
    }
    if (c === '#' && !inWord) {
      const end = script.indexOf('\n', i);
      i = (end < 0 ? script.length : end) - 1;
      continue;
    }
    if (c === '<' && script[i + 1] === '<' && script[i + 2] !== '<') {
      // here-document: remember its delimiter, skip its body after this line
      const m = /^<<-?\s*(['"]?)([A-Za-z_][\w-]*)\1/.exec(script.slice(i));
      if (m) {
        pendingHeredocs.push(m[2]!);
        i += m[0].length - 1;
        continue;
      }
    }
    if (c === '\n') {
      endCommand(i);
      while (pendingHeredocs.length > 0) {
        const delimiterWord = pendingHeredocs.shift()!;
        const lines = script.slice(i + 1).split('\n');
        let skip = 0;
        for (const line of lines) {
          skip += line.length + 1;
          if (line.trim() === delimiterWord) break;
        }
        i += skip;
        start = i + 1;
      }
      continue;
    }
    if (c === '&' && (word.endsWith('>') || word.endsWith('<') || script[i + 1] === '>')) {
      // a redirection: >&2, 2>&1, &>file
      word += c;
      inWord = true;
      continue;
    }
    if (c === ';' || c === '&' || c === '|') {
      endCommand(i);
      if (script[i + 1] === c) i++;
      start = i + 1;
      continue;
    }
    if (c === '(' || c === ')' || c === '`') {
      // $( … ), <( … ), ( … ), backquotes: the inside is commands of its own
      if (c === '(' && word.endsWith('$') && script[i + 1] === '(') {
        // $(( arithmetic )): one word
        const end = script.indexOf('))', i);
        word += script.slice(i, end < 0 ? undefined : end + 2);
        inWord = true;
        i = end < 0 ? script.length : end + 1;
        continue;
      }
      if (c === ')' && inWord && !word.includes('(') && words.length === 0) {
        // a case pattern: `pattern)`
        word = '';
        inWord = false;
        start = i + 1;
        continue;
      }
      if (c === '(' && inWord && !word.endsWith('$') && !word.endsWith('<') && !word.endsWith('>')) {
        // a function definition `f()`, or an array `a=(…)`: keep it as one word
        word += c;
        continue;
      }
      if (word.endsWith('$') || word.endsWith('<') || word.endsWith('>')) word = word.slice(0, -1);
      endCommand(i);
      start = i + 1;
      continue;
    }
    if (c === ' ' || c === '\t') {
      endWord();
      continue;
    }
    word += c;
    inWord = true;
  }
  endCommand(script.length);
  return commands;
}

/** The bodies of the `$( … )` in a text (balanced parentheses). */
function substitutions(text: string): string[] {
  const found: string[] = [];
  for (let i = text.indexOf('$('); i >= 0; i = text.indexOf('$(', i + 2)) {
    if (text[i + 2] === '(') continue; // $(( arithmetic ))
    let depth = 0;
    for (let j = i + 1; j < text.length; j++) {
      if (text[j] === '(') depth++;
      else if (text[j] === ')' && --depth === 0) {
        found.push(text.slice(i + 2, j));
        break;
      }
    }
  }
  return found;
}

/** The program a simple command starts (after assignments, redirections and keywords), if any. */
export function programOf(command: ShellCommand): { program: string; args: string[] } | undefined {
  const words = [...command.words];
  while (words.length > 0) {
    const w = words[0]!;
    if (/^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=/.test(w) || KEYWORDS.has(w) || /^\d*[<>]/.test(w) || w.endsWith('()')) {
      words.shift();
      if (/^\d*[<>]+$/.test(w)) words.shift(); // `> file`
      continue;
    }
    if (w === 'for' || w === 'case' || w === 'select') return undefined;
    break;
  }
  if (words.length === 0) return undefined;
  const program = words[0]!;
  if (program.includes('$') || program === '' || /^\d+$/.test(program)) return undefined;
  if (BUILTINS.has(program)) {
    if ((program === 'exec' || program === 'command' || program === 'time') && words.length > 1) return programOf({ words: words.slice(1), text: command.text });
    return undefined;
  }
  return { program, args: words.slice(1) };
}

// --------------------------------------------------------------------------------------------
// What a script needs that this machine lacks
// --------------------------------------------------------------------------------------------

/** Flags that take the next word as their value (kubectl, kustomize, npm): not a subcommand. */
const FLAGS_WITH_VALUES = new Set(['-n', '--namespace', '--context', '--kubeconfig', '--cluster', '--user', '-o', '--output', '-l', '--selector', '-f', '--filename', '-k', '--kustomize', '--prefix', '-C', '--workspace', '-w']);

function subcommand(args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (FLAGS_WITH_VALUES.has(a)) i++;
    else if (!a.startsWith('-')) return a;
  }
  return undefined;
}

let dockerEngine: boolean | undefined;
export function hasDockerEngine(): boolean {
  if (dockerEngine === undefined) {
    // `docker info` answers only when an engine runs; the client alone is not enough.
    dockerEngine = hostHas('docker') && spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 10_000 }).status === 0;
  }
  return dockerEngine;
}

const CONTAINER_TOOLS = new Set(['docker', 'podman', 'buildah', 'buildctl', 'buildctl-daemonless.sh', 'nerdctl', '/kaniko/executor', 'kaniko']);
const CLOUD_TOOLS = new Set(['aws', 'gcloud', 'gsutil', 'az', 'eksctl', 'doctl']);
/** Tools a CI runner or a job image has, that this machine may not: skipped (and listed) when missing here. */
const IMAGE_TOOLS = new Set(['analyzer', 'gtcs', 'trivy', 'grype', 'syft', 'cosign', 'gitleaks', 'codeql', 'kubeconform', 'kubeval', 'helm', 'kind', 'k3d', 'conftest', 'hadolint', 'semgrep', 'snyk']);

/**
 * Why this script cannot run here (undefined: it can). Cloud credentials, a cluster or a container
 * engine are never here; a registry's audit API and sigstore are not reachable (only package
 * downloads from the npm registry are); an image's own tool is skipped when this machine lacks it.
 */
export function cannotRunHere(script: string): string | undefined {
  for (const command of shellCommands(script)) {
    const found = programOf(command);
    if (!found) continue;
    const { program, args } = found;
    const base = program.split('/').at(-1)!;
    const sub = subcommand(args);
    if (CONTAINER_TOOLS.has(program) || CONTAINER_TOOLS.has(base)) {
      // The pinned Prometheus image's promtool runs as this machine's promtool (the docker shim).
      const promtoolImage = base === 'docker' && args[0] === 'run' && args[args.indexOf('--entrypoint') + 1] === 'promtool' && hostHas('promtool');
      if (!(base === 'docker' && hasDockerEngine()) && !promtoolImage) return `\`${base}\` needs a container engine (none on this machine)`;
    }
    if (CLOUD_TOOLS.has(base)) return `\`${base}\` needs cloud credentials (OIDC in CI; none here)`;
    if (base === 'kubectl' && sub !== 'kustomize' && !(sub === 'version' && args.includes('--client'))) {
      return `\`kubectl ${sub ?? ''}\` needs a cluster (none here; only \`kubectl kustomize\` runs offline)`;
    }
    if (base === 'kustomize' && sub !== 'build' && !hostHas('kustomize')) return `\`kustomize ${sub ?? ''}\` needs the kustomize binary (not installed here; \`kustomize build\` runs through kubectl)`;
    if ((base === 'npm' || base === 'pnpm' || base === 'yarn') && sub === 'audit') {
      return `\`${base} audit${args.includes('signatures') ? ' signatures' : ''}\` needs the registry's audit API and sigstore's TUF repository (only package downloads from the npm registry are reachable here)`;
    }
    if (base === 'gh' || base === 'glab') return `\`${base}\` needs the ${base === 'gh' ? 'GitHub' : 'GitLab'} API and a token (none here)`;
    if (base === 'git' && ['push', 'fetch', 'pull', 'ls-remote', 'clone'].includes(sub ?? '')) return `\`git ${sub}\` needs the remote repository (none here)`;
    if (base === 'curl' || base === 'wget') return `\`${base}\` needs the network (only the npm registry is reachable here)`;
    if (base === 'apt-get' || base === 'apk' || base === 'yum' || base === 'dnf') return `\`${base}\` installs system packages (not in a test; only the npm registry is reachable here)`;
    if (IMAGE_TOOLS.has(base) && !hostHas(base)) return `\`${base}\` is not installed on this machine (CI has it in its runner or job image)`;
  }
  return undefined;
}

// --------------------------------------------------------------------------------------------
// Checks on any pipeline
// --------------------------------------------------------------------------------------------

/** The jobs issue 13 names: each must run in the pipeline of every variant (promtool and kustomize when their files exist). */
export const REQUIRED: Array<{ name: string; pattern: RegExp; when?: (dir: string) => string | undefined }> = [
  { name: 'install', pattern: /^\s*(npm (ci|clean-install|install|i)|pnpm install|yarn( install)?)(\s|$)/ },
  { name: 'lint', pattern: /\bnpm run lint\b|\b(eslint|prettier --check)\b/ },
  { name: 'typecheck', pattern: /\bnpm run typecheck\b|\btsc\b[^\n]*--noEmit/ },
  { name: 'test', pattern: /\bnpm (run )?test\b|\bvitest\b/ },
  { name: 'build', pattern: /\bnpm run build\b/ },
  {
    name: 'promtool',
    pattern: /\bpromtool (check|test) rules\b/,
    when: (dir) => (existsSync(join(dir, 'observability/prometheus')) ? 'observability/prometheus holds rules and their tests' : undefined),
  },
  {
    name: 'kustomize',
    pattern: /\b(kustomize build|kubectl kustomize)\b/,
    when: (dir) => (existsSync(join(dir, 'deploy/overlays')) ? 'deploy/overlays holds the Kustomize overlays' : undefined),
  },
];

/**
 * Which named jobs the pipeline does not run here: either no job has such a command, or only jobs
 * (or steps) that were skipped. One line per problem.
 */
export function missingRequired(pipeline: PipelineOutcome, dir: string): string[] {
  const problems: string[] = [];
  for (const req of REQUIRED) {
    const why = req.when ? req.when(dir) : 'every service';
    if (!why) continue;
    // Runs here: in a step that ran, or that was skipped only because something before it failed
    // (the direct checks run it anyway).
    const runs = (job: JobOutcome) =>
      job.blocked ? job.commands.some((c) => req.pattern.test(c) && !cannotRunHere(c)) : job.status !== 'skipped' && job.status !== 'not-in-pipeline' && job.steps.some((s) => (s.status !== 'skipped' || s.blocked) && s.command && req.pattern.test(s.command));
    const ran = pipeline.jobs.some(runs);
    if (ran) continue;
    const somewhere = pipeline.jobs.filter((job) => job.commands.some((c) => req.pattern.test(c)));
    if (somewhere.length === 0) {
      problems.push(`no job runs ${req.name} (${why}; looked for ${req.pattern})`);
    } else {
      problems.push(
        `${req.name} is only in ${somewhere.map((job) => `job "${job.id}" (${job.status}${job.reason ? `: ${job.reason}` : ''}${skippedStepReason(job, req.pattern)})`).join(', ')}, which does not run here`,
      );
    }
  }
  return problems;
}

function skippedStepReason(job: JobOutcome, pattern: RegExp): string {
  const step = job.steps.find((s) => s.command && pattern.test(s.command) && s.status === 'skipped');
  return step ? `; step "${step.name}" skipped: ${step.reason ?? ''}` : '';
}

/**
 * Repository paths a job refers to that the repository does not have, such as a deploy job's
 * `deploy/overlays/dev` when the deploy component was left out: the job fails on every push.
 * Looks for paths under the folders the components own (CONVENTIONS.md).
 */
export function missingPaths(jobText: string, dir: string): string[] {
  const missing = new Set<string>();
  for (const m of jobText.matchAll(/(?<![\w./$-])((?:deploy|observability|docs)\/[A-Za-z0-9_.\-/]*[A-Za-z0-9_-])/g)) {
    const path = m[1]!;
    if (!existsSync(join(dir, path))) missing.add(path);
  }
  return [...missing];
}
