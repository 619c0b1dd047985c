/** A version's own entry of a CHANGELOG.md that holds the whole history, as status and upgrade show it. */
import { describe, expect, it } from 'vitest';
import { versionEntry } from '../../src/template/changelog.js';

const HISTORY = `# thing template

## 1.2.0 (2026-05-01)

Faster.

### Changed

- One.

## [1.1.0] - 2026-04-01

A fix.

\`\`\`md
## 9.9.9
an example heading inside a fence
\`\`\`

## v1.0.0

First.
`;

describe('versionEntry', () => {
  it('is the section under the heading that names the version, its ### sections included, whatever the heading style', () => {
    expect(versionEntry(HISTORY, '1.2.0')).toBe('## 1.2.0 (2026-05-01)\n\nFaster.\n\n### Changed\n\n- One.');
    expect(versionEntry(HISTORY, '1.1.0')).toBe('## [1.1.0] - 2026-04-01\n\nA fix.\n\n```md\n## 9.9.9\nan example heading inside a fence\n```');
    expect(versionEntry(HISTORY, '1.0.0')).toBe('## v1.0.0\n\nFirst.');
  });

  it('tells versions apart exactly: 1.1.0 is not 1.1.0-rc.1 nor 11.1.0; CRLF headings count', () => {
    const text = '## 1.1.0-rc.1\n\nCandidate.\n\n## 11.1.0\n\nOther.\n\n## 1.1.0\r\n\r\nReal.\r\n';
    expect(versionEntry(text, '1.1.0')).toBe('## 1.1.0\r\n\r\nReal.');
    expect(versionEntry(text, '1.1.0-rc.1')).toBe('## 1.1.0-rc.1\n\nCandidate.');
  });

  it('is the whole text when no heading names the version (a changelog in another shape)', () => {
    expect(versionEntry('Everything changed.\n', '2.0.0')).toBe('Everything changed.');
    expect(versionEntry(HISTORY, '9.9.9')).toBe(HISTORY.trim());
  });

  it('reads a hostile changelog in linear time: a 200,000-character heading line', () => {
    const line = `## 1${'a'.repeat(200_000)}!`;
    expect(versionEntry(`${line}\n`, '1.0.0')).toBe(line);
  });
});
