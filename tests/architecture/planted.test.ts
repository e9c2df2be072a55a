import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkArchitecture, FOLDER_RANK, parseImports } from './rules.js';

const root = mkdtempSync(join(tmpdir(), 'cuecast-arch-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function plant(files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

describe('parseImports', () => {
  it('sees every import form', () => {
    const text = [
      "import a from 'static';",
      "import type { T } from 'type-only';",
      "import 'side-effect';",
      "export { b } from 're-export';",
      "export * from 'star';",
      "const c = await import('dynamic');",
      "const d = require('required');",
      "import e = require('import-equals');",
      "let f: import('import-type').F;",
      'const g = await import(name);',
    ].join('\n');
    const { imports, computed } = parseImports('x.ts', text);
    expect(imports.map((i) => i.specifier)).toEqual(['static', 'type-only', 'side-effect', 're-export', 'star', 'dynamic', 'required', 'import-equals', 'import-type']);
    expect(imports.filter((i) => i.typeOnly).map((i) => i.specifier)).toEqual(['type-only', 'import-type']);
    expect(computed).toEqual([10]);
  });
});

describe('checkArchitecture on a tree with planted violations', () => {
  // Every listed folder but `scripts`, one file each, then one file per rule broken.
  plant(
    Object.fromEntries(
      Object.keys(FOLDER_RANK)
        .filter((f) => f !== 'scripts')
        .map((f) => [`${f}/ok.ts`, 'export const ok = 1;\n']),
    ),
  );
  plant({
    'core/upward.ts': "export { recommend } from '../recommend/engine.js';\n",
    'recommend/engine.ts': "export const recommend = 1;\nimport('../core/ok.js');\n",
    'bot/store.ts': "const db = require('better-sqlite3');\n",
    'recommend/runtime.ts': "import 'onnxruntime-node';\n",
    'stream-server/ffmpeg.ts': "import { spawn } from 'node:child_process';\n",
    'index-data/bundled.ts': "const p = await import('@ffmpeg-installer/ffmpeg');\n",
    'stream-server/catalog.ts': "import type { Catalog } from '../index-data/types.js';\n",
    'index-data/types.ts': 'export interface Catalog { id: string }\n',
    'model/a.ts': "import { b } from './b.js';\nexport const a = b;\n",
    'model/b.ts': "import { a } from './a.js';\nexport const b = () => a;\n",
    'model/c.ts': "import type { d } from './d.js';\nexport const c = 1;\n",
    'model/d.ts': "import { c } from './c.js';\nexport const d = c;\n",
    'cli/load.ts': 'const m = await import(process.argv[2]);\n',
    'extras/tool.ts': 'export const tool = 1;\n',
    'index-data/storage/driver.ts': "import pg from 'pg';\n",
  });
  const report = checkArchitecture(root);

  it('fails when a listed folder is missing, or a folder with source is not listed', () => {
    expect(report.missingFolders).toEqual(['scripts']);
    expect(report.unlistedFolders).toEqual(['extras']);
  });

  it('catches an import to the right, whatever its form', () => {
    expect(report.layering).toEqual(['core/upward.ts:1 imports ../recommend/engine.js (core -> recommend)']);
  });

  it('catches drivers, model runtimes, ffmpeg packages and child processes outside their owners', () => {
    expect(report.packages).toEqual([
      'bot/store.ts:1 imports better-sqlite3: only the storage modules import database drivers',
      'index-data/bundled.ts:1 imports @ffmpeg-installer/ffmpeg: only core/media finds or spawns ffmpeg',
      'recommend/runtime.ts:1 imports onnxruntime-node: only model/ imports onnxruntime-node or @huggingface/transformers',
      expect.stringMatching(/^stream-server\/ffmpeg\.ts:1 imports node:child_process: only core\/media spawns child processes/),
    ]);
  });

  it('catches a service importing the catalog around recommend, even for a type', () => {
    expect(report.bans).toEqual(['stream-server/catalog.ts:1 imports ../index-data/types.js: bot and stream-server reach the catalog only through recommend']);
  });

  it('catches a run-time import cycle (and not one through an erased type import)', () => {
    expect(report.cycles).toEqual(['model/a.ts <-> model/b.ts']);
  });

  it('catches an import whose module it cannot see', () => {
    expect(report.computed).toEqual(['cli/load.ts:1 imports a computed module name']);
  });
});
