/**
 * Every failure a user can cause or meet is a PlatformError: a stable code, a message that says
 * what happened (and where), a hint that says what to do, and the exit code it maps to.
 */

export const ExitCode = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  conflicts: 3,
  untrusted: 4,
  unsafe: 5,
  checkFailed: 6,
  cancelled: 130,
  /** platform merge-file only: an error, as git merge-file's negative status. */
  mergeFileError: 255,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Shown in --help and the README; one source so they cannot disagree. */
export const EXIT_CODE_HELP: ReadonlyArray<readonly [number, string]> = [
  [ExitCode.ok, 'success'],
  [ExitCode.unexpected, 'error: a write, git or install step failed, or an unexpected error (which says how to report it)'],
  [ExitCode.usage, 'bad usage or invalid input (flags, answers, template, target)'],
  [ExitCode.conflicts, 'conflicts left for you to resolve'],
  [ExitCode.untrusted, 'refused: an untrusted template asked to run commands'],
  [ExitCode.unsafe, 'refused: unsafe or destructive operation'],
  [ExitCode.checkFailed, 'a check failed (platform status --check)'],
  [ExitCode.cancelled, 'cancelled (Ctrl-C)'],
];

export interface Location {
  file: string;
  line?: number;
  column?: number;
}

export function formatLocation(loc: Location): string {
  if (loc.line === undefined) return loc.file;
  return loc.column === undefined ? `${loc.file}:${loc.line}` : `${loc.file}:${loc.line}:${loc.column}`;
}

export interface ErrorDetails {
  hint?: string;
  where?: Location;
  /** Extra lines (one per problem) when one error reports several. */
  problems?: string[];
}

export class PlatformError extends Error {
  readonly hint: string | undefined;
  readonly where: Location | undefined;
  readonly problems: string[];

  constructor(
    readonly code: string,
    readonly exitCode: ExitCode,
    message: string,
    details: ErrorDetails = {},
  ) {
    super(message);
    this.name = 'PlatformError';
    this.hint = details.hint;
    this.where = details.where;
    this.problems = details.problems ?? [];
  }
}

/** Bad flags, answers, templates or targets: exit 2. */
export class UsageError extends PlatformError {
  constructor(code: string, message: string, details?: ErrorDetails) {
    super(code, ExitCode.usage, message, details);
  }
}

/** A refusal to do something unsafe or destructive: exit 5. */
export class UnsafeError extends PlatformError {
  constructor(code: string, message: string, details?: ErrorDetails) {
    super(code, ExitCode.unsafe, message, details);
  }
}

export class CancelledError extends PlatformError {
  constructor() {
    super('cancelled', ExitCode.cancelled, 'Cancelled; nothing was written.', { hint: 'Run the command again when you are ready; --yes takes every default without asking.' });
  }
}

/** Closest candidate by edit distance, for "did you mean" hints. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
}

export function didYouMean(word: string, candidates: Iterable<string>): string {
  const match = closest(word, candidates);
  return match ? ` Did you mean "${match}"?` : '';
}
