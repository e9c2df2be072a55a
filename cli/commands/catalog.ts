import type { Command } from 'commander';
import { toCuecastError } from '../../core/errors.js';
import { catalogStats } from '../../index-data/stats.js';
import { pgHnswBuild, pgSettings } from '../../index-data/storage/open.js';
import { pgCatalogLocation } from '../../index-data/storage/pg/location.js';
import { copyCatalogToPostgres } from '../../index-data/storage/pg/publish.js';
import type { CliCommand } from '../command.js';
import { configWithFlags } from '../setup.js';

export const catalogCommand: CliCommand = {
  name: 'catalog',
  register(program: Command): void {
    const catalog = program.command('catalog').description('inspect the music catalog');
    catalog
      .command('stats')
      .description('tracks, segments, duration, tags and the encoders the catalog was built with')
      .option('--catalog <dir>', 'catalog directory (default: config catalogDir)')
      .option('--catalog-name <name>', 'which catalog of the PostgreSQL database (with CUECAST_DATABASE_URL; default: config database.catalogName)')
      .option('--json', 'print JSON')
      .action(async (flags: { catalog?: string; catalogName?: string; json?: boolean }) => {
        try {
          const config = configWithFlags(flags);
          const stats = await catalogStats(config);
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
    catalog
      .command('migrate')
      .description('copy the catalog folder (tracks, vectors, current generation) into PostgreSQL + pgvector; resumable, verified, published in one transaction')
      .requiredOption('--to <url>', 'postgres://user:pass@host:5432/db (pgvector >= 0.8 on the server)')
      .option('--catalog <dir>', 'catalog directory to copy (default: config catalogDir)')
      .option('--catalog-name <name>', 'name of the catalog in the database (default: config database.catalogName)')
      .option('--json', 'print the result as JSON')
      .action(async (flags: { to: string; catalog?: string; catalogName?: string; json?: boolean }) => {
        let location: ReturnType<typeof pgCatalogLocation> | undefined;
        try {
          const config = configWithFlags(flags, { 'database.url': flags.to });
          location = pgCatalogLocation({ ...pgSettings(config), statementTimeoutMs: Math.max(config.database.statementTimeoutMs, 600_000) });
          const result = await copyCatalogToPostgres(config.catalogDir, location, { hnsw: pgHnswBuild(config), progress: (line) => process.stderr.write(`${line}\n`) });
          if (flags.json) process.stdout.write(`${JSON.stringify(result)}\n`);
          else {
            const vectors = Object.entries(result.vectors).map(([space, n]) => `${n} ${space}`).join(', ');
            process.stdout.write(
              result.status === 'unchanged'
                ? `catalog "${result.catalog}" at ${location.where} already holds this catalog (generation ${result.generation})\n`
                : `copied ${result.tracks} tracks, ${result.segments} segments, ${vectors} vectors into catalog "${result.catalog}" at ${location.where}: generation ${result.generation} is current (counts and ${result.sampled} sampled vectors verified${result.status === 'resumed' ? '; resumed an interrupted copy' : ''})\n`,
            );
          }
        } catch (error) {
          const e = toCuecastError(error);
          process.stderr.write(`error ${e.code}: ${e.message}\n`);
          process.exitCode = 1;
        } finally {
          await location?.pool.end();
        }
      });
  },
};
