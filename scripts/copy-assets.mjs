#!/usr/bin/env node
// tsc emits only JavaScript: copy the runtime assets that sit beside the sources (JSON data such as
// the tag vocabulary, the stream server's pages, the PostgreSQL migrations) into dist/ at the same relative paths.
import { cpSync, readdirSync, statSync, mkdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE_FOLDERS = ['core', 'model', 'index-data', 'recommend', 'stream-server', 'bot', 'cli', 'bench'];
const SKIP_DIRS = new Set(['node_modules', 'train', '__pycache__']);
const ASSET = /\.(json|html|css|js|svg|png|ico|txt|sql)$/;

function copyAssets(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (!SKIP_DIRS.has(name)) copyAssets(path);
    } else if (ASSET.test(name) && !name.endsWith('.d.ts')) {
      const target = join(root, 'dist', relative(root, path));
      mkdirSync(dirname(target), { recursive: true });
      cpSync(path, target);
    }
  }
}

for (const folder of SOURCE_FOLDERS) {
  try {
    copyAssets(join(root, folder));
  } catch (error) {
    if (error.code !== 'ENOENT') throw error;
  }
}
