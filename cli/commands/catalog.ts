import type { Command } from 'commander';
import { toCuecastError } from '../../core/errors.js';
import { catalogStats } from '../../index-data/stats.js';
import type { CliCommand } from '../command.js';
import { configWithFlags } from '../setup.js';
import { registerCatalogTracks } from './catalog-tracks.js';

export const catalogCommand: CliCommand = {
  name: 'catalog',
  register(program: Command): void {
    const catalog = program.command('catalog').description('inspect the music catalog');
    catalog
      .command('stats')
      .description('tracks, segments, duration, tags and the encoders the catalog was built with')
      .option('--catalog <dir>', 'catalog directory (default: config catalogDir)')
      .option('--json', 'print JSON')
      .action((flags: { catalog?: string; json?: boolean }) => {
        try {
          const config = configWithFlags(flags);
          const stats = catalogStats(config.catalogDir);
          if (flags.json) {
            process.stdout.write(`${JSON.stringify(stats)}\n`);
            return;
          }
          const m = stats.manifest;
          const lines = [
            `catalog     ${stats.dir} (generation ${stats.generation})`,
            `tracks      ${stats.tracks} (${(stats.totalSeconds / 3600).toFixed(2)} h), ${stats.segments} segments of ${m.segmentSeconds} s every ${m.hopSeconds} s`,
            `encoders    CLAP ${m.clap.modelId} (${m.clap.dim}), CLIP ${m.clip.modelId} (${m.clip.dim})${m.viml ? `, ViML ${m.viml.manifestHash} (${m.viml.dim})` : ''}`,
            `vocabulary  ${m.tagVocabularyVersion}; built ${m.builtAt}`,
            `indexes     ${Object.entries(stats.indexes).map(([space, size]) => `${space}: ${size}`).join(', ') || 'none'}`,
            `with BPM    ${stats.withBpm}`,
            ...Object.entries(stats.topTags).map(([group, tags]) => `${group.padEnd(11)} ${tags.map((t) => `${t.tag} ${t.count}`).join(', ')}`),
          ];
          process.stdout.write(`${lines.join('\n')}\n`);
        } catch (error) {
          const e = toCuecastError(error);
          process.stderr.write(`error ${e.code}: ${e.message}\n`);
          process.exitCode = 1;
        }
      });
    registerCatalogTracks(catalog);
  },
};
