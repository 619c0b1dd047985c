/**
 * Build step: renders every command's --help with commander and saves the text in dist/help.json,
 * which bin/ prints for `--help` without loading the CLI's bundle (start-up close to Node's own).
 *   node dist/bundle/build-help.js
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { nodeFs } from '../core/node-fs.js';
import type { CliContext } from './context.js';
import { helpPages } from './main.js';

const ctx: CliContext = {
  cwd: process.cwd(),
  env: { NO_COLOR: '1' },
  stdin: { isTTY: false } as unknown as CliContext['stdin'],
  stdout: process.stdout,
  stderr: process.stderr,
  fs: nodeFs,
  version: '0.0.0',
  pid: process.pid,
  isRunning: () => false,
  self: [],
  onCancel: () => undefined,
};
const help = { 'create-service': await helpPages('create-service', ctx), platform: await helpPages('platform', ctx) };
const out = fileURLToPath(new URL('../help.json', import.meta.url));
writeFileSync(out, `${JSON.stringify(help, null, 1)}\n`);
process.stderr.write(`saved --help of ${Object.keys(help.platform).length + 1} commands into ${out}\n`);
