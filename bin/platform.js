#!/usr/bin/env node
'use strict';
// --version and --help are answered before the CLI loads: they cost little more than Node's start.
const { answerFromFiles, launch } = require('./launch.js');

/** argv[2] -> the dist/bundle/ entry that runs that command; anything else runs main.js. */
const ENTRIES = {};

if (!answerFromFiles('platform', { subcommands: true })) launch('platform', ENTRIES[process.argv[2]]);
