import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';

// DESIGN §3: core <- model <- index-data <- recommend <- {bot, stream-server}; the CLI and the
// benchmarks sit on top (the CLI runs the benchmarks). A folder may import only folders of a lower rank
// (or its own).
const RANK: Readonly<Record<string, number>> = {
  core: 0,
  model: 1,
  'index-data': 2,
  recommend: 3,
  bot: 4,
  'stream-server': 4,
  cli: 6,
  bench: 5,
};

const root = resolve(import.meta.dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'train' || name === 'pages') continue;
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)];
  return specifiers.map((m) => (m[1] ?? m[2])!);
}

const folderOf = (path: string): string => relative(root, path).split('/')[0]!;

const files = Object.keys(RANK).flatMap((folder) => {
  try {
    return sourceFiles(join(root, folder));
  } catch {
    return [];
  }
});

describe('architecture (DESIGN §3)', () => {
  it('has source files to check', () => {
    expect(files.length).toBeGreaterThan(5);
  });

  it('imports flow one way: no folder imports a folder to its right', () => {
    const violations: string[] = [];
    for (const file of files) {
      const from = folderOf(file);
      for (const spec of imports(file)) {
        if (!spec.startsWith('.')) continue;
        const to = folderOf(resolve(dirname(file), spec));
        if (!(to in RANK) || to === from) continue;
        if (RANK[to]! >= RANK[from]!) violations.push(`${relative(root, file)} imports ${spec} (${from} -> ${to})`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('only model/ (and the benchmark) imports onnxruntime-node or @huggingface/transformers', () => {
    const violations = files
      .filter((file) => !['model', 'bench'].includes(folderOf(file)))
      .filter((file) => imports(file).some((s) => s.startsWith('onnxruntime') || s.startsWith('@huggingface/transformers')))
      .map((file) => relative(root, file));
    expect(violations).toEqual([]);
  });

  it('only core/media spawns child processes (the CLI and benchmarks may start python or a server)', () => {
    const violations = files
      .filter((file) => !relative(root, file).startsWith('core/media/') && !['cli', 'bench'].includes(folderOf(file)))
      .filter((file) => imports(file).some((s) => s === 'node:child_process' || s === 'child_process'))
      .map((file) => relative(root, file));
    expect(violations).toEqual([]);
  });
});
