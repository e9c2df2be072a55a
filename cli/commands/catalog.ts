import type { Command } from 'commander';
import type { CliCommand } from '../command.js';
import { announceStandIn, reportError } from '../output.js';

interface StatsFlags {
  readonly catalog?: string;
  readonly models?: string;
  readonly json?: boolean;
}

async function runStats(flags: StatsFlags): Promise<number> {
  const [{ configWithFlags }, { catalogStats }, { isStandInModelId }] = await Promise.all([import('../setup.js'), import('../../index-data/stats.js'), import('../../model/stand-in.js')]);
  const config = configWithFlags(flags);
  const stats = await catalogStats(config.catalogDir);
  const m = stats.manifest;
  // The catalog's vectors, tags and descriptions come from the encoders it was built with.
  const builtWithStandIns = isStandInModelId(m.clip.modelId) || isStandInModelId(m.clap.modelId);
  const standIn = await announceStandIn(builtWithStandIns ? { standIn: { reason: `the catalog ${stats.dir} was built with the stand-in models` } } : {});
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ ...stats, standIn })}\n`);
    return 0;
  }
  const lines = [
    `catalog     ${stats.dir} (generation ${stats.generation})`,
    `tracks      ${stats.tracks} (${(stats.totalSeconds / 3600).toFixed(2)} h), ${stats.segments} segments of ${m.segmentSeconds} s every ${m.hopSeconds} s`,
    `encoders    CLAP ${m.clap.modelId} (${m.clap.dim}), CLIP ${m.clip.modelId} (${m.clip.dim})${m.viml ? `, ViML ${m.viml.manifestHash} (${m.viml.dim})` : ''}${standIn ? ' [STAND-IN MODELS]' : ''}`,
    `vocabulary  ${m.tagVocabularyVersion}; built ${m.builtAt}`,
    `indexes     ${Object.entries(stats.indexes).map(([space, size]) => `${space}: ${size}`).join(', ') || 'none'}`,
    `with BPM    ${stats.withBpm}`,
    ...Object.entries(stats.topTags).map(([group, tags]) => `${group.padEnd(11)} ${tags.map((t) => `${t.tag} ${t.count}`).join(', ')}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

export const catalogCommand: CliCommand = {
  name: 'catalog',
  register(program: Command): void {
    const catalog = program.command('catalog').description('inspect the music catalog');
    catalog
      .command('stats')
      .description('tracks, segments, duration, tags and the encoders the catalog was built with')
      .option('--catalog <dir>', 'catalog directory (default: config catalogDir)')
      .option('--models <dir>', 'models directory (accepted like every command; stats read only the catalog)')
      .option('--json', 'print JSON')
      .action(async (flags: StatsFlags) => {
        process.exitCode = await runStats(flags).catch((error: unknown) => reportError(error, flags));
      });
  },
};
