import { posix } from 'node:path';
import { UsageError } from '../core/errors.js';
import { statOrUndefined, type Fs } from '../core/fs.js';
import { parseTemplateRef, resolveInCatalog } from '../template/builtin.js';
import { compareVersions, isVersion } from '../template/semver.js';
import { loadPins, loadTemplate } from '../template/load.js';
import type { Template } from '../template/template.js';
import { matchesKind, type AttachCompiled, type SourceDriver } from './driver.js';

/** `dir:PATH`: a folder holding one template, or its versions as VERSION/ subfolders. */
export class DirDriver implements SourceDriver {
  readonly kind = 'dir';

  constructor(
    private readonly fs: Fs,
    private readonly attach: AttachCompiled,
  ) {}

  matches(source: string): boolean {
    return matchesKind(this.kind, source);
  }

  async versions(_name: string, source: string): Promise<string[]> {
    const dir = folderOf(source);
    if (await statOrUndefined(this.fs, posix.join(dir, 'template.yaml'))) return [(await this.loadDir(dir)).manifest.version];
    const entries = await this.fs.readdir(dir, { withFileTypes: true }).catch(() => []);
    return entries.filter((e) => e.isDirectory() && isVersion(e.name)).map((e) => e.name).sort(compareVersions);
  }

  async load(spec: string, source: string): Promise<Template> {
    const dir = folderOf(source);
    const ref = parseTemplateRef(spec);
    if (await statOrUndefined(this.fs, posix.join(dir, 'template.yaml'))) {
      const template = await this.loadDir(dir);
      if (ref.version !== undefined && ref.version !== template.manifest.version) {
        throw new UsageError('template-version-unknown', `${dir} holds ${template.manifest.name}@${template.manifest.version}, not ${ref.version}.`, {
          hint: `Use the version the folder holds, or keep each version in its own VERSION/ folder under ${dir}.`,
        });
      }
      return template;
    }
    const { dir: versionDir } = resolveInCatalog([{ name: ref.name, versions: await this.versions(ref.name, source) }], ref, posix.dirname(dir));
    // The source stays the folder of versions, so an upgrade finds the newer ones there.
    return this.loadDir(posix.join(dir, posix.basename(versionDir)), dir);
  }

  private async loadDir(dir: string, sourceRoot = dir): Promise<Template> {
    return this.attach(await loadTemplate(this.fs, dir, { kind: 'dir', path: sourceRoot }, await loadPins(this.fs, dir)));
  }
}

/** The folder of a canonical `dir:PATH` source. */
function folderOf(source: string): string {
  return source.slice('dir:'.length);
}
