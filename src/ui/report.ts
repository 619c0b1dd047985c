import type { ChalkInstance } from 'chalk';
import { fileURLToPath } from 'node:url';
import { ExitCode, PlatformError, formatLocation } from '../core/errors.js';
import { readableFrames } from './stack-frames.js';

export interface Streams {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

export interface ErrorRecord {
  code: string;
  message: string;
  hint?: string;
  where?: { file: string; line?: number; column?: number };
  problems?: string[];
}

/**
 * Where output goes. Human mode: results on stdout, notes on stderr. JSON mode: stdout gets
 * exactly one JSON document at the end (even on failure); everything human goes to stderr.
 */
export class Reporter {
  readonly document: Record<string, unknown> & { warnings: string[]; errors: ErrorRecord[] };

  constructor(
    readonly json: boolean,
    private readonly streams: Streams,
    readonly color: ChalkInstance,
    command: string,
    readonly version: string,
  ) {
    this.document = { command, ok: true, exitCode: 0, warnings: [], errors: [] };
  }

  /** A line of the human report. */
  line(text = ''): void {
    (this.json ? this.streams.stderr : this.streams.stdout).write(`${text}\n`);
  }

  /** Progress and notes: always stderr. */
  note(text: string): void {
    this.streams.stderr.write(`${text}\n`);
  }

  warn(text: string): void {
    this.document.warnings.push(text);
    this.streams.stderr.write(`${this.color.yellow('warning')} ${text}\n`);
  }

  set(fields: Record<string, unknown>): void {
    Object.assign(this.document, fields);
  }

  /** Reports an error in both forms; returns its exit code. */
  fail(error: unknown): ExitCode {
    const record = toRecord(error, this.version);
    const exitCode = error instanceof PlatformError ? error.exitCode : ExitCode.unexpected;
    this.document.errors.push(record);
    const c = this.color;
    const lines = [record.code === 'cancelled' ? record.message : `${c.red('error')} ${record.message}`];
    if (record.where?.line !== undefined && !record.message.includes(formatLocation(record.where))) {
      lines.push(`  at ${formatLocation(record.where)}`);
    }
    for (const problem of record.problems ?? []) lines.push(`  - ${problem}`);
    if (record.hint) lines.push(`  ${c.dim('hint:')} ${record.hint}`);
    this.streams.stderr.write(`${lines.join('\n')}\n`);
    return exitCode;
  }

  /** Ends the run: in JSON mode prints the document. */
  finish(exitCode: number): number {
    this.document.exitCode = exitCode;
    this.document.ok = exitCode === ExitCode.ok;
    if (this.json) this.streams.stdout.write(`${JSON.stringify(this.document, null, 2)}\n`);
    return exitCode;
  }
}

/** A PlatformError as --json shows it. */
export function errorRecord(error: PlatformError): ErrorRecord {
  return {
    code: error.code,
    message: error.message,
    ...(error.hint ? { hint: error.hint } : {}),
    ...(error.where ? { where: error.where } : {}),
    ...(error.problems.length > 0 ? { problems: error.problems } : {}),
  };
}

function toRecord(error: unknown, version: string): ErrorRecord {
  if (error instanceof PlatformError) return errorRecord(error);
  const message = error instanceof Error ? error.message : String(error);
  // The stack's frames only: the message before them may span lines of its own.
  const frames = process.env.PLATFORM_DEBUG && error instanceof Error && error.stack ? error.stack.split('\n').filter((line) => /^\s+at /.test(line)).slice(0, 7) : [];
  const debug = frames.length > 0 ? readableFrames(frames, fileURLToPath(import.meta.url)) : [];
  return {
    code: 'internal',
    message: `Unexpected error: ${message}`,
    hint: `This is a bug in the platform CLI ${version}. Please report it with the command you ran and this message (PLATFORM_DEBUG=1 adds a stack trace).`,
    ...(debug.length > 0 ? { problems: debug.map((l) => l.trim()) } : {}),
  };
}
