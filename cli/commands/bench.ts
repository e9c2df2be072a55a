import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import type { CliCommand } from '../command.js';
import { InputError } from '../../core/errors.js';
import { mkdir, writeFile } from 'node:fs/promises';
import { SECTION_IDS, type BenchReport, type SectionId } from '../../bench/report.js';
import { reportError } from '../output.js';

interface BenchFlags {
  quick?: boolean;
  json?: string;
  markdown?: string;
  only?: string;
  indexSizes?: string;
  clipModel?: string;
  databaseUrl?: string;
}

function parseSections(list: string | undefined): SectionId[] {
  if (!list) return [...SECTION_IDS];
  const wanted = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = wanted.filter((s) => !(SECTION_IDS as readonly string[]).includes(s));
  if (unknown.length > 0) throw new InputError('INPUT_INVALID', `unknown bench section(s) ${unknown.join(', ')}. Should be among: ${SECTION_IDS.join(', ')}`);
  return SECTION_IDS.filter((id) => wanted.includes(id));
}

function parseSizes(list: string | undefined): number[] | undefined {
  if (!list) return undefined;
  const sizes = list.split(',').map((s) => Number(s.trim().replace(/_/g, '').replace(/k$/i, '000').replace(/m$/i, '000000')));
  const bad = sizes.filter((n) => !Number.isInteger(n) || n < 100);
  if (bad.length > 0) throw new InputError('INPUT_INVALID', `--index-sizes takes whole numbers >= 100 (e.g. 10k,100k,1m), got ${list}`);
  return sizes;
}

async function runBenchCommand(flags: BenchFlags): Promise<number> {
  const [{ setLogLevel }, { runBench, renderMarkdownReport, renderReport, writeReport }] = await Promise.all([import('../../core/logger.js'), import('../../bench/run.js')]);
  // Progress lines and the table are the output; library info logs would interleave with them.
  if (!process.env.CUECAST_LOG_LEVEL) setLogLevel('warn');
  const indexSizes = parseSizes(flags.indexSizes);
  const save = async (report: BenchReport): Promise<void> => {
    if (flags.json) await writeReport(report, resolve(flags.json));
    if (flags.markdown) {
      await mkdir(dirname(resolve(flags.markdown)), { recursive: true });
      await writeFile(resolve(flags.markdown), renderMarkdownReport(report));
    }
  };
  const report = await runBench(
    {
      quick: flags.quick ?? false,
      sections: parseSections(flags.only),
      ...(indexSizes ? { indexSizes } : {}),
      ...(flags.clipModel ? { clipModelDir: resolve(flags.clipModel) } : {}),
      ...(flags.databaseUrl ? { databaseUrl: flags.databaseUrl } : {}),
      progress: (line) => process.stderr.write(`${line}\n`),
    },
    `cuecast ${process.argv.slice(2).join(' ')}`,
    save,
  );
  process.stdout.write(`${renderReport(report)}\n`);
  await save(report);
  for (const file of [flags.json, flags.markdown]) if (file) process.stderr.write(`wrote ${resolve(file)}\n`);
  return report.sections.some((s) => s.status === 'failed') ? 1 : 0;
}

export const benchCommand: CliCommand = {
  name: 'bench',
  register(program: Command): void {
    program
      .command('bench')
      .description('measure encoding, clip-to-picks latency, stream capacity and the vector index; print a table')
      .option('--quick', 'small sizes and few repetitions (minutes)')
      .option('--json <file>', 'also write every figure as JSON')
      .option('--markdown <file>', 'also write the tables as Markdown (for docs/benchmarks.md)')
      .option('--only <sections>', `comma-separated sections: ${SECTION_IDS.join(', ')}`)
      .option('--index-sizes <list>', 'index sizes in vectors, e.g. 10k,100k,1m')
      .option('--database-url <url>', 'storage section: a scratch PostgreSQL database with pgvector (default: CUECAST_DATABASE_URL)')
      .option('--clip-model <dir>', 'full-size CLIP graphs (default .cache/models/clip-vit-b32-random)')
      .action(async (flags: BenchFlags) => {
        process.exitCode = await runBenchCommand(flags).catch((error: unknown) => reportError(error));
      });
  },
};
