import { posix } from 'node:path';
import { UsageError } from '../core/errors.js';
import { statOrUndefined } from '../core/fs.js';
import { nodeFs } from '../core/node-fs.js';
import { loadPins, loadTemplate } from '../template/load.js';
import { sharedQuestionsWithin } from '../template/shared-questions.js';
import type { Template } from '../template/template.js';
import { layoutOf, pinsRootOf } from '../catalog/layout.js';
import { checkout, listRemote, resolveRef, taggedVersions, type Env, type RemoteRef } from './git.js';
import { isOffline } from './offline.js';
import { gitSourceLabel, parseGitSource, parseGitSpec, redact, type GitSpec } from './spec.js';

type Remote = Awaited<ReturnType<typeof listRemote>>;
type Ref = RemoteRef | { name: undefined; sha: string };

/**
 * Templates kept in git repositories: versions from the remote's tags, each version checked out
 * (shallow, once) into the per-user cache. A git template runs nothing: it is only rendered.
 */
export class GitSources {
  private remotes = new Map<string, Promise<Remote>>();

  constructor(
    private readonly env: Env,
    private readonly attach: (template: Template) => Promise<Template> = async (t) => t,
  ) {}

  /** The versions a `git:` lockfile source offers, ascending: its semver tags, else the default branch's version. */
  async versions(source: string): Promise<string[]> {
    const spec = parseGitSource(source);
    // A catalog's NAME/ folder: its VERSION/ folders at the newest tag (else the default branch).
    const layout = await layoutOf(nodeFs, posix.join(await checkout(this.env, spec, await this.newestRef(spec)), spec.subpath));
    if (layout.kind === 'versions') return layout.versions;
    const tagged = await this.tagged(spec);
    if (tagged.size > 0) return [...tagged.keys()];
    return [(await this.loadDefaultBranch(spec)).manifest.version];
  }

  /** NAME@VERSION (or the latest) from a `git:` lockfile source. */
  async loadSource(source: string, name: string, version: string | undefined): Promise<Template> {
    const spec = parseGitSource(source);
    const template = await this.loadSpecWith({ ...spec, ref: version === undefined ? undefined : { kind: 'version', version } });
    if (name !== '' && template.manifest.name !== name) {
      throw new UsageError('git-template-name', `${redact(source)} holds template "${template.manifest.name}", not "${name}".`, {
        hint: 'Fix the source of this component in .platform.yaml.',
      });
    }
    return template;
  }

  /** The local folder of a `git:` source at its newest release (highest version tag, else the default branch). */
  async folder(source: string): Promise<string> {
    const spec = parseGitSource(source);
    return posix.join(await checkout(this.env, spec, await this.newestRef(spec)), spec.subpath);
  }

  /** A --template git spec (git+https://…, github:ORG/REPO, …, with //SUB, #REF or @VERSION). */
  async loadSpec(text: string): Promise<Template> {
    return this.loadSpecWith(parseGitSpec(text));
  }

  private async loadSpecWith(spec: GitSpec): Promise<Template> {
    if (spec.ref?.kind === 'ref') {
      const remote = await this.remote(spec);
      return this.loadAt(spec, resolveRef(spec.ref.name, remote, spec.url), undefined);
    }
    // A catalog's NAME/ folder: NAME@VERSION is its VERSION/ folder at the newest tag (else the default branch).
    const newest = await this.newestRef(spec);
    const layout = await layoutOf(nodeFs, posix.join(await checkout(this.env, spec, newest), spec.subpath));
    if (layout.kind === 'versions') return this.loadAt(spec, newest, undefined, spec.ref?.version ?? layout.versions.at(-1));
    const tagged = await this.tagged(spec);
    if (spec.ref?.kind === 'version') {
      const tag = tagged.get(spec.ref.version);
      if (!tag) {
        // A repository without version tags: its default branch, if that is the version asked for.
        if (tagged.size === 0) {
          const template = await this.loadDefaultBranch(spec);
          if (template.manifest.version === spec.ref.version) return template;
        }
        throw new UsageError('template-version-unknown', `${spec.url}${spec.subpath ? `//${spec.subpath}` : ''} has no version ${spec.ref.version}.`, {
          hint: `Versions tagged there: ${[...tagged.keys()].join(', ') || 'none'} (tags vVERSION, VERSION${spec.subpath ? ` or ${posix.basename(spec.subpath)}-vVERSION` : ''}).`,
        });
      }
      return this.loadAt(spec, tag, spec.ref.version);
    }
    const latest = [...tagged].at(-1);
    if (latest) return this.loadAt(spec, latest[1], latest[0]);
    return this.loadDefaultBranch(spec);
  }

  private async loadDefaultBranch(spec: GitSpec): Promise<Template> {
    const remote = await this.remote(spec);
    if (!remote.head) {
      throw new UsageError('git-empty', `${spec.url} has no default branch and no version tags.`, { hint: 'Push the template and tag a version (v1.0.0), or name a ref with #REF.' });
    }
    const branch = remote.heads.find((h) => h.sha === remote.head);
    return this.loadAt(spec, branch ?? { name: undefined, sha: remote.head }, undefined);
  }

  /**
   * The template at one ref: the folder's template.yaml, or (a catalog's NAME/ folder) its
   * VERSION/ folder, `folder` or the latest. `version` is what the tag says, when a tag chose it.
   */
  private async loadAt(spec: GitSpec, ref: Ref, version: string | undefined, folder?: string): Promise<Template> {
    const repo = await checkout(this.env, spec, ref);
    let dir = spec.subpath ? posix.join(repo, spec.subpath) : repo;
    const where = `${spec.url}${spec.subpath ? `//${spec.subpath}` : ''} at ${ref.name ?? ref.sha}`;
    const layout = await layoutOf(nodeFs, dir);
    if (layout.kind === 'versions') {
      const want = folder ?? layout.versions.at(-1)!;
      if (!layout.versions.includes(want)) {
        throw new UsageError('template-version-unknown', `${where} has no version ${want}.`, {
          hint: `Versions there: ${layout.versions.join(', ')} (its VERSION/ folders). A released version folder stays in the catalog for repositories still on it.`,
        });
      }
      dir = posix.join(dir, want);
      version = want;
    } else if (!(await statOrUndefined(nodeFs, posix.join(dir, 'template.yaml')))?.isFile()) {
      throw new UsageError('template-missing', `${where} holds no template.yaml.`, {
        hint: 'Point at the folder holding template.yaml and files/ (or a catalog\'s NAME/ folder of VERSION/ folders) with //SUB/FOLDER.',
      });
    }
    const catalogRoot = await pinsRootOf(nodeFs, dir, repo);
    const pins = await loadPins(nodeFs, catalogRoot);
    const shared = await sharedQuestionsWithin(nodeFs, dir, catalogRoot !== dir ? catalogRoot : repo);
    const template = await loadTemplate(nodeFs, dir, { kind: 'git', source: gitSourceLabel(spec) }, pins, shared);
    if (version !== undefined && template.manifest.version !== version) {
      throw new UsageError('git-version-mismatch', `${where} holds ${template.manifest.name}@${template.manifest.version}, but its ${layout.kind === 'versions' ? 'folder' : 'tag'} says ${version}.`, {
        hint: layout.kind === 'versions' ? 'Set version: in template.yaml to its VERSION/ folder name.' : 'Set version: in template.yaml to the tagged version before tagging.',
      });
    }
    return this.attach(template);
  }

  /** The newest release: the highest version tag, else the default branch (offline: a cached branch). */
  private async newestRef(spec: GitSpec): Promise<Ref> {
    const latest = [...(await this.tagged(spec)).values()].at(-1);
    if (latest) return latest;
    const remote = await this.remote(spec);
    if (remote.head) return remote.heads.find((h) => h.sha === remote.head) ?? { name: undefined, sha: remote.head };
    if (isOffline(this.env) && remote.heads.length > 0) return remote.heads.at(-1)!;
    throw new UsageError('git-empty', `${spec.url} has no default branch and no version tags.`, { hint: 'Push the template and tag a version (v1.0.0), or name a ref with #REF.' });
  }

  private async tagged(spec: GitSpec): Promise<Map<string, RemoteRef>> {
    return taggedVersions((await this.remote(spec)).tags, spec.subpath ? posix.basename(spec.subpath) : undefined);
  }

  private remote(spec: GitSpec): Promise<Remote> {
    let remote = this.remotes.get(spec.fetchUrl);
    if (!remote) {
      remote = listRemote(this.env, spec);
      this.remotes.set(spec.fetchUrl, remote);
    }
    return remote;
  }
}
