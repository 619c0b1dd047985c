import { ExitCode, PlatformError, UnsafeError, UsageError } from './errors.js';

/**
 * The one mapping from a file-system errno to an ordinary PlatformError: a full or read-only
 * disk, a name too long, a directory where a file was expected are what users meet, not bugs.
 * Anything not listed stays as it is (and is reported as unexpected).
 */
interface Mapping {
  code: string;
  exitCode: ExitCode;
  reason: string;
  hint: string;
}

const SPACE = 'Free some space and run the command again.';
const PERMISSIONS = 'Check the permissions of the target folder and run the command again.';

const MAPPINGS: Record<string, Mapping> = {
  ENOSPC: { code: 'write-failed', exitCode: ExitCode.unexpected, reason: 'the disk is full', hint: SPACE },
  EDQUOT: { code: 'write-failed', exitCode: ExitCode.unexpected, reason: 'the disk quota is exceeded', hint: SPACE },
  EACCES: { code: 'write-failed', exitCode: ExitCode.unexpected, reason: 'permission was denied', hint: PERMISSIONS },
  EPERM: { code: 'write-failed', exitCode: ExitCode.unexpected, reason: 'the operation is not permitted', hint: PERMISSIONS },
  EROFS: { code: 'write-failed', exitCode: ExitCode.unexpected, reason: 'the file system is read-only', hint: PERMISSIONS },
  ENAMETOOLONG: { code: 'name-too-long', exitCode: ExitCode.usage, reason: 'a file or folder name is too long for the file system', hint: 'Choose a shorter name (most file systems allow 255 bytes per name).' },
  EISDIR: { code: 'is-a-directory', exitCode: ExitCode.usage, reason: 'a folder is where a file was expected', hint: 'Move that folder away or name a file, and run the command again.' },
  ENOTDIR: { code: 'not-a-directory', exitCode: ExitCode.usage, reason: 'a file is where a folder was expected', hint: 'Move that file away or name a folder, and run the command again.' },
  ELOOP: { code: 'symlink-loop', exitCode: ExitCode.unsafe, reason: 'a symbolic link is in the way (or links loop)', hint: 'Replace the symbolic link by a real file or folder, and run the command again.' },
};

/** errno code -> what it means to a user, or undefined when it is not an ordinary failure. */
export function fsErrorMapping(code: string | undefined): Readonly<Mapping> | undefined {
  return code !== undefined && Object.hasOwn(MAPPINGS, code) ? MAPPINGS[code] : undefined;
}

/**
 * A PlatformError for an fs error with a known code ("`doing` failed: reason (path).`after`"),
 * else the error itself. PlatformErrors pass through unchanged.
 */
export function asFsError(error: unknown, doing = 'A file operation', after = ''): unknown {
  if (error instanceof PlatformError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const mapping = fsErrorMapping(typeof code === 'string' ? code : undefined);
  if (!mapping) return error;
  const path = (error as { path?: unknown }).path;
  const message = `${doing} failed: ${mapping.reason}${typeof path === 'string' ? ` (${path})` : ''}.${after}`;
  // One constructor per exit code, so the table of every error (hardening-errors test) reads it.
  if (mapping.exitCode === ExitCode.usage) return new UsageError(mapping.code, message, { hint: mapping.hint });
  if (mapping.exitCode === ExitCode.unsafe) return new UnsafeError(mapping.code, message, { hint: mapping.hint });
  return new PlatformError(mapping.code, ExitCode.unexpected, message, { hint: mapping.hint });
}
