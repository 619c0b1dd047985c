import { runInThisContext } from 'node:vm';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { readableFrames } from '../../src/ui/stack-frames.js';

// A program bundled as the CLI is (minified, its source map beside it), run from memory.
const SCRIPT = '/opt/platform/dist/bundle/cli.cjs';
const SOURCE = [
  'export function parseAnswers(text: string): number {',
  '  if (text.length > 3) {',
  "    throw new TypeError('too long');",
  '  }',
  '  return text.length;',
  '}',
  'export function run(): number {',
  "  return parseAnswers('hostile');",
  '}',
].join('\n');

async function minifiedWithMap(): Promise<{ code: string; map: string }> {
  const result = await build({
    stdin: { contents: SOURCE, loader: 'ts', sourcefile: '/repo/src/answers/parse.ts' },
    bundle: true,
    minify: true,
    format: 'cjs',
    platform: 'node',
    write: false,
    outfile: SCRIPT,
    sourcemap: 'external',
    sourcesContent: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles.find((file) => file.path.endsWith('.cjs'))!.text;
  const map = result.outputFiles.find((file) => file.path.endsWith('.map'))!.text;
  return { code, map };
}

function stackOf(code: string): string[] {
  const module = { exports: {} as { run: () => number } };
  // The wrapper on a line of its own, not counted: the program's lines and columns as built.
  runInThisContext(`(function (module, exports) {\n${code}\n})`, { filename: SCRIPT, lineOffset: -1 })(module, module.exports);
  try {
    module.exports.run();
  } catch (error) {
    return (error as Error).stack!.split('\n').filter((line) => /^\s+at /.test(line));
  }
  throw new Error('expected the program to throw');
}

describe('PLATFORM_DEBUG stack frames of the minified CLI', () => {
  it('shows each frame of the bundle at its line in src/', async () => {
    const { code, map } = await minifiedWithMap();
    const frames = stackOf(code);
    expect(frames[0]).toContain(`${SCRIPT}:`);
    const mapped = readableFrames(frames, SCRIPT, (path) => {
      expect(path).toBe(`${SCRIPT}.map`);
      return map;
    });
    // The throw (line 3) and the call in run() (line 8), at their columns.
    expect(mapped[0]).toMatch(/\(src\/answers\/parse\.ts:3:\d+\)$/);
    expect(mapped[1]).toMatch(/\(src\/answers\/parse\.ts:8:\d+\)$/);
    // Frames outside the bundle (vitest, node:internal) stay as they were.
    expect(mapped.slice(2)).toEqual(frames.slice(2));
  });

  it('leaves every frame as it is when the map is missing or damaged', async () => {
    const { code } = await minifiedWithMap();
    const frames = stackOf(code);
    const missing = readableFrames(frames, SCRIPT, () => {
      throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    });
    expect(missing).toEqual(frames);
    expect(readableFrames(frames, SCRIPT, () => '{"version":3,"mappings":')).toEqual(frames);
  });

  it('never reads a map named by the stack itself: lines of a hostile message that look like frames', () => {
    const read: string[] = [];
    const forged = ['    at steal (/etc/passwd.cjs:1:1)', '    at /home/user/.ssh/id_rsa:2:3'];
    const mapped = readableFrames(forged, SCRIPT, (path) => {
      read.push(path);
      return '{}';
    });
    expect(mapped).toEqual(forged);
    expect(read).toEqual([]);
  });
});
