#!/usr/bin/env node
'use strict';
// --version and --help are answered before the CLI loads: they cost little more than Node's start.
const { answerFromFiles, launch } = require('./launch.js');

/**
 * argv[2] -> a dist/bundle/ ES module entry of its own for that command (for example
 * 'merge-file': 'merge-file-entry.js'), whose main(args) resolves to an exit code or to undefined
 * to hand over to the whole CLI; any other command runs the whole CLI (dist/bundle/cli.cjs).
 */
const ENTRIES = { 'merge-file': 'merge-file.cjs' };

if (!answerFromFiles('platform', { subcommands: true })) launch('platform', ENTRIES[process.argv[2]]);
