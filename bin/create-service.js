#!/usr/bin/env node
// --version is answered here, before any other module loads: it costs no more than Node's start.
import { readFileSync } from 'node:fs';

const { name, version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) process.stdout.write(`${version}\n`);
else import('./launch.js').then((launcher) => launcher.launch('create-service', version, name));
