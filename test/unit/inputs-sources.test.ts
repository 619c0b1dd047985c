/**
 * SECURITY.md (class 3 of issue 11): trust and catalog decisions compare canonical sources, and a
 * source of an unknown kind is an error, never "built-in".
 */
import { describe, expect, it } from 'vitest';
import { canonicalSource } from '../../src/sources/canonical.js';
import { isTrusted } from '../../src/hooks/hooks.js';
import { parseLockfile } from '../../src/lock/lockfile.js';
import { PlatformError } from '../../src/core/errors.js';
import { thrownPlatformError } from '../helpers/in-process.js';


describe('canonicalSource', () => {
  it.each([
    ['builtin', 'builtin'],
    ['dir:/srv/t/../evil/', 'dir:/srv/evil'],
    ['dir:/srv//t/./x', 'dir:/srv/t/x'],
    ['git:HTTPS://H/org/', 'git:https://h/org'],
    ['git:https://user:pw@h:443/org/x', 'git:https://h/org/x'],
    ['git:https://h/org/a%c3%a9', 'git:https://h/org/a%C3%A9'],
    ['git:https://h/org/%72epo/%2e%2e/x', 'git:https://h/org/x'],
    ['git:https://h/org/repo//templates/./api/', 'git:https://h/org/repo//templates/api'],
    ['git:ssh://git:pw@H:22/o/r.git//a/./b', 'git:ssh://git@h/o/r.git//a/b'],
    ['git:ssh://git@h:2222/o/r', 'git:ssh://git@h:2222/o/r'],
    ['git:file:///srv/repo/../x', 'git:file:///srv/x'],
    ['npm:@acme/t//x/./y', 'npm:@acme/t//x/y'],
    ['npm:file:/a/../b.tgz', 'npm:file:/b.tgz'],
  ])('%s -> %s', (source, canonical) => {
    expect(canonicalSource(source)).toBe(canonical);
    // Canonical forms are fixed points.
    expect(canonicalSource(canonical)).toBe(canonical);
  });

  it.each(['https://evil.example/x', 'ext::sh -c touch canary', 'foo:bar', 'Builtin', '', 'git:ext::sh -c x', 'dir:relative/path', 'git:https://h/o/%zz', 'git:https://h/org%2f..%2fevil', 'git:https://h/org/%5c..', 'git:https://h//o/r', 'git:https://-oProxyCommand=x/o', 'npm:-x'])(
    'refuses %j',
    (source) => {
      const e = thrownPlatformError(() => canonicalSource(source));
      expect(e.exitCode).toBe(2);
    },
  );

  it('says what kinds exist for an unknown one', () => {
    expect(thrownPlatformError(() => canonicalSource('https://evil.example/x')).message).toBe('unknown source kind "https://evil.example/x": expected builtin, dir:, git: or npm:.');
  });
});

describe('isTrusted on canonical sources', () => {
  const list = ['dir:/srv/t', 'git:https://h/org/repo', 'git:https://trusted.example/org', 'npm:@acme/templates'];
  it.each([
    'dir:/srv/t-evil',
    'dir:/srv/t/../evil',
    'dir:/srv/t/../../tmp/evil',
    'dir:/srv',
    'git:https://h/org/repo/../evil',
    'git:https://h/org/repo-evil',
    'git:https://h/org%2Frepo',
    'git:https://h/org/repo%2F..%2Fevil',
    'git:https://h/org/%72epo/..%2F..%2Fevil',
    'git:https://trusted.example@evil.example/org/x',
    'git:https://trusted.example.evil.example/org/x',
    'git:https://trusted.example:8443/org/x',
    'git:ssh://h/org/repo',
    'npm:@acme/templates-evil',
    'npm:@acme/other',
    'https://h/org/repo',
    'ext::sh -c touch canary',
  ])('does not trust %s', (source) => {
    expect(isTrusted(source, list)).toBe(false);
  });

  it.each([
    'builtin',
    'dir:/srv/t',
    'dir:/srv/t/',
    'dir:/srv//t/./api',
    'dir:/srv/x/../t/api',
    'git:HTTPS://H/org/repo',
    'git:https://H:443/org/repo/',
    'git:https://user:pw@h/org/repo',
    'git:https://h/org/%72epo//templates/api',
    'git:https://TRUSTED.example/org/x',
    'npm:@acme/templates//service',
  ])('trusts %s like its canonical twin', (source) => {
    expect(isTrusted(source, list)).toBe(true);
  });

  it('canonicalises the trust-list entries too, and ignores ones that are not sources', () => {
    expect(isTrusted('git:https://h/org/repo', ['git:HTTPS://H:443/org/./repo/'])).toBe(true);
    expect(isTrusted('dir:/srv/t/x', ['dir:/srv/./t/'])).toBe(true);
    expect(isTrusted('dir:/srv/t', ['not-a-source', 'https://h/', ''])).toBe(false);
    expect(isTrusted('dir:/etc', ['dir:/srv/t/../..'])).toBe(true);
  });
});

describe('the lockfile source', () => {
  const lock = (source: string): string => `schemaVersion: 1\ntemplates:\n  - name: svc\n    version: 1.0.0\n    source: ${source}\n    answers: {}\n    files: {}\n`;

  it.each(['https://evil.example/x', "'ext::sh -c touch canary'", "'foo:'"])('of an unknown kind (%s) is an error with its line', (source) => {
    const e = thrownPlatformError(() => parseLockfile(lock(source), '.platform.yaml'));
    expect(e.exitCode).toBe(2);
    expect(e.where).toMatchObject({ file: '.platform.yaml', line: 5 });
    expect(e.message).toMatch(/templates\.0\.source: .*(unknown source kind|not a valid source)/);
  });

  it('of a known kind parses', () => {
    expect(parseLockfile(lock('git:https://h/org/repo'), '.platform.yaml').templates[0]!.source).toBe('git:https://h/org/repo');
  });
});
