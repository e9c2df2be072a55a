import type { Command } from 'commander';
import type { CliCommand } from '../command.js';
import { announceStandIn, reportError } from '../output.js';

interface StatsFlags {
  readonly catalog?: string;
  readonly catalogName?: string;
  readonly models?: string;
  readonly json?: boolean;
}

async function runStats(flags: StatsFlags): Promise<number> {
  const [{ configWithFlags }, { catalogStats }, { isStandInModelId }] = await Promise.all([import('../config-flags.js'), import('../../index-data/stats.js'), import('../../model/stand-in.js')]);
  const config = configWithFlags(flags);
  const stats = await catalogStats(config);
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
    `indexes     ${
      Object.entries(stats.indexes)
        .map(([space, size]) => `${space}: ${size}`)
        .join(', ') || 'none'
    }`,
    `with BPM    ${stats.withBpm}`,
    ...Object.entries(stats.topTags).map(([group, tags]) => `${group.padEnd(11)} ${tags.map((t) => `${t.tag} ${t.count}`).join(', ')}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

interface MigrateFlags {
  readonly to: string;
  readonly catalog?: string;
  readonly catalogName?: string;
  readonly json?: boolean;
}

async function runMigrate(flags: MigrateFlags): Promise<number> {
  const [{ configWithFlags }, { pgHnswBuild, pgSettings }, { pgCatalogLocation }, { copyCatalogToPostgres }] = await Promise.all([
    import('../setup.js'),
    import('../../index-data/storage/open.js'),
    import('../../index-data/storage/pg/location.js'),
    import('../../index-data/storage/pg/publish.js'),
  ]);
  const config = configWithFlags(flags, { 'database.url': flags.to });
  // Index builds are exempt from the statement timeout; batches of a big copy get ten minutes.
  const location = pgCatalogLocation({ ...pgSettings(config), statementTimeoutMs: Math.max(config.database.statementTimeoutMs, 600_000) });
  try {
    const result = await copyCatalogToPostgres(config.catalogDir, location, { hnsw: pgHnswBuild(config), progress: (line) => process.stderr.write(`${line}\n`) });
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      return 0;
    }
    const vectors = Object.entries(result.vectors)
      .map(([space, n]) => `${n} ${space}`)
      .join(', ');
    process.stdout.write(
      result.status === 'unchanged'
        ? `catalog "${result.catalog}" at ${location.where} already holds this catalog (generation ${result.generation})\n`
        : `copied ${result.tracks} tracks, ${result.segments} segments, ${vectors} vectors into catalog "${result.catalog}" at ${location.where}: generation ${result.generation} is current (counts and ${result.sampled} sampled vectors verified${result.status === 'resumed' ? '; resumed an interrupted copy' : ''})\n`,
    );
    return 0;
  } finally {
    await location.pool.end();
  }
}
import { registerCatalogTracks } from './catalog-tracks.js';

export const catalogCommand: CliCommand = {
  name: 'catalog',
  register(program: Command): void {
    const catalog = program.command('catalog').description('inspect the music catalog');
    catalog
      .command('stats')
      .description('tracks, segments, duration, tags and the encoders the catalog was built with')
      .option('--catalog <dir>', 'catalog directory (default: config catalogDir)')
      .option('--catalog-name <name>', 'which catalog of the PostgreSQL database (with CUECAST_DATABASE_URL; default: config database.catalogName)')
      .option('--models <dir>', 'models directory (accepted like every command; stats read only the catalog)')
      .option('--json', 'print JSON')
      .action(async (flags: StatsFlags) => {
        process.exitCode = await runStats(flags).catch((error: unknown) => reportError(error, flags));
      });
    catalog
      .command('migrate')
      .description('copy the catalog folder (tracks, vectors, current generation) into PostgreSQL + pgvector; resumable, verified, published in one transaction')
      .requiredOption('--to <url>', 'postgres://user:pass@host:5432/db (pgvector >= 0.8 on the server)')
      .option('--catalog <dir>', 'catalog directory to copy (default: config catalogDir)')
      .option('--catalog-name <name>', 'name of the catalog in the database (default: config database.catalogName)')
      .option('--json', 'print the result as JSON')
      .action(async (flags: MigrateFlags) => {
        process.exitCode = await runMigrate(flags).catch((error: unknown) => reportError(error, flags));
      });
    registerCatalogTracks(catalog);
  },
};
