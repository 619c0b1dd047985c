import { parseTemplateRef } from '../template/builtin.js';
import type { Template } from '../template/template.js';
import { matchesKind, type AttachCompiled, type SourceDriver } from './driver.js';
import type { Env } from './git.js';
import { NpmSources } from './npm.js';

/** `npm:PACKAGE[//SUB]`: versions from the registry; a template's version is its package's (see NpmSources). */
export class NpmDriver implements SourceDriver {
  readonly kind = 'npm';
  /** One per run, so each package's versions are listed once; also loads --template npm specs. */
  readonly sources: NpmSources;

  constructor(env: Env, attach: AttachCompiled) {
    this.sources = new NpmSources(env, attach);
  }

  matches(source: string): boolean {
    return matchesKind(this.kind, source);
  }

  versions(_name: string, source: string): Promise<string[]> {
    return this.sources.versions(source);
  }

  load(spec: string, source: string): Promise<Template> {
    const ref = parseTemplateRef(spec);
    return this.sources.loadSource(source, ref.name, ref.version);
  }
}
