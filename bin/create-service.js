#!/usr/bin/env node
// Thin launcher: answers --version without loading anything else, then hands over to dist/.
import { launch } from './launch.js';

launch('create-service');
