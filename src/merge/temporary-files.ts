import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Runs `use` with each text written to a file of its own in a new temporary folder, removed afterwards whatever happens. */
export function withTemporaryFiles<K extends string, T>(texts: Record<K, string>, use: (paths: Record<K, string>) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'platform-merge-'));
  try {
    const paths = {} as Record<K, string>;
    for (const name of Object.keys(texts) as K[]) {
      paths[name] = join(dir, name);
      writeFileSync(paths[name], texts[name]);
    }
    return use(paths);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
