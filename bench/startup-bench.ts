/**
 * Cold start of one-shot commands (issue 12): wall time of fresh `cuecast` processes, `node -e 0` as the
 * floor, on a small catalog the real indexer builds from generated tones with the stand-in models.
 * `--help` and `catalog stats` are almost all start-up; `search` adds starting the model worker, loading
 * the two text encoders and one query.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mediaBinaries } from '../core/media/index.js';
import { runChild } from '../core/media/process.js';
import type { BenchOptions, BenchSection, SectionOutcome } from './context.js';
import { packageRoot } from './paths.js';
import { formatSummary, summarize, type Summary } from './stats.js';
import type { Table } from './table.js';

const STARTUP_TARGET = 'one-shot commands reach their work in < 0.5 s (--help, catalog stats)';
const TIMEOUT_MS = 180_000;

/** Runs `node ...args` with `env` added (through env(1): the media runner passes its own environment on). */
async function run(args: readonly string[], env: Readonly<Record<string, string>>): Promise<number> {
  const start = performance.now();
  const { exit } = await runChild({ command: '/usr/bin/env', args: [...Object.entries(env).map(([k, v]) => `${k}=${v}`), process.execPath, ...args], timeoutMs: TIMEOUT_MS, maxStdoutBytes: 1 << 24 });
  const ms = performance.now() - start;
  if (exit.code !== 0) throw new Error(`${args.join(' ')} exited ${exit.stopped ?? exit.code}: ${exit.stderr.slice(-400)}`);
  return ms;
}

async function generateTones(dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const { ffmpeg } = await mediaBinaries();
  for (const [i, freq] of [220, 330, 440].entries()) {
    const { exit } = await runChild({
      command: ffmpeg.path,
      args: [
        '-hide_banner',
        '-nostdin',
        '-v',
        'error',
        '-y',
        '-f',
        'lavfi',
        '-i',
        `sine=frequency=${freq}:duration=12`,
        '-metadata',
        `title=Tone ${i}`,
        '-metadata',
        `artist=Bench ${i}`,
        join(dir, `tone-${i}.flac`),
      ],
      timeoutMs: 60_000,
      maxStdoutBytes: 1 << 20,
    });
    if (exit.code !== 0) throw new Error(`ffmpeg could not write a tone: ${exit.stderr}`);
  }
}

export const startupSection: BenchSection = {
  id: 'startup',
  title: 'Cold start of one-shot commands (fresh processes)',
  targetNames: [STARTUP_TARGET],
  async run(options: BenchOptions): Promise<SectionOutcome> {
    const root = packageRoot();
    const work = mkdtempSync(join(tmpdir(), 'cuecast-bench-startup-'));
    try {
      const env: Record<string, string> = {
        CUECAST_DATA_DIR: join(work, 'data'),
        CUECAST_CATALOG: join(work, 'catalog'),
        CUECAST_MODELS: join(root, 'tests', 'fixtures', 'models'),
        CUECAST_ALLOW_REMOTE_MODELS: 'false',
        CUECAST_LOG_LEVEL: 'error',
      };
      const cli = join(root, 'bin', 'cuecast.js');
      await generateTones(join(work, 'music'));
      options.progress('[startup] indexing 3 generated tones with the stand-in models');
      await run([cli, 'index', join(work, 'music')], env);
      const reps = options.quick ? 5 : 15;
      const cases: readonly { name: string; args: readonly string[] }[] = [
        { name: 'node -e 0 (floor)', args: ['-e', '0'] },
        { name: 'cuecast --help', args: [cli, '--help'] },
        { name: 'cuecast catalog stats', args: [cli, 'catalog', 'stats'] },
        { name: 'cuecast search "warm jazz piano"', args: [cli, 'search', 'warm jazz piano', '--k', '3'] },
      ];
      const results: { name: string; ms: Summary }[] = [];
      for (const c of cases) {
        options.progress(`[startup] ${c.name} x${reps}`);
        await run(c.args, env); // warm the page cache
        const samples: number[] = [];
        for (let i = 0; i < reps; i++) samples.push(await run(c.args, env));
        results.push({ name: c.name, ms: summarize(samples) });
      }
      const floor = results[0]!.ms.median;
      const table: Table = {
        title: 'Cold start: wall time of a fresh process, ms',
        columns: ['command', 'median (q1-q3)', 'above node -e 0'],
        rows: results.map((r) => [r.name, formatSummary(r.ms, 0), r === results[0] ? '' : `${(r.ms.median - floor).toFixed(0)} ms`]),
        notes: [
          `${reps} runs each after one warm-up, started through env(1); bin/cuecast.js runs ${existsSync(join(root, 'dist', 'cli', 'main.js')) ? 'the built dist/' : 'the TypeScript through tsx (no dist/: run npm run build for the shipped figures)'}`,
          'catalog: 3 generated 12 s tones indexed with the stand-in models; search includes starting the model worker and one query',
        ],
      };
      const helpAndStats = results.slice(1, 3);
      const worst = Math.max(...helpAndStats.map((r) => r.ms.median));
      return {
        tables: [table],
        targets: [{ section: 'startup', target: STARTUP_TARGET, measured: `${worst.toFixed(0)} ms (slowest median of --help, catalog stats; node itself ${floor.toFixed(0)} ms)`, met: worst < 500 }],
        data: { reps, results: results.map((r) => ({ name: r.name, ms: r.ms })) },
      };
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  },
};
