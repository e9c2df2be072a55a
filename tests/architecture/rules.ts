import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, sep } from 'node:path';
import ts from 'typescript';

/**
 * The architecture rules of DESIGN §3 as data, and a checker that applies them to any tree (the real
 * repository, or a temporary one with planted violations).
 */

/** Every top-level folder that holds source, with its rank: a folder imports only folders of a lower rank. */
export const FOLDER_RANK: Readonly<Record<string, number>> = {
  core: 0,
  // The feature contract (frame spec, music windows and segments, training shards): data and pure functions every layer above shares.
  features: 1,
  model: 2,
  'index-data': 3,
  recommend: 4,
  bot: 5,
  'stream-server': 5,
  bench: 6,
  cli: 7,
  bin: 8,
  scripts: 8,
  tests: 9,
};

/** A module outside `allowedIn` that imports one of `modules` (or a subpath of one) breaks the rule. */
export interface PackageRule {
  readonly name: string;
  readonly modules: readonly string[];
  /** Paths relative to the root; one ending in `/` covers a folder. */
  readonly allowedIn: readonly string[];
}

export const PACKAGE_RULES: readonly PackageRule[] = [
  {
    name: 'only the storage modules import database drivers',
    modules: ['better-sqlite3', 'pg', 'node-pg-migrate'],
    allowedIn: [
      'index-data/storage/',
      'index-data/store/',
      'index-data/catalog.ts',
      // The bot's shared state (conversations, cooldowns, rates) in PostgreSQL: its own tables and migrations, not the catalog.
      'bot/state/',
      // The storage benchmark reads PostgreSQL's query plans.
      'bench/storage-bench.ts',
      // Tests start throwaway PostgreSQL clusters and inspect stored rows.
      'tests/',
    ],
  },
  {
    name: 'only model/ imports onnxruntime-node or @huggingface/transformers',
    modules: ['onnxruntime-node', 'onnxruntime-common', '@huggingface/transformers'],
    allowedIn: [
      'model/',
      // Baselines that time the raw runtimes against model/'s encoders.
      'bench/raw-onnx.ts',
      'bench/transformers-baseline.ts',
      'tests/',
    ],
  },
  {
    name: 'only core/media finds or spawns ffmpeg',
    modules: ['ffmpeg-static', '@ffmpeg-installer/ffmpeg', '@ffprobe-installer/ffprobe', 'fluent-ffmpeg'],
    allowedIn: ['core/media/', 'tests/'],
  },
  {
    name: 'only core/media spawns child processes (the trainer, benchmarks, scripts and tests may start python, servers or ffmpeg for fixtures; bin/launcher.js starts the CLI itself once more on huge pages)',
    modules: ['node:child_process', 'child_process'],
    allowedIn: ['core/media/', 'cli/commands/train.ts', 'bench/', 'scripts/', 'tests/', 'bin/launcher.js'],
  },
];

/** Folders whose modules may not import these folders at all (they go through a lower folder's interfaces). */
export const FOLDER_BANS: readonly { readonly name: string; readonly from: readonly string[]; readonly to: string; readonly except: readonly string[] }[] = [
  {
    name: 'bot and stream-server reach the catalog only through recommend',
    from: ['bot', 'stream-server'],
    to: 'index-data',
    // The SQLite opener the bot's conversation store uses (not the catalog).
    // and the PostgreSQL pool (timeouts, connection errors) the bot's shared state uses.
    except: ['index-data/storage/sqlite.ts', 'index-data/storage/pg/pool.ts'],
  },
];

/** Modules that may import a computed specifier, which the checker cannot follow. */
export const DYNAMIC_IMPORT_ALLOWED: readonly string[] = [
  // Loads the optional ffmpeg packages by name (all of them core/media's).
  'core/media/binaries.ts',
  // Worker bootstrap: registers tsx, then loads the worker's entry module.
  'core/worker-entry.ts',
  // Runs dist/ when built, else the TypeScript through tsx.
  'bin/cuecast.js',
];

const SKIPPED = new Set(['node_modules', 'dist', '.cache', 'fixtures', '__pycache__']);
const SOURCE = /\.(?:ts|mts|cts|js|mjs|cjs)$/;

export interface ImportSite {
  readonly specifier: string;
  readonly line: number;
  /** `import type` / `import('x').T` in a type position: erased at run time. */
  readonly typeOnly: boolean;
}

export interface ModuleInfo {
  /** Path relative to the root, with `/` separators. */
  readonly path: string;
  readonly imports: readonly ImportSite[];
  /** Lines of `import(expr)` / `require(expr)` whose module the checker cannot see. */
  readonly computed: readonly number[];
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (SKIPPED.has(name) || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (SOURCE.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

const stringArgument = (node: ts.Node | undefined): string | undefined => (node && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) ? node.text : undefined);

/** Every import form: static, `export ... from`, side-effect, `import type`, dynamic `import()`, `require()`, `import x = require()`, `import('x').T`. */
export function parseImports(path: string, text: string): { imports: ImportSite[]; computed: number[] } {
  const kind = /\.[cm]?js$/.test(path) ? ts.ScriptKind.JS : ts.ScriptKind.TS;
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, kind);
  const imports: ImportSite[] = [];
  const computed: number[] = [];
  const lineOf = (node: ts.Node): number => source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
  const add = (node: ts.Node, specifier: string | undefined, typeOnly: boolean): void => {
    if (specifier !== undefined) imports.push({ specifier, line: lineOf(node), typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      add(node, stringArgument(node.moduleSpecifier), node.importClause?.phaseModifier === ts.SyntaxKind.TypeKeyword);
    } else if (ts.isExportDeclaration(node)) {
      add(node, stringArgument(node.moduleSpecifier), node.isTypeOnly);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node, stringArgument(node.moduleReference.expression), node.isTypeOnly);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node, stringArgument(node.argument.literal), true);
    } else if (ts.isCallExpression(node)) {
      const isImport = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(node.expression) && node.expression.text === 'require';
      if (isImport || isRequire) {
        const specifier = stringArgument(node.arguments[0]);
        if (specifier === undefined) computed.push(lineOf(node));
        else add(node, specifier, false);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { imports, computed };
}

export function loadModules(root: string, folders: readonly string[]): ModuleInfo[] {
  return folders
    .filter((folder) => existsSync(join(root, folder)))
    .flatMap((folder) => sourceFiles(join(root, folder)))
    .map((file) => {
      const path = relative(root, file).split(sep).join('/');
      return { path, ...parseImports(path, readFileSync(file, 'utf8')) };
    });
}

/** The module a relative specifier names, as a root-relative path, when it exists in `known`. */
export function resolveRelative(from: string, specifier: string, known: ReadonlySet<string>): string | undefined {
  const base = join(dirname(from), specifier).split(sep).join('/');
  const ext = extname(base);
  const stem = ['.js', '.mjs', '.cjs'].includes(ext) ? base.slice(0, -ext.length) : base;
  const candidates = [base, `${stem}.ts`, `${stem}.mts`, `${stem}.cts`, `${stem}.js`, `${stem}.mjs`, `${base}/index.ts`, `${base}/index.js`];
  return candidates.find((c) => known.has(c));
}

const topFolder = (path: string): string => path.split('/')[0]!;
const covers = (allowed: string, path: string): boolean => (allowed.endsWith('/') ? path.startsWith(allowed) : path === allowed);
const packageName = (specifier: string): string => {
  const bare = specifier.startsWith('node:')
    ? specifier
    : specifier
        .split('/')
        .slice(0, specifier.startsWith('@') ? 2 : 1)
        .join('/');
  return bare;
};

/** Strongly connected components of size > 1 (and self-imports): the import cycles. */
export function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const connect = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        connect(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || (graph.get(node) ?? []).includes(node)) cycles.push(component.sort());
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) connect(node);
  return cycles;
}

export interface ArchitectureReport {
  readonly modules: number;
  readonly missingFolders: string[];
  readonly unlistedFolders: string[];
  readonly layering: string[];
  readonly packages: string[];
  readonly bans: string[];
  readonly unresolved: string[];
  readonly computed: string[];
  readonly cycles: string[];
}

/** Applies every rule above to the tree at `root`. */
export function checkArchitecture(root: string): ArchitectureReport {
  const folders = Object.keys(FOLDER_RANK);
  const missingFolders = folders.filter((f) => !existsSync(join(root, f)));
  const unlistedFolders = readdirSync(root)
    .filter((name) => !SKIPPED.has(name) && !name.startsWith('.') && !(name in FOLDER_RANK))
    .filter((name) => statSync(join(root, name)).isDirectory() && sourceFiles(join(root, name)).length > 0);
  const modules = loadModules(root, folders);
  const known = new Set(modules.map((m) => m.path));
  const layering: string[] = [];
  const packages: string[] = [];
  const bans: string[] = [];
  const unresolved: string[] = [];
  const graph = new Map<string, string[]>();

  for (const module of modules) {
    const from = topFolder(module.path);
    const edges: string[] = [];
    for (const site of module.imports) {
      const where = `${module.path}:${site.line} imports ${site.specifier}`;
      if (site.specifier.startsWith('.')) {
        const target = resolveRelative(module.path, site.specifier, known);
        if (!target) {
          // Outside the checked folders (package.json, a page asset) or a missing file: the latter is tsc's job.
          const outside = join(dirname(module.path), site.specifier).split(sep).join('/');
          if (topFolder(outside) in FOLDER_RANK && SOURCE.test(outside)) unresolved.push(where);
          continue;
        }
        const to = topFolder(target);
        if (to !== from && FOLDER_RANK[to]! >= FOLDER_RANK[from]!) layering.push(`${where} (${from} -> ${to})`);
        for (const ban of FOLDER_BANS) if (ban.from.includes(from) && to === ban.to && !ban.except.includes(target)) bans.push(`${where}: ${ban.name}`);
        // Type-only imports are erased: a cycle through them does not change the order modules load in.
        if (!site.typeOnly) edges.push(target);
        continue;
      }
      const name = packageName(site.specifier);
      for (const rule of PACKAGE_RULES) {
        if (rule.modules.includes(name) && !rule.allowedIn.some((a) => covers(a, module.path))) packages.push(`${where}: ${rule.name}`);
      }
    }
    graph.set(module.path, edges);
  }

  const computed = modules.filter((m) => m.computed.length > 0 && !DYNAMIC_IMPORT_ALLOWED.includes(m.path)).map((m) => `${m.path}:${m.computed.join(',')} imports a computed module name`);
  const cycles = findCycles(graph).map((c) => c.join(' <-> '));
  const sorted = (list: string[]): string[] => list.sort();
  return {
    modules: modules.length,
    missingFolders: sorted(missingFolders),
    unlistedFolders: sorted(unlistedFolders),
    layering: sorted(layering),
    packages: sorted(packages),
    bans: sorted(bans),
    unresolved: sorted(unresolved),
    computed: sorted(computed),
    cycles: sorted(cycles),
  };
}
