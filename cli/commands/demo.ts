import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Config } from '../../core/config.js';
import { ModelError } from '../../core/errors.js';
import type { Encoders } from '../../model/index.js';
import { standInHeadsDir, standInModelsDir } from '../../model/stand-in.js';
import type { CliCommand } from '../command.js';
import { announceStandIn, reportError, type Output } from '../output.js';

export const DEMO_PROMPT = 'upbeat electronic music for a night drive';
export const DEMO_REFINEMENTS = ['faster, over 100 bpm', 'not #1'] as const;
const DEMO_K = 3;

export interface DemoOptions {
  /** Working folder for the generated music, clip and catalogs (default: `<dataDir>/demo`). */
  readonly dir?: string;
  /** Use the random-weight stand-in models even when real ones are available. */
  readonly standIn?: boolean;
  /** Models directory (`--models`). */
  readonly models?: string;
  readonly json?: boolean;
  /** Config overrides (tests). */
  readonly config?: Readonly<Record<string, unknown>>;
}

/** The stand-in models shipped with the package (see model/stand-in.ts). */
export const fixtureModelsDir = standInModelsDir;
/** Tiny ViML heads exported for the stand-in encoders. */
export const fixtureHeadsDir = standInHeadsDir;

interface ChosenEncoders {
  readonly encoders: Encoders;
  readonly config: Config;
}

/** The models by the one resolution rule (models dir, hub cache, hub, stand-ins when the hub is unreachable), or the stand-ins when asked for. */
async function chooseEncoders(options: DemoOptions, log: (line: string) => void): Promise<ChosenEncoders> {
  const [{ configWithFlags }, { createEncoders }] = await Promise.all([import('../setup.js'), import('../../model/index.js')]);
  if (options.standIn) {
    const fixtures = standInModelsDir();
    if (!fixtures) throw new ModelError('MODEL_MISSING', 'The stand-in models are not installed (tests/fixtures/models)');
    const config = configWithFlags({}, { ...options.config, modelsDir: fixtures, 'encoders.allowRemote': false });
    const encoders = await createEncoders(config);
    return { encoders: { ...encoders, standIn: { reason: 'stand-ins asked for with --stand-in', headsDir: standInHeadsDir() } }, config };
  }
  const config = configWithFlags({ models: options.models }, { ...options.config });
  log('loading CLIP and CLAP ...');
  return { encoders: await createEncoders(config), config };
}

/** `cuecast demo`: generated music and clip -> catalog -> picks for a prompt and two refinements. */
export async function runDemo(options: DemoOptions, write: (text: string) => void, out?: Output): Promise<number> {
  const log = options.json ? () => undefined : (line: string) => write(`${line}\n`);
  const { encoders, config } = await chooseEncoders(options, log);
  try {
    const standIn = await announceStandIn(encoders, out);
    const dir = resolve(options.dir ?? join(config.dataDir, 'demo'));
    const { music, clip } = await writeDemoMedia(config, dir, log);
    // Trained heads (the fixture ones with stand-in encoders) add ViML vectors, so both modes can answer.
    const headsDir = encoders.standIn ? encoders.standIn.headsDir : existsSync(join(config.modelsDir, 'viml', 'manifest.json')) ? join(config.modelsDir, 'viml') : undefined;
    const demo: DemoRun = { config, encoders, standIn, clip, catalogDir: join(dir, standIn ? 'catalog-stand-in' : 'catalog'), ...(headsDir ? { headsDir } : {}) };
    await indexDemoCatalog(demo, music, log);
    const found = await answerDemo(demo, options.json === true, write, log);
    log(sameFromCommandLine(demo));
    if (standIn) await announceStandIn(encoders, out);
    return found ? 0 : 1;
  } finally {
    await encoders.dispose();
  }
}

/** One run of the demo: its models, clip, catalog and (when there are any) trained heads. */
interface DemoRun {
  readonly config: Config;
  readonly encoders: Encoders;
  readonly standIn: boolean;
  readonly clip: string;
  readonly catalogDir: string;
  readonly headsDir?: string;
}

/** The generated music folder (tagged tones) and clip (three coloured scenes) under `dir`. */
async function writeDemoMedia(config: Config, dir: string, log: (line: string) => void): Promise<{ music: string; clip: string }> {
  const [{ configureMedia }, { writeDemoClip, writeDemoMusic }] = await Promise.all([import('../../core/media/index.js'), import('./demo-media.js')]);
  configureMedia({ ...config.media });
  const music = await writeDemoMusic(join(dir, 'music'));
  const clip = await writeDemoClip(join(dir, 'clip.mp4'));
  log(`music: ${music} (generated tones with title/artist/genre tags)`);
  log(`clip:  ${clip} (8 s, three coloured scenes)`);
  return { music, clip };
}

/** Indexes the music folder into the demo's catalog (template descriptions; ViML vectors when there are heads). */
async function indexDemoCatalog({ config, encoders, catalogDir, headsDir }: DemoRun, music: string, log: (line: string) => void): Promise<void> {
  const [{ createDescriber }, { catalogIndexSettings, indexMusic }, { mediaAudioSource }, { musicMetadataReader }, { vimlMusicEncoder }, { loadVimlHeads }] = await Promise.all([
    import('../../index-data/describe/from-config.js'),
    import('../../index-data/indexer.js'),
    import('../../index-data/media-source.js'),
    import('../../index-data/metadata.js'),
    import('../../index-data/viml-music.js'),
    import('../../model/index.js'),
  ]);
  const heads = headsDir ? await loadVimlHeads(encoders, config, { dir: headsDir }) : undefined;
  const summary = await indexMusic({
    roots: [music],
    catalogDir,
    encoders: heads ? { ...encoders, vimlMusic: vimlMusicEncoder(heads) } : encoders,
    audio: mediaAudioSource(),
    metadata: musicMetadataReader,
    describer: (cache) => createDescriber('template', undefined, cache),
    ...catalogIndexSettings(config.catalog),
  });
  log(`catalog: ${catalogDir} (${summary.tracks} tracks; ${summary.indexed} indexed now, ${summary.unchanged} unchanged)`);
  if (!heads) log('no trained ViML heads in the models directory: zero-shot only');
}

/**
 * The prompt and the refinements against the catalog, zero-shot and (with heads) ViML, each written as a
 * table or a JSON line; true when every mode's last turn found picks.
 */
async function answerDemo(demo: DemoRun, json: boolean, write: (text: string) => void, log: (line: string) => void): Promise<boolean> {
  const { config, encoders, clip, catalogDir, headsDir } = demo;
  const [{ catalogVocabulary }, { clipFeatures }, { renderTable, runConversation, toRecommendJson }, { Recommender }, { loadQueryHeads, openCatalogFor }] = await Promise.all([
    import('../../recommend/catalog-vocabulary.js'),
    import('../../recommend/clip-features.js'),
    import('../../recommend/conversation.js'),
    import('../../recommend/recommender.js'),
    import('../setup.js'),
  ]);
  const catalog = openCatalogFor(catalogDir, encoders);
  try {
    const frameEmbeddings = await clipFeatures(clip, encoders.clipImage, { fps: config.video.fps, maxFrames: config.video.maxFrames });
    const vimlHeads = headsDir ? await loadQueryHeads(encoders, config, headsDir) : undefined;
    let found = true;
    log(`prompt: "${DEMO_PROMPT}"; refinements: ${DEMO_REFINEMENTS.map((r) => `"${r}"`).join(', ')}\n`);
    for (const viml of [undefined, ...(vimlHeads ? [vimlHeads] : [])]) {
      const recommender = new Recommender({ catalog, clipText: encoders.clipText, clapText: encoders.clapText, vocabulary: catalogVocabulary(catalog), ...(viml ? { viml } : {}) });
      const turns = await runConversation(recommender, { frameEmbeddings, prompt: DEMO_PROMPT, refinements: DEMO_REFINEMENTS, k: DEMO_K });
      found &&= turns.at(-1)!.result.picks.length > 0;
      if (json) {
        const answer = toRecommendJson(turns, {
          video: clip,
          frames: frameEmbeddings.length,
          prompt: DEMO_PROMPT,
          refinements: DEMO_REFINEMENTS,
          k: DEMO_K,
          encoders: { clip: encoders.clipText.info.modelId, clap: encoders.clapText.info.modelId, standIn: demo.standIn },
        });
        write(`${JSON.stringify({ ...answer, standIn: demo.standIn })}\n`);
      } else {
        log(`=== ${recommender.mode} mode${viml ? ` (heads: ${viml.dir})` : ''} ===`);
        write(renderTable(turns));
      }
    }
    return found;
  } finally {
    await catalog.close();
  }
}

/** The same round trip as one `cuecast recommend` command. */
function sameFromCommandLine({ config, standIn, clip, catalogDir, headsDir }: DemoRun): string {
  const models = standIn ? ` --models ${config.modelsDir}` : '';
  const headsFlag = standIn && headsDir ? ` --heads ${headsDir}` : '';
  return `the same from the command line:\n  npx cuecast recommend ${clip} --catalog ${catalogDir}${models}${headsFlag} --prompt "${DEMO_PROMPT}" ${DEMO_REFINEMENTS.map((r) => `--refine "${r}"`).join(' ')}`;
}

export const demoCommand: CliCommand = {
  name: 'demo',
  register(program: Command): void {
    program
      .command('demo')
      .description('a full round trip on generated media: music folder -> catalog -> picks for a clip, a prompt and two refinements')
      .option('--dir <dir>', 'working folder (default: <dataDir>/demo)')
      .option('--stand-in', 'use the random-weight stand-in models even if real ones are available')
      .option('--models <dir>', 'models directory holding clip/ and clap/ (default: config modelsDir)')
      .option('--json', 'print the final answer as JSON (schema: docs/recommend.md)')
      .action(async (flags: { dir?: string; standIn?: boolean; models?: string; json?: boolean }) => {
        process.exitCode = await runDemo(
          { ...(flags.dir ? { dir: flags.dir } : {}), ...(flags.models ? { models: flags.models } : {}), standIn: flags.standIn === true, json: flags.json === true },
          (t) => process.stdout.write(t),
        ).catch((error: unknown) => reportError(error, flags));
      });
  },
};
