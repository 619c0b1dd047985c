import { UsageError } from '../core/errors.js';

/** `--shard I/N` (1-based): this runner's part of the fleet. */
export interface Shard {
  index: number;
  count: number;
}

export function parseShard(text: string | undefined): Shard | undefined {
  if (text === undefined) return undefined;
  const m = /^([1-9][0-9]{0,5})\/([1-9][0-9]{0,5})$/.exec(text.trim());
  if (!m || Number(m[1]) > Number(m[2])) {
    throw new UsageError('shard', `--shard ${JSON.stringify(text.slice(0, 40))}: expected I/N with 1 ≤ I ≤ N, e.g. --shard 2/8.`, {
      hint: 'In a CI matrix of N jobs, give each job its own I (GitHub Actions: strategy.matrix; GitLab: parallel: N with $CI_NODE_INDEX/$CI_NODE_TOTAL).',
    });
  }
  return { index: Number(m[1]), count: Number(m[2]) };
}

/**
 * Whether the k-th repository of the list (0-based) belongs to the shard: round robin by
 * position, so every repository is in exactly one shard and the shards are even in size.
 */
export function inShard(shard: Shard | undefined, k: number): boolean {
  return shard === undefined || k % shard.count === shard.index - 1;
}
