import * as fs from 'node:fs';
import type { Fs } from './fs.js';

/**
 * The real file system, behind the core's Fs interface. Calls are synchronous underneath: a
 * scaffolder does many small operations in sequence, and a thread-pool hop for each one costs
 * more than the operation itself (the CLI has nothing else to do meanwhile).
 */
export const nodeFs: Fs = {
  readFile: async (path) => fs.readFileSync(path),
  writeFile: async (path, data, options) => fs.writeFileSync(path, data, options),
  mkdir: async (path, options) => fs.mkdirSync(path, options),
  readdir: async (path, options) => fs.readdirSync(path, options),
  lstat: async (path) => fs.lstatSync(path),
  stat: async (path) => fs.statSync(path),
  rename: async (from, to) => fs.renameSync(from, to),
  rm: async (path, options) => fs.rmSync(path, options),
  rmdir: async (path) => fs.rmdirSync(path),
  chmod: async (path, mode) => fs.chmodSync(path, mode),
};
