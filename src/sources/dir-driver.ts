import { posix } from 'node:path';
import { UsageError } from '../core/errors.js';
import type { Fs } from '../core/fs.js';
import { layoutOf, pinsRootOf } from '../catalog/layout.js';
import { parseTemplateRef, resolveInCatalog } from '../template/builtin.js';
import { loadPins, loadTemplate } from '../template/load.js';
import type { Template } from '../template/template.js';
import { matchesKind, type AttachCompiled, type SourceDriver } from './driver.js';

/**
 * `dir:PATH`: a folder holding one template, or its versions as VERSION/ subfolders (a catalog's
 * NAME/ folder). Shared files (pins.yaml) are read from the template folder or the catalog above it.
 */
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
    const layout = await layoutOf(this.fs, dir);
    if (layout.kind === 'template') return [(await this.loadDir(dir, dir, posix.dirname(posix.dirname(dir)))).manifest.version];
    return layout.kind === 'versions' ? layout.versions : [];
  }

  async load(spec: string, source: string): Promise<Template> {
    const dir = folderOf(source);
    const ref = parseTemplateRef(spec);
    const layout = await layoutOf(this.fs, dir);
    if (layout.kind === 'template') {
      const template = await this.loadDir(dir, dir, posix.dirname(posix.dirname(dir)));
      if (ref.version !== undefined && ref.version !== template.manifest.version) {
        throw new UsageError('template-version-unknown', `${dir} holds ${template.manifest.name}@${template.manifest.version}, not ${ref.version}.`, {
          hint: `Use the version the folder holds, or keep each version in its own VERSION/ folder under ${dir}.`,
        });
      }
      return template;
    }
    const versions = layout.kind === 'versions' ? layout.versions : [];
    const { version } = resolveInCatalog([{ name: ref.name, versions }], ref, posix.dirname(dir));
    // The source stays the folder of versions, so an upgrade finds the newer ones there.
    return this.loadDir(posix.join(dir, version), dir, posix.dirname(dir));
  }

  private async loadDir(dir: string, sourceRoot: string, top: string): Promise<Template> {
    const pins = await loadPins(this.fs, await pinsRootOf(this.fs, dir, top));
    return this.attach(await loadTemplate(this.fs, dir, { kind: 'dir', path: sourceRoot }, pins));
  }
}

/** The folder of a canonical `dir:PATH` source. */
function folderOf(source: string): string {
  return source.slice('dir:'.length);
}
