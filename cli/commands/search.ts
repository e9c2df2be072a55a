import type { Command } from 'commander';
import { InputError } from '../../core/errors.js';
import type { CliCommand } from '../command.js';
import { announceStandIn, reportError } from '../output.js';

interface SearchFlags {
  readonly k: string;
  readonly catalog?: string;
  readonly models?: string;
  readonly json?: boolean;
}

async function runSearch(text: string, flags: SearchFlags): Promise<number> {
  const k = Number(flags.k);
  if (!Number.isInteger(k) || k < 1 || k > 1000) throw new InputError('INPUT_INVALID', `--k takes a whole number from 1 to 1000, got ${flags.k}`);
  if (text.trim() === '') throw new InputError('INPUT_INVALID', 'search text is empty');
  const [{ configWithFlags, withEncodersAndCatalog }, { searchCatalogByText }] = await Promise.all([import('../setup.js'), import('../../index-data/search.js')]);
  const config = configWithFlags(flags);
  await withEncodersAndCatalog(config, async (encoders, catalog) => {
    const standIn = await announceStandIn(encoders);
    const hits = await searchCatalogByText(catalog, encoders, text, { k });
    if (flags.json) {
      const rows = hits.map((h) => ({
        id: h.track.id,
        title: h.track.title,
        artist: h.track.artist,
        path: h.track.path,
        score: h.score,
        audioScore: h.audioScore,
        descriptionScore: h.descriptionScore,
        segmentStart: h.segmentStart,
        description: h.track.description,
      }));
      process.stdout.write(`${JSON.stringify({ query: text, standIn, hits: rows })}\n`);
    } else {
      hits.forEach((h, i) => {
        process.stdout.write(`${String(i + 1).padStart(2)}. ${h.score.toFixed(3)}  ${h.track.artist} - ${h.track.title}  [${h.track.path} @ ${h.segmentStart}s]\n    ${h.track.description}\n`);
      });
      if (hits.length === 0) process.stdout.write('no tracks\n');
    }
  });
  return 0;
}

export const searchCommand: CliCommand = {
  name: 'search',
  register(program: Command): void {
    program
      .command('search')
      .description('text-only search over the catalog (CLAP text vs audio, CLIP text vs descriptions)')
      .argument('<text>', 'what the music should be like')
      .option('--k <n>', 'how many tracks', '10')
      .option('--catalog <dir>', 'catalog directory (default: config catalogDir)')
      .option('--catalog-name <name>', 'which catalog of the PostgreSQL database (with CUECAST_DATABASE_URL; default: config database.catalogName)')
      .option('--models <dir>', 'models directory holding clip/ and clap/ (default: config modelsDir)')
      .option('--json', 'print JSON')
      .action(async (text: string, flags: SearchFlags) => {
        process.exitCode = await runSearch(text, flags).catch((error: unknown) => reportError(error, flags));
      });
  },
};
