#!/usr/bin/env node
// --version is answered here, before any other module loads: it costs no more than Node's start.
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const launch = () => {
  const { name, version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) process.stdout.write(`${version}\n`);
  else import('./launch.js').then((launcher) => launcher.launch('platform', version, name));
};
// git runs merge-file once per file as a merge driver: a small entry that loads only the merge
// (--help, unknown options and a missing build go to the full CLI, which answers as before).
if (args[0] === 'merge-file') {
  import('../dist/bundle/merge-file-entry.js').then(
    async (entry) => {
      const status = await entry.main(args.slice(1));
      if (status === undefined) launch();
      else process.exitCode = status;
    },
    launch,
  );
} else launch();
