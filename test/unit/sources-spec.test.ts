import { describe, expect, it } from 'vitest';
import { PlatformError } from '../../src/core/errors.js';
import { gitSourceLabel, isGitSource, isGitSpec, parseGitSource, parseGitSpec, redact } from '../../src/sources/spec.js';
import { isPathSpec } from '../../src/cli/compose.js';

function refusal(spec: string, parse: (s: string) => unknown = parseGitSpec): PlatformError {
  let caught: unknown;
  try {
    parse(spec);
  } catch (error) {
    caught = error;
  }
  expect(caught, spec).toBeInstanceOf(PlatformError);
  return caught as PlatformError;
}

describe('git template specs', () => {
  it('tells git specs from names and folders', () => {
    for (const spec of ['git+https://h/r.git', 'git+ssh://git@h/r.git', 'git+file:///srv/t.git', 'github:org/repo']) {
      expect(isGitSpec(spec), spec).toBe(true);
      expect(isPathSpec(spec), spec).toBe(false);
    }
    for (const spec of ['service', 'service@1.0.0', './x', '/abs', 'golden-path']) expect(isGitSpec(spec), spec).toBe(false);
    expect(isGitSource('git:https://h/r.git')).toBe(true);
    expect(isGitSource('dir:/x')).toBe(false);
  });

  it('parses git+https, git+ssh and git+file without a ref', () => {
    expect(parseGitSpec('git+https://example.com/org/t.git')).toEqual({ fetchUrl: 'https://example.com/org/t.git', url: 'https://example.com/org/t.git', subpath: '', ref: undefined });
    expect(parseGitSpec('git+ssh://git@example.com/org/t.git')).toMatchObject({ url: 'ssh://git@example.com/org/t.git', ref: undefined });
    expect(parseGitSpec('git+file:///srv/templates.git')).toMatchObject({ url: 'file:///srv/templates.git', subpath: '' });
  });

  it('expands github:ORG/REPO', () => {
    expect(parseGitSpec('github:acme/templates')).toMatchObject({ url: 'https://github.com/acme/templates.git', subpath: '', ref: undefined });
    expect(parseGitSpec('github:acme/templates.git@2.0.0')).toMatchObject({ url: 'https://github.com/acme/templates.git', ref: { kind: 'version', version: '2.0.0' } });
    expect(parseGitSpec('github:acme/templates//svc#main')).toMatchObject({ url: 'https://github.com/acme/templates.git', subpath: 'svc', ref: { kind: 'ref', name: 'main' } });
  });

  it('parses #REF (branch, tag, commit) and @VERSION', () => {
    expect(parseGitSpec('git+https://h/r.git#main').ref).toEqual({ kind: 'ref', name: 'main' });
    expect(parseGitSpec('git+https://h/r.git#release/1.x').ref).toEqual({ kind: 'ref', name: 'release/1.x' });
    expect(parseGitSpec('git+https://h/r.git#v1.0.0').ref).toEqual({ kind: 'ref', name: 'v1.0.0' });
    const sha = 'a'.repeat(40);
    expect(parseGitSpec(`git+https://h/r.git#${sha}`).ref).toEqual({ kind: 'ref', name: sha });
    expect(parseGitSpec('git+https://h/r.git@1.2.0').ref).toEqual({ kind: 'version', version: '1.2.0' });
    expect(parseGitSpec('git+https://h/r.git@v1.2.0-rc.1').ref).toEqual({ kind: 'version', version: '1.2.0-rc.1' });
    // The @ of ssh's user is not a version.
    expect(parseGitSpec('git+ssh://git@h/r.git@1.0.0')).toMatchObject({ url: 'ssh://git@h/r.git', ref: { kind: 'version', version: '1.0.0' } });
  });

  it('parses //sub/path with a version', () => {
    expect(parseGitSpec('git+file:///srv/templates.git//service@1.2.0')).toEqual({
      fetchUrl: 'file:///srv/templates.git',
      url: 'file:///srv/templates.git',
      subpath: 'service',
      ref: { kind: 'version', version: '1.2.0' },
    });
    expect(parseGitSpec('git+https://h/r.git//templates/service#main')).toMatchObject({ subpath: 'templates/service', ref: { kind: 'ref', name: 'main' } });
  });

  it('rejects malformed specs as usage errors', () => {
    for (const spec of ['git+https://h/r.git@latest', 'git+https://h/r.git#a..b', 'git+https://h/r.git#main@1.0.0', 'git+http://h/r.git', 'git+ftp://h/r', 'git+file://host/r', 'github:acme', 'git+https:///r.git', 'git+https://h/r.git//']) {
      expect(refusal(spec).exitCode, spec).toBe(2);
    }
  });

  it('refuses refs, versions, hosts, paths and subfolders starting with "-" (exit 5)', () => {
    for (const spec of [
      'git+file:///srv/t.git#--upload-pack=evil',
      'git+https://h/r.git#-b',
      'git+https://h/r.git@--version',
      'git+ssh://-oProxyCommand=evil/r.git',
      'git+ssh://git@-oProxyCommand=evil/r.git',
      'git+https://h/-r.git',
      'git+https://h/r.git//-x',
      'github:-org/repo',
      'github:org/-repo',
      'git+https://h/r.git//../../etc',
    ]) {
      const error = refusal(spec);
      expect(error.exitCode, spec).toBe(5);
    }
  });

  it('refuses ext:: anywhere (exit 5)', () => {
    for (const spec of ['git+ext::sh -c evil', 'ext::sh -c touch% /tmp/x', 'git+https://h/r.git#ext::x', 'github:org/repo//ext::x']) {
      expect(refusal(spec).code, spec).toBe('git-ext');
    }
    expect(refusal('git:ext::sh -c evil', parseGitSource).exitCode).toBe(5);
    expect(refusal('git:ssh://-oProxyCommand=x/r', parseGitSource).exitCode).toBe(5);
  });

  it('strips credentials before recording or printing', () => {
    const spec = parseGitSpec('git+https://user:s3cret@example.com/org/t.git@1.0.0');
    expect(spec.fetchUrl).toBe('https://user:s3cret@example.com/org/t.git');
    expect(spec.url).toBe('https://example.com/org/t.git');
    expect(gitSourceLabel(spec)).toBe('git:https://example.com/org/t.git');
    expect(parseGitSpec('git+https://ghp_token@example.com/t.git').url).toBe('https://example.com/t.git');
    expect(parseGitSpec('git+ssh://git:pw@example.com/t.git').url).toBe('ssh://git@example.com/t.git');
    expect(redact('git+https://user:tok@h/r.git failed')).toBe('git+https://h/r.git failed');
    expect(redact('fatal: https://tok@h/r.git')).toBe('fatal: https://h/r.git');
    expect(refusal('git+https://user:s3cret@h/r.git@nope').message).not.toContain('s3cret');
    expect(parseGitSource('git:https://u:p@h/r.git//svc')).toMatchObject({ url: 'https://h/r.git', fetchUrl: 'https://h/r.git', subpath: 'svc' });
  });

  it('records git:URL[//SUB] and reads it back', () => {
    const spec = parseGitSpec('git+file:///srv/templates.git//service@1.2.0');
    const label = gitSourceLabel(spec);
    expect(label).toBe('git:file:///srv/templates.git//service');
    expect(parseGitSource(label)).toMatchObject({ url: 'file:///srv/templates.git', subpath: 'service', ref: undefined });
  });
});
