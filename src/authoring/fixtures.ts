/** A template's test fixtures: answer sets in tests/*.yaml (or .yml, .json), rendered by `platform template test`. */
import { posix } from 'node:path';
import type { Fs } from '../core/fs.js';
import { UsageError } from '../core/errors.js';
import { parseAnswersFile } from '../answers/file.js';
import type { GivenAnswer } from '../answers/resolve.js';

/** The case rendered with every default; its snapshot folder has this name too. */
export const DEFAULTS_CASE = 'defaults';
export const FIXTURE_EXTENSIONS = ['.yaml', '.yml', '.json'] as const;
export const SNAPSHOTS_DIR = 'tests/__snapshots__';

export interface TestCase {
  /** defaults, or the fixture's file name without its extension. */
  name: string;
  /** tests/NAME.yaml, relative to the template folder; undefined for the defaults. */
  fixture: string | undefined;
  given: Map<string, GivenAnswer>;
}

/** The defaults, then every fixture in name order. */
export async function readTestCases(fs: Fs, dir: string): Promise<TestCase[]> {
  const entries = await fs.readdir(posix.join(dir, 'tests'), { withFileTypes: true }).catch(() => []);
  const files = entries
    .filter((e) => e.isFile() && FIXTURE_EXTENSIONS.some((ext) => e.name.endsWith(ext)))
    .map((e) => e.name)
    .sort();
  const cases: TestCase[] = [{ name: DEFAULTS_CASE, fixture: undefined, given: new Map() }];
  for (const file of files) {
    const fixture = `tests/${file}`;
    const name = file.replace(/\.[^.]+$/, '');
    const clash = cases.find((c) => c.name === name);
    if (clash) {
      throw new UsageError('fixture-name', `${fixture} has the same name as ${clash.fixture ?? 'the defaults case'}: each fixture needs its own snapshot folder.`, {
        where: { file: posix.join(dir, fixture) },
        hint: name === DEFAULTS_CASE ? `Rename it: "${DEFAULTS_CASE}" is the snapshot of the default answers.` : 'Rename one of them.',
      });
    }
    const text = new TextDecoder().decode(await fs.readFile(posix.join(dir, fixture)));
    cases.push({ name, fixture, given: parseAnswersFile(text, fixture) });
  }
  return cases;
}
