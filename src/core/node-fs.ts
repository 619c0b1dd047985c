import { promises as fsp } from 'node:fs';
import type { Fs } from './fs.js';

/** The real file system, behind the core's Fs interface. */
export const nodeFs: Fs = {
  readFile: (path) => fsp.readFile(path),
  writeFile: (path, data, options) => fsp.writeFile(path, data, options),
  mkdir: (path, options) => fsp.mkdir(path, options),
  readdir: (path, options) => fsp.readdir(path, options),
  lstat: (path) => fsp.lstat(path),
  rename: (from, to) => fsp.rename(from, to),
  rm: (path, options) => fsp.rm(path, options),
  rmdir: (path) => fsp.rmdir(path),
  chmod: (path, mode) => fsp.chmod(path, mode),
};
