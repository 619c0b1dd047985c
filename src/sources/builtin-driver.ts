import type { Fs } from '../core/fs.js';
import { BUILTIN_ROOT, listCatalog, parseTemplateRef, resolveInCatalog, type CatalogEntry } from '../template/builtin.js';
import { loadPins, loadTemplate } from '../template/load.js';
import type { Template } from '../template/template.js';
import { loadSharedQuestions, type SharedQuestions } from '../template/shared-questions.js';
import { matchesKind, type AttachCompiled, type SourceDriver } from './driver.js';

/** `builtin`: the catalog shipped in the package (templates/NAME/VERSION/), listed once per run. */
export class BuiltinDriver implements SourceDriver {
  readonly kind = 'builtin';
  private entries: Promise<CatalogEntry[]> | undefined;
  private pins: Promise<Record<string, Record<string, unknown>>> | undefined;
  private shared: Promise<SharedQuestions> | undefined;

  constructor(
    private readonly fs: Fs,
    private readonly attach: AttachCompiled,
    private readonly root = BUILTIN_ROOT,
  ) {}

  matches(source: string): boolean {
    return matchesKind(this.kind, source);
  }

  list(): Promise<CatalogEntry[]> {
    this.entries ??= listCatalog(this.fs, this.root);
    return this.entries;
  }

  async versions(name: string): Promise<string[]> {
    return (await this.list()).find((e) => e.name === name)?.versions ?? [];
  }

  async load(spec: string): Promise<Template> {
    const { dir } = resolveInCatalog(await this.list(), parseTemplateRef(spec), this.root);
    this.pins ??= loadPins(this.fs, this.root);
    this.shared ??= loadSharedQuestions(this.fs, this.root);
    return this.attach(await loadTemplate(this.fs, dir, { kind: 'builtin' }, await this.pins, await this.shared));
  }
}
