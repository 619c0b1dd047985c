/** Where template folders, their pins and their earlier versions are, for the authoring commands. */
import { posix } from 'node:path';
import { type Fs, statOrUndefined } from '../core/fs.js';
import { UsageError } from '../core/errors.js';
import { loadPins } from '../template/load.js';
import { TEMPLATE_NAME } from '../template/schema.js';
import { compareVersions, isVersion } from '../template/semver.js';

export type Pins = Record<string, Record<string, unknown>>;

const hasManifest = async (fs: Fs, dir: string): Promise<boolean> => Boolean((await statOrUndefined(fs, posix.join(dir, 'template.yaml')))?.isFile());

async function subfolders(fs: Fs, dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
}

/**
 * The template folders a path stands for: itself when it holds template.yaml; else its
 * VERSION/ folders (a template with its versions); else NAME/VERSION/ below it (a catalog).
 */
export async function findTemplateDirs(fs: Fs, dir: string, label = dir): Promise<string[]> {
  const stat = await statOrUndefined(fs, dir);
  if (!stat?.isDirectory()) {
    throw new UsageError('template-missing', `${label} ${stat ? 'is not a folder' : 'does not exist'}.`, {
      hint: 'Give the folder that holds template.yaml (or `platform template init DIR` to start one).',
    });
  }
  if (await hasManifest(fs, dir)) return [dir];
  const versions: string[] = [];
  for (const name of await subfolders(fs, dir)) {
    if (isVersion(name) && (await hasManifest(fs, posix.join(dir, name)))) versions.push(posix.join(dir, name));
  }
  if (versions.length > 0) return versions.sort((a, b) => compareVersions(posix.basename(a), posix.basename(b)));
  const catalog: string[] = [];
  for (const name of await subfolders(fs, dir)) {
    if (!TEMPLATE_NAME.test(name)) continue;
    const versionDirs = (await subfolders(fs, posix.join(dir, name))).filter(isVersion).sort(compareVersions);
    for (const version of versionDirs) {
      if (await hasManifest(fs, posix.join(dir, name, version))) catalog.push(posix.join(dir, name, version));
    }
  }
  if (catalog.length > 0) return catalog;
  throw new UsageError('template-missing', `No template.yaml in ${label}, nor in VERSION/ or NAME/VERSION/ folders below it.`, {
    hint: 'A template is a folder with template.yaml and files/; `platform template init DIR` starts one.',
  });
}

/**
 * The pins a template renders with: its own pins.yaml, else the catalog's (the pins.yaml two
 * levels up, beside the NAME/ folders, as templates/pins.yaml is for the built-in ones).
 */
export async function findPins(fs: Fs, dir: string): Promise<{ pins: Pins; file: string | undefined }> {
  const candidates = [dir];
  if (isVersion(posix.basename(dir))) candidates.push(posix.dirname(posix.dirname(dir)));
  for (const candidate of candidates) {
    const file = posix.join(candidate, 'pins.yaml');
    if (await statOrUndefined(fs, file)) return { pins: await loadPins(fs, candidate), file };
  }
  return { pins: {}, file: undefined };
}

/** The newest VERSION/ folder beside dir that is older than version, when dir is NAME/VERSION. */
export async function previousVersionDir(fs: Fs, dir: string, version: string): Promise<string | undefined> {
  if (!isVersion(posix.basename(dir)) || !isVersion(version)) return undefined;
  const parent = posix.dirname(dir);
  const older = [];
  for (const name of await subfolders(fs, parent)) {
    if (isVersion(name) && compareVersions(name, version) < 0 && (await hasManifest(fs, posix.join(parent, name)))) older.push(name);
  }
  const previous = older.sort(compareVersions).at(-1);
  return previous === undefined ? undefined : posix.join(parent, previous);
}

export interface TreeFile {
  /** Relative to the folder read, POSIX separators. */
  path: string;
  bytes: Uint8Array;
  executable: boolean;
}

/** Every regular file below dir (sorted); symbolic links are listed apart, not followed. */
export async function readTree(fs: Fs, dir: string): Promise<{ files: TreeFile[]; symlinks: string[] }> {
  const files: TreeFile[] = [];
  const symlinks: string[] = [];
  if (!(await statOrUndefined(fs, dir))?.isDirectory()) return { files, symlinks };
  const walk = async (relative: string): Promise<void> => {
    for (const entry of await fs.readdir(posix.join(dir, relative), { withFileTypes: true })) {
      const path = relative ? `${relative}/${entry.name}` : entry.name;
      const full = posix.join(dir, path);
      if (entry.isSymbolicLink()) symlinks.push(path);
      else if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) {
        const stat = await fs.lstat(full);
        files.push({ path, bytes: await fs.readFile(full), executable: (stat.mode & 0o111) !== 0 });
      }
    }
  };
  await walk('');
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, symlinks: symlinks.sort() };
}
