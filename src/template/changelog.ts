/**
 * A template version's CHANGELOG.md holds the whole history, newest first. Status and upgrade show
 * the versions moved through, one entry each: without this, moving 1.0.0 -> 1.3.0 printed the
 * 1.2.0 notes twice and the 1.1.0 notes three times (313 lines of status for one component).
 */

/** The version a `## ` heading names: `## 1.2.0`, `## [1.2.0] - 2026-05-01`, `## v1.2.0 (2026-05-01)`. */
function headingVersion(line: string): string | undefined {
  return /^##[ \t]+\[?v?([0-9][0-9A-Za-z.+-]*)\]?(?:[ \t(:\r]|$)/.exec(line)?.[1];
}

/**
 * VERSION's own entry in a CHANGELOG.md: from its `## VERSION` heading to the next `## ` or `# `
 * heading (its `###` sections included), trimmed. The whole text, trimmed, when no heading names
 * the version (a changelog in another shape): more than its entry rather than nothing.
 */
export function versionEntry(changelog: string, version: string): string {
  const lines = changelog.split('\n');
  let start = -1;
  let end = lines.length;
  // A `## ` inside a fenced code block (an example in the notes) is not a heading.
  let fenced = false;
  for (const [i, line] of lines.entries()) {
    if (/^[ \t]{0,3}(?:```|~~~)/.test(line)) fenced = !fenced;
    if (fenced || !/^##?[ \t]/.test(line)) continue;
    if (start !== -1) {
      end = i;
      break;
    }
    if (headingVersion(line) === version) start = i;
  }
  return start === -1 ? changelog.trim() : lines.slice(start, end).join('\n').trim();
}
