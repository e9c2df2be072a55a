#!/usr/bin/env node
// The CLI runs the compiled JavaScript in dist/ (built by `npm ci` through the prepare script).
// From a source checkout without dist/, it falls back to running the TypeScript through tsx.
// Model-heavy commands are started once more with malloc on huge pages (launcher.js).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import { startOnHugePages } from './launcher.js';

await startOnHugePages(fileURLToPath(import.meta.url));

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = join(root, 'dist', 'cli', 'main.js');
if (existsSync(compiled)) {
  await import(pathToFileURL(compiled).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(join(root, 'cli', 'main.ts')).href);
}
