import { parseTemplateRef } from '../template/builtin.js';
import type { Template } from '../template/template.js';
import { matchesKind, type AttachCompiled, type SourceDriver } from './driver.js';
import { GitSources } from './git-source.js';
import type { Env } from './git.js';

/** `git:URL[//SUB]`: versions from the repository's tags (see GitSources). */
export class GitDriver implements SourceDriver {
  readonly kind = 'git';
  /** One per run, so each remote is listed once; also loads --template git specs. */
  readonly sources: GitSources;

  constructor(env: Env, attach: AttachCompiled) {
    this.sources = new GitSources(env, attach);
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
