import { parseTemplateRef } from '../template/builtin.js';
import type { Template } from '../template/template.js';
import { matchesKind, type SourceDriver } from './driver.js';

/** A remote kind's sources: GitSources (versions from tags) and NpmSources (from the registry). */
export interface RemoteSources {
  versions(source: string): Promise<string[]>;
  loadSource(source: string, name: string, version: string | undefined): Promise<Template>;
}

/**
 * `git:URL[//SUB]` and `npm:PACKAGE[//SUB]`: a remote's sources behind the driver interface.
 * One per run, so each remote is listed once; its sources also load --template specs.
 */
export class RemoteDriver<Sources extends RemoteSources> implements SourceDriver {
  constructor(
    readonly kind: 'git' | 'npm',
    readonly sources: Sources,
  ) {}

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
