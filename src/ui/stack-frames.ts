import { readFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { posix } from 'node:path';

/**
 * The CLI runs as one minified script (dist/bundle/cli.cjs: a smaller script starts faster and
 * takes less memory), so a stack trace names minified functions at columns of a few long lines.
 * The build writes its source map beside it (cli.cjs.map, read by nothing else); with
 * PLATFORM_DEBUG the frames in that script are shown at their place in src/ instead.
 *
 * Only frames of `script` (the running bundle, never a path read from the stack: an error message
 * can hold lines that look like frames) are mapped; any frame that cannot be is shown as it is,
 * and a missing or unreadable map leaves every frame as it is.
 */
export function readableFrames(frames: readonly string[], script: string, readMap: (path: string) => string = (path) => readFileSync(path, 'utf8')): string[] {
  let map: SourceMap | undefined | null = null;
  const load = (): SourceMap | undefined => {
    if (map !== null) return map;
    try {
      map = new SourceMap(JSON.parse(readMap(`${script}.map`)) as SourceMapPayload);
    } catch {
      map = undefined;
    }
    return map;
  };
  return frames.map((frame) => {
    const match = FRAME.exec(frame);
    if (!match || match[3] !== script) return frame;
    const entry = load()?.findEntry(Number(match[4]) - 1, Number(match[5]) - 1) as { originalSource?: string; originalLine?: number; originalColumn?: number } | undefined;
    if (!entry?.originalSource || entry.originalLine === undefined || entry.originalColumn === undefined) return frame;
    const place = `${sourcePath(entry.originalSource)}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
    // The name as V8 printed it: minified for the CLI's own functions, real for methods.
    return match[2] ? `${match[1]}${match[2]} (${place})` : `${match[1]}${place}`;
  });
}

/** `    at [async] [name ](FILE:LINE:COLUMN)` or `    at FILE:LINE:COLUMN`. */
const FRAME = /^(\s*at (?:async )?)(?:(.+?) \()?(\/[^()]+?):(\d+):(\d+)\)?$/;

/** "../../src/x.ts" (relative to dist/bundle/) or a file URL -> "src/x.ts". */
function sourcePath(source: string): string {
  const path = source.startsWith('file://') ? new URL(source).pathname : source;
  const at = path.lastIndexOf('/src/');
  if (at >= 0) return path.slice(at + 1);
  const nodeModules = path.lastIndexOf('/node_modules/');
  return nodeModules >= 0 ? path.slice(nodeModules + 1) : posix.normalize(path).replace(/^(\.\.\/)+/, '');
}
