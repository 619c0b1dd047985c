#!/usr/bin/env node
'use strict';
// --version and --help are answered before the CLI loads: they cost little more than Node's start.
const { answerFromFiles, launch } = require('./launch.js');

if (!answerFromFiles('create-service', { subcommands: false })) launch('create-service');
