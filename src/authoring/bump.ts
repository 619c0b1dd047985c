/** `platform template bump NAME`: the next version of a template, as a copy of the latest, so a release is a reviewed diff. */
import { posix } from 'node:path';
import { UsageError } from '../core/errors.js';
import { readFileOrUndefined, statOrUndefined, type Fs } from '../core/fs.js';
import { layoutOf } from '../catalog/layout.js';
import { copyTree, requireNewFolder } from '../catalog/copy.js';
import { parseYamlSource, validateSource } from '../core/yaml-source.js';
import { templateManifestSchema } from '../template/schema.js';
import { findSharedQuestions, referenceError, resolveQuestionRefs } from '../template/shared-questions.js';
import { compareVersions, isVersion } from '../template/semver.js';

export type BumpLevel = 'major' | 'minor' | 'patch';

export interface BumpResult {
  name: string;
  from: string;
  to: string;
  dir: string;
  files: string[];
}

/** The next version at a level: 1.2.3 -> 2.0.0 | 1.3.0 | 1.2.4 (a pre-release or build part is dropped). */
export function nextVersion(version: string, level: BumpLevel): string {
  const [major, minor, patch] = version.split(/[-+]/)[0]!.split('.').map(Number) as [number, number, number];
  if (level === 'major') return `${major + 1}.0.0`;
  if (level === 'minor') return `${major}.${minor + 1}.0`;
  return `${major}.${minor}.${patch + 1}`;
}

/**
 * Copies NAME/LATEST/ to NAME/NEXT/ in the catalog folder `versionsDir` belongs to: template.yaml
 * gets `version: NEXT`, CHANGELOG.md a stub entry for NEXT on top. Nothing is written when the
 * next folder exists, or when the copy would carry a link or a template.yaml that is not valid.
 */
export async function bumpTemplate(fs: Fs, versionsDir: string, options: { level?: BumpLevel; to?: string }): Promise<BumpResult> {
  const layout = await layoutOf(fs, versionsDir);
  if (layout.kind !== 'versions') {
    throw new UsageError('bump-not-versions', `${versionsDir} is not a folder of VERSION/ folders (a catalog's NAME/ folder).`, {
      hint: 'Run it in a catalog (`platform catalog init DIR` makes one) with a template name, or give the path of NAME/.',
    });
  }
  // The latest version that is one: a VERSION/ folder someone started by hand is not.
  const released: string[] = [];
  for (const v of layout.versions) if ((await statOrUndefined(fs, posix.join(versionsDir, v, 'template.yaml')))?.isFile()) released.push(v);
  const from = released.at(-1);
  if (from === undefined) throw new UsageError('bump-not-versions', `${versionsDir} holds no VERSION/template.yaml to copy.`, { hint: 'Start the template with `platform template init NAME/1.0.0`.' });
  const to = options.to ?? nextVersion(from, options.level ?? 'minor');
  if (!isVersion(to)) throw new UsageError('bump-version', `--to ${to} is not a version (such as 1.4.0).`, { hint: 'Give a semver: MAJOR.MINOR.PATCH.' });
  if (compareVersions(to, from) <= 0) {
    throw new UsageError('bump-version', `${to} is not after the latest version ${from}.`, { hint: `Give a version after ${from}, or leave --to out for ${nextVersion(from, 'minor')}.` });
  }
  const source = posix.join(versionsDir, from);
  const dir = posix.join(versionsDir, to);
  await requireNewFolder(fs, dir, 'the next version');

  const manifestPath = posix.join(source, 'template.yaml');
  const text = new TextDecoder().decode(await fs.readFile(manifestPath));
  // `- use: NAME` questions come from the catalog's questions.yaml: resolved as a load would.
  const shared = await findSharedQuestions(fs, source);
  const validate = (yaml: string) => {
    const parsed = parseYamlSource(yaml, manifestPath, 'Template');
    const resolved = resolveQuestionRefs(parsed.data, shared);
    if (resolved.problems[0]) throw referenceError(resolved.problems[0], manifestPath, (path) => parsed.locate(path));
    return validateSource(templateManifestSchema, { data: resolved.data, locate: (path) => parsed.locate(path) }, manifestPath, 'Template');
  };
  const manifest = validate(text);
  const versionLine = /^version:[ \t]*["']?([^"'\s#]+)["']?[ \t]*(#.*)?$/m;
  if (!versionLine.test(text)) {
    throw new UsageError('bump-version-line', `${manifestPath} has no top-level \`version:\` line to change.`, { hint: 'Write the version as `version: X.Y.Z` on a line of its own.' });
  }
  const bumped = text.replace(versionLine, `version: ${to}`);
  const check = validate(bumped);
  if (check.version !== to) throw new UsageError('bump-version-line', `${manifestPath}: the version could not be changed to ${to}.`, { hint: 'Write the version as `version: X.Y.Z` on a line of its own.' });

  const files = await copyTree(fs, source, dir);
  await fs.writeFile(posix.join(dir, 'template.yaml'), bumped);
  const changelogPath = posix.join(dir, 'CHANGELOG.md');
  await fs.writeFile(changelogPath, withStub(new TextDecoder().decode((await readFileOrUndefined(fs, changelogPath)) ?? new Uint8Array()), manifest.name, to));
  if (!files.includes('CHANGELOG.md')) files.push('CHANGELOG.md');
  return { name: manifest.name, from, to, dir, files };
}

/** A `## VERSION` entry above the newest one (under the title, if there is one). */
function withStub(changelog: string, name: string, version: string): string {
  const stub = `## ${version}\n\n(unreleased: describe what teams get, and what they must do, before tagging)\n\n### Changed\n\n- \n\n`;
  if (changelog.trim() === '') return `# ${name} template\n\n${stub}`;
  const firstEntry = changelog.search(/^## /m);
  if (firstEntry < 0) return `${changelog.trimEnd()}\n\n${stub}`;
  return `${changelog.slice(0, firstEntry)}${stub}${changelog.slice(firstEntry)}`;
}
