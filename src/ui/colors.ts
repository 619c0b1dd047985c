import { Chalk, supportsColorStderr, type ChalkInstance } from 'chalk';

/**
 * Colour for one stream: NO_COLOR (any non-empty value) turns it off, FORCE_COLOR forces it
 * (0 off, 1-3 levels), otherwise only a terminal that is not TERM=dumb gets colour.
 */
export function colorLevel(env: NodeJS.ProcessEnv, isTTY: boolean): 0 | 1 | 2 | 3 {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  const force = env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === '0' || force === 'false') return 0;
    const level = Number(force);
    return level >= 1 && level <= 3 ? (level as 1 | 2 | 3) : 1;
  }
  if (!isTTY || env.TERM === 'dumb') return 0;
  return supportsColorStderr ? supportsColorStderr.level : 1;
}

export function chalkFor(env: NodeJS.ProcessEnv, isTTY: boolean): ChalkInstance {
  return new Chalk({ level: colorLevel(env, isTTY) });
}
